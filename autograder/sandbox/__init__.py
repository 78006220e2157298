"""Where a student's kernel runs: a bubblewrap sandbox with resource limits.

`bwrap.py` builds the command line, `limits.py` holds the numbers, `kernel.py` is the
jupyter_client kernel manager that launches the kernel inside the sandbox, `execute.py` is
nbgrader's Execute preprocessor with a cap on the output a notebook may produce.
"""
