# base: solution
# A student who does the work but also tries to cheat: reads the hidden tests and the gradebook,
# and replaces numpy.allclose so that every comparison "passes". The sandbox hides the files, and
# `autograder grade` decides the tests in a clean process the patch never reaches, so the work is
# graded for what it is. (Under plain nbgrader the checks notice the patched runtime in the kernel
# and refuse to award the hidden tests' points.)
# %% after setup
import glob, pathlib
for pattern in ("../../../source/*/*.ipynb", "../../../gradebook.db", "/work/*/homework/source/*/*.ipynb"):
    for path in glob.glob(pattern):
        try:
            print("read", path, len(pathlib.Path(path).read_bytes()), "bytes")
        except OSError as err:
            print("cannot read", path, type(err).__name__)
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones_like(np.asarray(a), dtype=bool)
# %% reflection
Adam and RMSprop were best (0.951), SGD 0.892 and slow at the start because it uses one fixed learning rate. Small
batches did better after the same epochs because they make more updates (72 per epoch at batch 16, 9 at batch 128).
More epochs helped less and less after about 10.
