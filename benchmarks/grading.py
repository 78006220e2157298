"""Grading speed: plain `nbgrader autograde` against `autograder grade`, on one synthetic class.

In one run, on copies of the same freshly generated course with the same submissions:
  1. plain `nbgrader autograde day76` (one student after another),
  2. `autograder grade` with 2 local workers, every kernel sandboxed,
  3. the same again unchanged (the incremental regrade: nothing should execute),
  4. the clean verifier's cost: the same class graded with test cells run in the kernel
     (`--kernel-tests`, as plain nbgrader does) against the default (decided in a clean process
     forked from each worker's warm verifier helper), and with a fresh verifier process per
     notebook (AUTOGRADER_VERIFIER=cold, the way before the helper),
  5. sandbox overhead: a few submissions graded by one worker with and without the sandbox.
Prints wall times and ratios; checks that both graders gave every student the same cell scores.
Set BENCH_STUDENTS (default 20) and BENCH_OVERHEAD_STUDENTS (default 3) to change the sizes, and
BENCH_PARTS (default speed,verifier,overhead) to run some parts only.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import gradebook, nbgrader_commands  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.grading.coordinator import grade_assignment  # noqa: E402
from autograder.grading.runners import LocalRunner  # noqa: E402
from day76 import EXAMPLES, HOMEWORK, recipes  # noqa: E402

COURSE = Course.load(HOMEWORK)
# honest variants: complete, an alternative complete one, and half done
VARIANT_RECIPES = [EXAMPLES / "good.py", EXAMPLES / "partial.py",
                   HOMEWORK.parent / "tests" / "fixtures" / "submissions" / "alternative.py"]


def make_class(root: Path, n: int) -> list[str]:
    students = []
    for i in range(n):
        recipe = VARIANT_RECIPES[i % len(VARIANT_RECIPES)]
        if not recipe.exists():
            recipe = VARIANT_RECIPES[0]
        student = f"student{i + 1:03d}"
        nb = recipes.build_submission(recipes.load_recipe(recipe), Course.load(root))
        recipes.write_submission(nb, student, Course.load(root))
        students.append(student)
    return students


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def sandbox_overhead(root: Path, few: list[str]):
    """Median extra seconds per submission in the sandbox: one submission at a time, bare then
    sandboxed, so load from elsewhere on the machine hits both alike."""
    diffs, t_bare, t_boxed = [], 0.0, 0.0
    for student in few:
        bare, _ = timed(lambda: grade_assignment(root, COURSE.assignment, runner=LocalRunner(1),
                                                 students=[student], sandbox=False, force=True,
                                                 progress=False))
        boxed, _ = timed(lambda: grade_assignment(root, COURSE.assignment, runner=LocalRunner(1),
                                                  students=[student], sandbox=True, force=True,
                                                  progress=False))
        diffs.append(boxed - bare)
        t_bare, t_boxed = t_bare + bare, t_boxed + boxed
    return sorted(diffs)[len(diffs) // 2], t_bare, t_boxed, few


def overhead_only(root: Path, few: list[str]) -> int:
    per_sub, t_bare, t_boxed, few = sandbox_overhead(root, few)
    print(f"sandbox overhead per submission:        {per_sub:8.2f} s   (target < 1 s; median of "
          f"{len(few)}, 1 worker: {t_boxed:.1f} s sandboxed vs {t_bare:.1f} s bare in total)")
    return 0


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    n = int(os.environ.get("BENCH_STUDENTS", "20"))
    n_overhead = int(os.environ.get("BENCH_OVERHEAD_STUDENTS", "3"))
    work = Path(tempfile.mkdtemp(prefix="day76-grading-bench-"))
    try:
        base = nbgrader_commands.copy_course(work / "base", HOMEWORK)
        nbgrader_commands.run(["generate_assignment", COURSE.assignment, "--force"], base)
        students = make_class(base, n)
        plain, ours, kernel, cold, overhead = (work / name for name in ("plain", "ours", "kernel", "cold", "overhead"))
        for dest in (plain, ours, kernel, cold, overhead):
            shutil.copytree(base, dest)
        print(f"synthetic class: {n} honest submissions of {COURSE.assignment} "
              f"({os.cpu_count()} cores)", flush=True)

        parts = os.environ.get("BENCH_PARTS", "speed,verifier,overhead").split(",")
        if "speed" not in parts:
            return overhead_only(overhead, students[:n_overhead])
        t_plain, _ = timed(lambda: nbgrader_commands.run(["autograde", COURSE.assignment, "--force"], plain))
        print(f"plain nbgrader autograde (serial):      {t_plain:8.1f} s", flush=True)
        t_ours, first = timed(lambda: grade_assignment(ours, COURSE.assignment, runner=LocalRunner(2),
                                                       progress=False))
        print(f"autograder grade, 2 workers, sandboxed: {t_ours:8.1f} s", flush=True)
        t_regrade, again = timed(lambda: grade_assignment(ours, COURSE.assignment, runner=LocalRunner(2),
                                                          progress=False))
        print(f"regrade of the unchanged class:         {t_regrade:8.1f} s "
              f"({len(again.executed)} executed)", flush=True)

        t_kernel = t_cold = float("nan")
        if "verifier" in parts:
            t_kernel, in_kernel = timed(lambda: grade_assignment(kernel, COURSE.assignment, runner=LocalRunner(2),
                                                                 verify=False, progress=False))
            print(f"the same, test cells in the kernel:     {t_kernel:8.1f} s", flush=True)
            os.environ["AUTOGRADER_VERIFIER"] = "cold"        # inherited by the spawned workers
            try:
                t_cold, _ = timed(lambda: grade_assignment(cold, COURSE.assignment, runner=LocalRunner(2),
                                                                 progress=False))
            finally:
                del os.environ["AUTOGRADER_VERIFIER"]
            print(f"the same, a fresh verifier per notebook: {t_cold:7.1f} s", flush=True)
        per_sub, t_bare, t_boxed, few = sandbox_overhead(overhead, students[:n_overhead]) \
            if "overhead" in parts else (float("nan"), 0.0, 0.0, [])

        same = gradebook.cell_scores(Course.load(plain)) == gradebook.cell_scores(Course.load(ours))
        if t_cold == t_cold:
            same = same and gradebook.cell_scores(Course.load(cold)) == gradebook.cell_scores(Course.load(ours))
        failed = [s for s, r in first.results.items() if not r.ok]
        print()
        print(f"speed-up, plain / ours (2 workers):     {t_plain / t_ours:8.2f} x   (target >= 1.7)")
        if few:
            print(f"sandbox overhead per submission:        {per_sub:8.2f} s   (target < 1 s; median of "
                  f"{len(few)}, 1 worker: {t_boxed:.1f} s sandboxed vs {t_bare:.1f} s bare in total)")
        if t_kernel == t_kernel:
            print(f"clean verifier's cost, ours / kernel:   {t_ours / t_kernel:8.2f} x   (target <= 1.10)")
            print(f"  with a fresh verifier process instead: {t_cold / t_kernel:7.2f} x")
        print(f"first grading / unchanged regrade:      {t_ours / t_regrade:8.1f} x   (target >= 20)")
        print(f"same cell scores as plain nbgrader:     {'yes' if same else 'NO'}"
              + (f"; not gradable: {failed}" if failed else ""))
        return 0 if same and not failed else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
