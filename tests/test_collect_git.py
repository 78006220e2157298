"""Collection against a local GitHub stand-in: real git, real clones, every link form and status.

The server (tests/gitserver.py) serves smart HTTP on loopback; git's own `url.<base>.insteadOf`
sends https://github.com/ and https://gist.github.com/ to it.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import nbformat
import pytest

from autograder.collect import RosterRow, Status, collect_class, print_report, write_report
from gitserver import git_server  # noqa: F401  (the fixture)

NB = "Day76-Optimizer_HW.ipynb"
ASSIGNMENT = "day76"


def collect(rows, course, **options):
    """collect_class for this module's assignment and notebook."""
    return collect_class(rows, course, ASSIGNMENT, NB, **options)
GIST = "0123456789abcdef0123456789abcdef"
GIST2 = "fedcba9876543210fedcba9876543210"
MAX_BYTES = 200_000


def notebook(tag: str) -> str:
    """A small valid notebook whose first cell says `tag`, so tests can tell versions apart."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"answer = {tag!r}")])
    return nbformat.writes(nb)


def tag_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb.cells[0].source


# -- every link form: (student, link, expected path in the repository, expected tag) ---------------

def build_link_world(server) -> list[tuple[str, str, str, str]]:
    rows = []
    server.repo("s-repo", "hw").write(NB, notebook("repo")).write("README.md", "hi").commit()
    rows.append(("repo", "https://github.com/s-repo/hw", NB, "repo"))
    rows.append(("repo_git_slash", "  https://github.com/s-repo/hw.git/  ", NB, "repo"))
    rows.append(("repo_query_fragment", "https://github.com/s-repo/hw?tab=readme-ov-file#readme", NB, "repo"))
    rows.append(("repo_no_scheme", "github.com/s-repo/hw", NB, "repo"))
    rows.append(("repo_ssh", "git@github.com:s-repo/hw.git", NB, "repo"))

    r = server.repo("s-blob", "ml100")
    r.write("day76/" + NB, notebook("blob-main")).write("day75/Day75.ipynb", notebook("other")).commit()
    r.tag("v1.0")
    permalink = r.head()
    r.write("作業/作業 76.ipynb", notebook("chinese")).commit(branch="feature/x")
    r.checkout("main")
    rows.append(("blob", "https://github.com/s-blob/ml100/blob/main/day76/" + NB, "day76/" + NB, "blob-main"))
    rows.append(("blob_raw_query", "https://github.com/s-blob/ml100/blob/main/day76/" + NB + "?raw=true",
                 "day76/" + NB, "blob-main"))
    rows.append(("blob_slash_branch_percent",
                 "https://github.com/s-blob/ml100/blob/feature/x/%E4%BD%9C%E6%A5%AD/%E4%BD%9C%E6%A5%AD%2076.ipynb",
                 "作業/作業 76.ipynb", "chinese"))
    rows.append(("blob_unicode", "https://github.com/s-blob/ml100/blob/feature/x/作業/作業 76.ipynb",
                 "作業/作業 76.ipynb", "chinese"))
    rows.append(("blob_tag", "https://github.com/s-blob/ml100/blob/v1.0/day76/" + NB, "day76/" + NB, "blob-main"))
    rows.append(("blob_commit", f"https://github.com/s-blob/ml100/blob/{permalink}/day76/{NB}", "day76/" + NB, "blob-main"))
    rows.append(("tree", "https://github.com/s-blob/ml100/tree/main/day76", "day76/" + NB, "blob-main"))
    rows.append(("raw", f"https://raw.githubusercontent.com/s-blob/ml100/main/day76/{NB}", "day76/" + NB, "blob-main"))
    rows.append(("raw_refs_heads", "https://raw.githubusercontent.com/s-blob/ml100/refs/heads/feature/x/"
                 "%E4%BD%9C%E6%A5%AD/%E4%BD%9C%E6%A5%AD%2076.ipynb", "作業/作業 76.ipynb", "chinese"))
    rows.append(("nbviewer", f"https://nbviewer.org/github/s-blob/ml100/blob/main/day76/{NB}", "day76/" + NB, "blob-main"))
    rows.append(("colab", f"https://colab.research.google.com/github/s-blob/ml100/blob/main/day76/{NB}",
                 "day76/" + NB, "blob-main"))

    server.repo("s-variant", "ML100Days").write("homework/day76_optimizer_hw.ipynb", notebook("variant")) \
        .write("homework/day75.ipynb", notebook("x")).commit()
    rows.append(("tree_variant", "https://github.com/s-variant/ML100Days/tree/main/homework",
                 "homework/day76_optimizer_hw.ipynb", "variant"))

    g = server.gist(GIST)
    g.write("hw.ipynb", notebook("gist-v1")).commit()
    first = g.head()
    g.write("hw.ipynb", notebook("gist-v2")).write("notes.md", "n").commit()
    rows.append(("gist", f"https://gist.github.com/s-gist/{GIST}", "hw.ipynb", "gist-v2"))
    rows.append(("gist_git", f"https://gist.github.com/{GIST}.git", "hw.ipynb", "gist-v2"))
    rows.append(("gist_raw_rev", f"https://gist.githubusercontent.com/s-gist/{GIST}/raw/{first}/hw.ipynb",
                 "hw.ipynb", "gist-v1"))
    rows.append(("nbviewer_gist", f"https://nbviewer.jupyter.org/gist/s-gist/{GIST}", "hw.ipynb", "gist-v2"))
    g2 = server.gist(GIST2)
    g2.write("a.ipynb", notebook("a")).write("Day76 作業.ipynb", notebook("gist-anchor")).commit()
    rows.append(("gist_anchor", f"https://gist.github.com/s-gist/{GIST2}#file-day76-作業-ipynb",
                 "Day76 作業.ipynb", "gist-anchor"))
    return rows


# -- every failure status: (student, link, status, words in the reason) ----------------------------

def build_failure_world(server) -> list[tuple[str, str, Status, str]]:
    rows = [
        ("f_gitlab", "https://gitlab.com/x/hw", Status.BAD_LINK, "not GitHub"),
        ("f_empty", "", Status.BAD_LINK, "no link"),
        ("f_drive", "https://colab.research.google.com/drive/1xYz", Status.BAD_LINK, "Save a copy in GitHub"),
        ("f_missing", "https://github.com/nobody/nothing", Status.REPO_MISSING, "missing or private"),
    ]
    server.repo("f-private", "hw", private=True).write(NB, notebook("private")).commit()
    rows.append(("f_private", "https://github.com/f-private/hw", Status.REPO_MISSING, "make the repository public"))
    server.repo("f-nonb", "hw").write("README.md", "x").write("day1.ipynb", notebook("d1")) \
        .write("day2.ipynb", notebook("d2")).commit()
    rows.append(("f_nonb", "https://github.com/f-nonb/hw", Status.FILE_NOT_FOUND, "day1.ipynb, day2.ipynb"))
    rows.append(("f_nofile", "https://github.com/f-nonb/hw/blob/main/gone.ipynb", Status.FILE_NOT_FOUND, "gone.ipynb"))
    rows.append(("f_nobranch", "https://github.com/f-nonb/hw/blob/dev/day1.ipynb", Status.FILE_NOT_FOUND, "'dev'"))
    server.repo("f-empty", "hw")  # created, never pushed to
    rows.append(("f_emptyrepo", "https://github.com/f-empty/hw", Status.FILE_NOT_FOUND, "empty"))
    server.repo("f-amb", "hw").write("a/" + NB, notebook("a")).write("b/" + NB, notebook("b")).commit()
    rows.append(("f_amb", "https://github.com/f-amb/hw", Status.AMBIGUOUS, "a/" + NB))
    server.repo("f-json", "hw").write(NB, '{"cells": [').commit()
    rows.append(("f_json", "https://github.com/f-json/hw", Status.INVALID_NOTEBOOK, "not valid notebook JSON"))
    server.repo("f-schema", "hw").write(NB, '{"cells": 3, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}').commit()
    rows.append(("f_schema", "https://github.com/f-schema/hw", Status.INVALID_NOTEBOOK, "not a valid Jupyter notebook"))
    server.repo("f-lfs", "hw").write(NB, "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n").commit()
    rows.append(("f_lfs", "https://github.com/f-lfs/hw", Status.INVALID_NOTEBOOK, "LFS"))
    server.repo("f-html", "hw").write(NB, "<!DOCTYPE html><html></html>").commit()
    rows.append(("f_html", "https://github.com/f-html/hw", Status.INVALID_NOTEBOOK, "web page"))
    big = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x" * (MAX_BYTES + 10))])
    server.repo("f-big", "hw").write(NB, nbformat.writes(big)).commit()
    rows.append(("f_big", "https://github.com/f-big/hw", Status.TOO_LARGE, "Clear Outputs"))
    rows.append(("f_dup", "https://github.com/nobody/first-try", Status.DUPLICATE, "later roster row"))
    rows.append(("f_dup", "https://github.com/s-repo/hw", Status.COLLECTED, ""))
    return rows


@pytest.fixture(scope="module")
def world(git_server, tmp_path_factory):
    links = build_link_world(git_server)
    failures = build_failure_world(git_server)
    course = tmp_path_factory.mktemp("course")
    rows = [RosterRow(s, link, {"name": s.upper()}) for s, link, *_ in links + failures]
    results = collect(rows, course, jobs=4, timeout=60, max_bytes=MAX_BYTES,
                            git_config=git_server.git_config(), token="")
    return links, failures, course, results


def test_every_link_form_is_collected(world):
    links, _, course, results = world
    by_student = {r.student_id: r for r in results}
    for student, link, path, tag in links:
        r = by_student[student]
        assert r.status is Status.COLLECTED, (student, r.reason)
        assert r.path == path, student
        assert len(r.commit) == 40 and r.commit_time
        written = course / "submitted" / student / "day76" / NB
        assert tag_of(written) == f"answer = {tag!r}", student   # valid nbformat, the right version
        assert (written.parent / "timestamp.txt").is_file()


def test_the_report_says_what_was_taken_and_what_else_was_there(world):
    _, _, _, results = world
    by_student = {r.student_id: r for r in results}
    assert "exact" in by_student["repo"].reason
    assert "variant" in by_student["tree_variant"].reason
    assert "homework/day75.ipynb" in by_student["tree_variant"].others
    assert "filed as " + NB in by_student["blob_unicode"].reason


def test_every_failure_gets_its_status_and_a_reason(world):
    _, failures, course, results = world
    got = [(r.student_id, r.status, r.reason) for r in results if r.student_id.startswith("f_")]
    assert [(s, st) for s, st, _ in got] == [(s, st) for s, _, st, _ in failures]
    for (student, status, reason), (_, _, _, words) in zip(got, failures):
        assert words in reason, (student, reason)
        if not status.ok and status is not Status.DUPLICATE:
            assert reason and "\n" not in reason
            assert not (course / "submitted" / student / "day76" / NB).exists()


def test_report_csv_and_table(world, tmp_path):
    _, _, _, results = world
    path = write_report(results, tmp_path / "report.csv")
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(results)
    assert {"student_id", "status", "commit", "commit_time", "path", "reason", "name"} <= set(rows[0])
    assert rows[0]["name"] == rows[0]["student_id"].upper()      # the roster's extra columns are kept
    from io import StringIO
    out = StringIO()
    print_report(results, file=out, width=200)
    text = out.getvalue()
    assert "repo_missing" in text and "collected" in text and "Collection report" in text


# -- deadlines ------------------------------------------------------------------------------------

DEADLINE = "2026-11-28T00:00:00+00:00"


@pytest.fixture(scope="module")
def deadline_world(git_server, tmp_path_factory):
    r = git_server.repo("d-ontime", "hw")
    r.write(NB, notebook("v1")).commit("first", date="2026-11-20T10:00:00+00:00")
    v2 = r.write(NB, notebook("v2")).commit("second", date="2026-11-25T10:00:00+00:00")
    r.write("README.md", "readme").commit("readme only", date="2026-11-27T10:00:00+00:00")
    r.write(NB, notebook("v3-late")).commit("after the deadline", date="2026-12-02T10:00:00+00:00")
    r2 = git_server.repo("d-late", "hw")
    r2.write("README.md", "start").commit("start", date="2026-11-10T10:00:00+00:00")
    late = r2.write(NB, notebook("late")).commit("late", date="2026-11-29T12:00:00+00:00")
    r3 = git_server.repo("d-exact", "hw")
    exact = r3.write(NB, notebook("exact")).commit("on the dot", date=DEADLINE)
    course = tmp_path_factory.mktemp("deadline-course")
    rows = [RosterRow("ontime", "https://github.com/d-ontime/hw"),
            RosterRow("late", "https://github.com/d-late/hw"),
            RosterRow("exact", f"https://github.com/d-exact/hw/blob/main/{NB}")]
    results = collect(rows, course, deadline=DEADLINE, git_config=git_server.git_config(), token="")
    return course, {r.student_id: r for r in results}, {"v2": v2, "late": late, "exact": exact}


def test_deadline_takes_the_last_commit_touching_the_notebook_in_time(deadline_world):
    course, results, commits = deadline_world
    r = results["ontime"]
    assert r.status is Status.COLLECTED and not r.late
    assert r.commit == commits["v2"]                  # not the later README commit, not the late one
    assert r.commit_time.startswith("2026-11-25T10:00:00")
    assert tag_of(course / "submitted" / "ontime" / "day76" / NB) == "answer = 'v2'"
    stamp = (course / "submitted" / "ontime" / "day76" / "timestamp.txt").read_text().strip()
    from nbgrader.utils import parse_utc
    assert str(parse_utc(stamp)) == "2026-11-25 10:00:00"


def test_work_only_committed_after_the_deadline_is_late(deadline_world):
    course, results, commits = deadline_world
    r = results["late"]
    assert r.status is Status.LATE and r.late and r.commit == commits["late"]
    assert "after the deadline" in r.reason
    assert tag_of(course / "submitted" / "late" / "day76" / NB) == "answer = 'late'"


def test_a_commit_at_the_deadline_is_on_time(deadline_world):
    _, results, commits = deadline_world
    assert results["exact"].status is Status.COLLECTED and results["exact"].commit == commits["exact"]


# -- re-runs --------------------------------------------------------------------------------------

def test_reruns_are_incremental_and_keep_good_work(git_server, tmp_path):
    repo = git_server.repo("r-student", "hw")
    first = repo.write(NB, notebook("one")).commit()
    course = tmp_path / "course"
    rows = [RosterRow("rs", "https://github.com/r-student/hw")]
    cfg = git_server.git_config()
    target = course / "submitted" / "rs" / "day76" / NB

    [r] = collect(rows, course, git_config=cfg, token="")
    assert r.status is Status.COLLECTED and r.commit == first and not r.unchanged
    mtime = target.stat().st_mtime_ns

    assert git_server.pack_requests.count("/github/r-student/hw.git/git-upload-pack") >= 1
    packs_before = len(git_server.pack_requests)
    [r] = collect(rows, course, git_config=cfg, token="")
    assert r.status is Status.COLLECTED and r.unchanged and r.commit == first
    assert target.stat().st_mtime_ns == mtime                   # not copied again
    assert git_server.pack_requests[packs_before:] == []        # only the refs were listed: no clone

    second = repo.write(NB, notebook("two")).commit()
    [r] = collect(rows, course, git_config=cfg, token="")
    assert r.status is Status.COLLECTED and r.commit == second and not r.unchanged
    assert tag_of(target) == "answer = 'two'"

    repo.write(NB, "{ broken").commit()
    [r] = collect(rows, course, git_config=cfg, token="")
    assert r.status is Status.INVALID_NOTEBOOK and r.kept_previous and r.commit == second
    assert tag_of(target) == "answer = 'two'"                   # the good submission stays

    git_server.delete("r-student", "hw")
    [r] = collect(rows, course, git_config=cfg, token="")
    assert r.status is Status.REPO_MISSING and r.kept_previous and "kept the earlier submission" in r.reason
    assert tag_of(target) == "answer = 'two'"

    [r] = collect([RosterRow("rs", "not a link at all")], course, git_config=cfg, token="")
    assert r.status is Status.BAD_LINK and r.kept_previous and tag_of(target) == "answer = 'two'"

    # a submission put in submitted/ by other means (nbgrader collect, by hand) is never removed either
    other = course / "submitted" / "by-hand" / "day76" / NB
    other.parent.mkdir(parents=True)
    other.write_text(notebook("by hand"), encoding="utf-8")
    [r] = collect([RosterRow("by-hand", "https://github.com/nobody/none")], course, git_config=cfg, token="")
    assert r.status is Status.REPO_MISSING and r.kept_previous and tag_of(other) == "answer = 'by hand'"


# -- safety ---------------------------------------------------------------------------------------

def test_private_repository_with_token_never_leaks_it(git_server, tmp_path, monkeypatch):
    git_server.repo("p-student", "hw", private=True).write(NB, notebook("secret-work")).commit()
    course = tmp_path / "course"
    rows = [RosterRow("ps", "https://github.com/p-student/hw"),
            RosterRow("pm", "https://github.com/p-student/missing")]
    monkeypatch.setenv("GITHUB_TOKEN", git_server.token)
    results = collect(rows, course, git_config=git_server.git_config(),
                            token_scopes=(git_server.base_url,))
    assert [r.status for r in results] == [Status.COLLECTED, Status.REPO_MISSING]
    assert tag_of(course / "submitted" / "ps" / "day76" / NB) == "answer = 'secret-work'"
    report = write_report(results, course / "report.csv")
    from io import StringIO
    out = StringIO()
    print_report(results, file=out)
    assert git_server.token not in out.getvalue()
    for path in [report, *course.rglob("*")]:
        if path.is_file():
            assert git_server.token.encode() not in path.read_bytes(), path
    monkeypatch.delenv("GITHUB_TOKEN")
    [r] = collect(rows[:1], tmp_path / "other", git_config=git_server.git_config())
    assert r.status is Status.REPO_MISSING


def test_submodules_are_not_fetched_and_ids_cannot_escape(git_server, tmp_path):
    git_server.repo("sub-target", "lib").write("x.py", "print('x')").commit()
    repo = git_server.repo("sub-student", "hw")
    repo.write(NB, notebook("with-submodule"))
    repo.write(".gitmodules", '[submodule "lib"]\n\tpath = lib\n\turl = https://github.com/sub-target/lib.git\n')
    subprocess.run(["git", "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},lib"],
                   cwd=repo.work, check=True, capture_output=True)
    repo.commit()
    before = len(git_server.requests)
    course = tmp_path / "course"
    r, bad = collect([RosterRow("s-sub", "https://github.com/sub-student/hw"),
                      RosterRow("../../escape", "https://github.com/sub-student/hw")], course,
                     git_config=git_server.git_config(), token="")
    assert r.status is Status.COLLECTED
    assert not any("sub-target" in p for p, _ in git_server.requests[before:])
    assert bad.status is Status.BAD_ID and "not a safe folder name" in bad.reason and "'/'" in bad.reason
    written = [p for p in tmp_path.rglob(NB)]
    assert written == [course / "submitted" / "s-sub" / "day76" / NB]


def test_repositories_over_the_size_cap_are_stopped(git_server, tmp_path):
    repo = git_server.repo("big-history", "hw").write(NB, notebook("x"))
    for i in range(30):
        repo.write(f"folder{i}/file.txt", str(i))
    repo.commit()
    [r] = collect([RosterRow("big", "https://github.com/big-history/hw")], tmp_path,
                        max_repo_bytes=2_000, git_config=git_server.git_config(), token="")
    assert r.status is Status.TOO_LARGE and "larger than 2000 bytes" in r.reason


def test_timeouts_are_bounded(git_server, tmp_path):
    git_server.repo("t-slow", "hw").write(NB, notebook("slow")).commit()
    git_server.slow["github/t-slow/hw.git"] = 8
    try:
        [r] = collect([RosterRow("slow", "https://github.com/t-slow/hw")], tmp_path,
                            timeout=1.5, git_config=git_server.git_config(), token="")
    finally:
        git_server.slow.clear()
    assert r.status is Status.TIMED_OUT and "did not answer within" in r.reason


def make_course(root: Path, config: str = "") -> Path:
    """A minimal nbgrader course folder: nbgrader_config.py and the assignment's source notebook."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 't'\n" + config,
                                             encoding="utf-8")
    (root / "source" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    (root / "source" / ASSIGNMENT / NB).write_text(notebook("source"), encoding="utf-8")
    return root


def test_cli_collects_a_roster_with_git_config_from_the_environment(git_server, tmp_path, monkeypatch, capsys,
                                                                     caplog):
    import argparse
    from autograder.commands import collect as command

    git_server.repo("cli-student", "hw").write(NB, notebook("cli")).commit()
    roster = tmp_path / "links.csv"
    roster.write_text("student_id,name,link\nc1,Chen,https://github.com/cli-student/hw\n"
                      "c2,Wang,https://github.com/cli-student/missing\n", encoding="utf-8")
    for key, value in git_server.env().items():   # as an instructor would set insteadOf for a mirror
        monkeypatch.setenv(key, value)
    course = make_course(tmp_path / "course")
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    args = parser.parse_args(["collect", str(roster), ASSIGNMENT, "--course", str(course), "--jobs", "2"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "1 collected, 1 repo_missing" in out
    report = course / "collected" / "day76" / "report.csv"
    rows = list(csv.DictReader(open(report, encoding="utf-8")))
    assert [(r["student_id"], r["status"], r["name"]) for r in rows] == [("c1", "collected", "Chen"),
                                                                          ("c2", "repo_missing", "Wang")]
    args = parser.parse_args(["collect", str(roster), ASSIGNMENT, "--course", str(course), "--strict"])
    assert args.func(args) == 1
    args = parser.parse_args(["collect", str(tmp_path / "nope.csv"), ASSIGNMENT, "--course", str(course)])
    assert args.func(args) == 2
    monkeypatch.chdir(course / "source")           # the course is found from the current directory
    args = parser.parse_args(["collect", str(roster), ASSIGNMENT])
    assert args.func(args) == 0
    args = parser.parse_args(["collect", str(roster), "no-such-assignment"])
    assert args.func(args) == 2
    assert "'no-such-assignment' is not in" in caplog.text
