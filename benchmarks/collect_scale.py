"""Collection at MOOC scale: `autograder collect` for 1,000 students against the local git server.

One run, three collections of the same class with `--jobs 8`, each a fresh `autograder collect`
process (as an instructor runs it):
  1. the first collection (every repository listed, cloned and read),
  2. the same again, nothing pushed (only `git ls-remote` per student: nothing is cloned),
  3. again after 50 students pushed a new version.
Prints wall time, milliseconds per student, the peak memory (max RSS) of the collecting process,
and CPU seconds (the collector with its git commands; the local git server) for each, and checks that every student was collected each time. The git server (tests' stand-in for
GitHub, git's own http-backend) runs in this process and shares the machine, so these are upper
bounds for the collector. BENCH_STUDENTS (default 1000), BENCH_JOBS (default 8), BENCH_PUSHES
(default 50) change the sizes. Aim (issue 13): first run under 2 minutes, unchanged re-run under 15 s.
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder.environment import tool_environment  # noqa: E402
from autograder.localgit import GitServer, _git  # noqa: E402

ASSIGNMENT, NOTEBOOK = "hw1", "HW1.ipynb"
# `autograder collect` exactly as the CLI runs it, without importing the other commands
RUN_COLLECT = ("import argparse, sys\n"
               "from autograder.commands import collect\n"
               "parser = argparse.ArgumentParser(prog='autograder')\n"
               "collect.register(parser.add_subparsers())\n"
               "args = parser.parse_args(sys.argv[1:])\n"
               "sys.exit(args.func(args))\n")


def release() -> nbformat.NotebookNode:
    meta = {"grade": False, "solution": True, "locked": False, "grade_id": "answer", "schema_version": 3}
    test = {"grade": True, "solution": False, "locked": True, "grade_id": "test_answer", "points": 1,
            "schema_version": 3}
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Homework 1"),
        nbformat.v4.new_code_cell("# YOUR CODE HERE\nraise NotImplementedError()", metadata={"nbgrader": meta}),
        nbformat.v4.new_code_cell("assert answer", metadata={"nbgrader": test})])


def filled(answer: str) -> str:
    nb = release()
    nb.cells[1].source = f"answer = {answer!r}\n" + "# some work\n" * 200
    return nbformat.writes(nb)


def make_course(root: Path) -> Path:
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    (root / "release" / ASSIGNMENT).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'bench'\n")
    nbformat.write(release(), root / "source" / ASSIGNMENT / NOTEBOOK)
    nbformat.write(release(), root / "release" / ASSIGNMENT / NOTEBOOK)
    return root


def make_class(server: GitServer, n: int) -> list[str]:
    """n student repositories: a template's history copied (fast), each with a README commit of its own."""
    template = server.repo("template", "hw")
    template.write(NOTEBOOK, filled("template")).write("README.md", "# homework\n").commit()
    students = []
    for i in range(n):
        student = f"s{i + 1:04d}"
        bare = server.root / "github" / f"u-{student}" / "hw.git"
        shutil.copytree(template.bare, bare)
        students.append(student)
    return students


def push_new_versions(server: GitServer, students: list[str], work: Path) -> None:
    for student in students:
        bare = server.root / "github" / f"u-{student}" / "hw.git"
        clone = work / student
        _git(["clone", "-q", str(bare), str(clone)])
        (clone / NOTEBOOK).write_text(filled(f"{student} v2"), encoding="utf-8")
        _git(["commit", "-q", "-am", "second version"], cwd=clone)
        _git(["push", "-q", "origin", "HEAD"], cwd=clone)


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def collect(course: Path, roster: Path, jobs: int, env: dict) -> tuple[float, float, float, float, Counter]:
    """(wall s, peak RSS MiB of the collecting process, its CPU s (git included), the git server's
    CPU s, status counts) of one CLI run."""
    before = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", RUN_COLLECT, "collect", str(roster), ASSIGNMENT,
                             "--course", str(course), "--jobs", str(jobs)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(stderr.decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"autograder collect exited {proc.returncode}")
    with open(course / "collected" / ASSIGNMENT / "report.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts = Counter(r["status"] + (" (unchanged)" if r["unchanged"] == "yes" else "") for r in rows)
    collector_cpu = usage.ru_utime + usage.ru_stime      # the process and the git commands it waited for
    total_cpu = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - before
    return wall, usage.ru_maxrss / 1024, collector_cpu, total_cpu - collector_cpu, counts


def main() -> int:
    n = int(os.environ.get("BENCH_STUDENTS", "1000"))
    jobs = int(os.environ.get("BENCH_JOBS", "8"))
    pushes = min(n, int(os.environ.get("BENCH_PUSHES", "50")))
    with tempfile.TemporaryDirectory(prefix="collect-bench-") as tmp, GitServer(Path(tmp) / "server") as server:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        students = make_class(server, n)
        course = make_course(tmp / "course")
        roster = tmp / "links.csv"
        roster.write_text("student_id,link\n" + "".join(f"{s},https://github.com/u-{s}/hw\n" for s in students),
                          encoding="utf-8")
        env = server.env(tool_environment())
        env.pop("GITHUB_TOKEN", None)
        print(f"{n} students, --jobs {jobs}; class set up in {time.perf_counter() - t0:.1f} s", flush=True)
        load = os.getloadavg()[0]

        results = [("first run", *collect(course, roster, jobs, env)),
                   ("unchanged re-run", *collect(course, roster, jobs, env))]
        push_new_versions(server, students[:pushes], tmp / "work")
        results.append((f"re-run after {pushes} pushes", *collect(course, roster, jobs, env)))

        print(f"load average before the runs: {load:.1f} on {os.cpu_count()} cores (other work shares the machine)")
        print(f"{'run':<26}{'wall s':>8}{'ms/student':>12}{'peak RSS MiB':>14}{'collector CPU s':>17}"
              f"{'server CPU s':>14}  statuses")
        for label, wall, rss, cpu, server_cpu, counts in results:
            statuses = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
            print(f"{label:<26}{wall:>8.1f}{1000 * wall / n:>12.1f}{rss:>14.0f}{cpu:>17.1f}{server_cpu:>14.1f}  {statuses}")
        first, again, pushed = (r[1] for r in results)
        print(f"unchanged re-run / first run: {again / first:.2f}; after pushes / first run: {pushed / first:.2f}")
        counts = [r[-1] for r in results]
        ok = (counts[0].get("collected", 0) == n and counts[1].get("collected (unchanged)", 0) == n
              and counts[2].get("collected", 0) == pushes and counts[2].get("collected (unchanged)", 0) == n - pushes)
        if not ok:
            print("unexpected statuses: see above")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
