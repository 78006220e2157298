"""What two parallel workers can gain on this machine before any grader is involved.

Each honest variant of the grading benchmark's class (complete, alternative, half done) is executed
with bare nbclient (no nbgrader, no sandbox): alone, then two copies at once in two processes,
then two copies at once with each kernel's TensorFlow and OpenMP pools cut to one thread. Two
copies of the same notebook finish together, so no idle tail blurs the figure: serial time over
parallel time is the throughput ceiling for any 2-worker grader on this machine with this
workload. It is below 2 because one TensorFlow kernel alone already keeps more than one core busy
part of the time, so two of them slow each other down.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _timing import run_timed  # noqa: E402
from grading import VARIANT_RECIPES  # noqa: E402

from day76 import recipes  # noqa: E402

ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _execute(args) -> float:
    nb, env = args
    os.environ.update(env)                # inherited by the kernel this process starts
    # allow_errors: the half-done variant raises NotImplementedError, and nbgrader runs on too
    seconds, _, _ = run_timed(nb, label=lambda i, c: str(i), timeout=900, allow_errors=True)
    return seconds


def _wall(notebooks, workers: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_execute, [(nb, env) for nb in notebooks]))
    return time.perf_counter() - start


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(f"bare nbclient, no grader ({os.cpu_count()} cores); seconds for one copy alone, "
          "then two copies at once", flush=True)
    alone = together = together_1t = 0.0
    for recipe in VARIANT_RECIPES:
        nb = recipes.build_submission(recipes.load_recipe(recipe))
        one = _wall([nb], 1, {})
        two = _wall([nb, nb], 2, {})
        two_1t = _wall([nb, nb], 2, ONE_THREAD)
        print(f"  {recipe.stem:12s} alone {one:6.1f}   two at once {two:6.1f}   "
              f"two at once, 1 thread each {two_1t:6.1f}", flush=True)
        alone, together, together_1t = alone + one, together + two, together_1t + two_1t
    print()
    print(f"ceiling for 2 workers (2 x alone / two at once): {2 * alone / together:5.2f} x")
    print(f"  with 1 TF/OpenMP thread per kernel:            {2 * alone / together_1t:5.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
