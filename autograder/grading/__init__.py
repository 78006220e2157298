"""Parallel grading: one job per submission, run by local worker processes or Dask workers.

`course.py` reads the course (config through nbgrader's own loader, submissions, the assignment
definition) and makes `jobs.GradingJob`s; `worker.py` grades one job in a private scratch course
with nbgrader's Autograde converter; `runners.py` runs jobs on a local process pool or a Dask
scheduler; `cache.py` keeps finished results for resume and incremental regrades; `record.py`
writes results into the course (the only code that touches the real gradebook);
`coordinator.py` ties them together with a progress bar.
"""
