"""Issue 13: collection against the mistakes real classes make, each case on the local git server.

Every test runs real `git` against tests/gitserver.py (smart HTTP on loopback, reached through
git's own `url.<base>.insteadOf`), with a small nbgrader-shaped release notebook so that the
"is this the homework?" rules have graded cells to look for.
"""

from __future__ import annotations

import argparse
import csv
import logging
from pathlib import Path

import nbformat
import pytest

from autograder.collect import (RosterRow, Status, collect_class, read_report, write_report)
from gitserver import git_server  # noqa: F401  (the fixture)

A = "hw1"
NB = "HW1-Optimizers.ipynb"
DEADLINE = "2026-11-28T00:00:00+00:00"
ON_TIME, ON_TIME_2, LATE = "2026-11-20T10:00:00+00:00", "2026-11-25T10:00:00+00:00", "2026-12-02T10:00:00+00:00"


def _meta(grade_id: str, solution: bool, grade: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": not solution, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def release() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Homework 1"),
                nbformat.v4.new_code_cell("# YOUR CODE HERE\nraise NotImplementedError()",
                                          metadata=_meta("answer", True, False)),
                nbformat.v4.new_code_cell("assert answer", metadata=_meta("test_answer", False, True, 1))]
    return nb


def filled(tag: str) -> str:
    """The release with the student's answer `tag` in it."""
    nb = release()
    nb.cells[1].source = f"answer = {tag!r}"
    return nbformat.writes(nb)


def lesson(title: str) -> str:
    """A lesson notebook: no nbgrader cells."""
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}")]))


def answer_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return nb.cells[1].source


def collect(rows, course, server, **options):
    options.setdefault("token", "")
    options.setdefault("release", release())
    return collect_class(rows, course, A, NB, git_config=server.git_config(), **options)


def submitted(course: Path, student: str) -> Path:
    return course / "submitted" / student / A / NB


def make_course(root: Path, config: str = "") -> Path:
    """An nbgrader course folder with the assignment's source and release notebooks."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'cases'\n" + config,
                                             encoding="utf-8")
    for folder in ("source", "release"):
        (root / folder / A).mkdir(parents=True, exist_ok=True)
        nbformat.write(release(), root / folder / A / NB)
    return root


def run_cli(*argv: str) -> int:
    from autograder.commands import collect as command

    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    args = parser.parse_args(["collect", *argv])
    return args.func(args)


# -- 1. rosters as people export them ------------------------------------------------------------

def test_a_google_forms_export_in_big5_is_collected_with_names_intact(git_server, tmp_path, monkeypatch):
    git_server.repo("r-chen", "hw").write(NB, filled("chen")).commit()
    git_server.repo("r-lin", "hw").write(NB, filled("lin")).commit()
    text = ("時間戳記,電子郵件地址,學號,姓名,GitHub 連結\n"
            "2026/11/20 上午 10:00:00,chen@example.tw,b10901,陳怡君,https://github.com/r-chen/hw\n"
            "2026/11/21 下午 03:00:00,lin@example.tw,b10902,林志豪,https://github.com/r-lin/hw\n")
    roster = tmp_path / "表單回應.csv"
    roster.write_bytes(text.encode("cp950"))          # Excel on Traditional-Chinese Windows
    for key, value in git_server.env().items():
        monkeypatch.setenv(key, value)
    course = make_course(tmp_path / "course")
    assert run_cli(str(roster), A, "--course", str(course)) == 0
    rows = list(csv.DictReader(open(course / "collected" / A / "report.csv", encoding="utf-8")))
    assert [(r["student_id"], r["status"], r["姓名"], r["電子郵件地址"]) for r in rows] == [
        ("b10901", "collected", "陳怡君", "chen@example.tw"), ("b10902", "collected", "林志豪", "lin@example.tw")]
    assert answer_of(submitted(course, "b10902")) == "answer = 'lin'"


def test_unsafe_ids_are_refused_not_renamed(git_server, tmp_path):
    git_server.repo("r-id", "hw").write(NB, filled("x")).commit()
    rows = [RosterRow("../../etc", "https://github.com/r-id/hw"), RosterRow("a b", "https://github.com/r-id/hw"),
            RosterRow("王小明", "https://github.com/r-id/hw")]
    bad1, bad2, ok = collect(rows, tmp_path / "course", git_server)
    assert bad1.status is Status.BAD_ID and "'/'" in bad1.reason and "fix the roster" in bad1.reason
    assert bad2.status is Status.BAD_ID and "' '" in bad2.reason
    assert ok.status is Status.COLLECTED and submitted(tmp_path / "course", "王小明").is_file()
    assert sorted(p.name for p in (tmp_path / "course" / "submitted").iterdir()) == ["王小明"]
    assert not list(tmp_path.rglob("*etc*"))


# -- 2. collected work is never lost --------------------------------------------------------------

def test_on_time_work_survives_an_amend_force_pushed_after_the_deadline(git_server, tmp_path):
    repo = git_server.repo("k-amend", "hw")
    repo.write(NB, filled("v1")).commit("first", date=ON_TIME)
    v2 = repo.write(NB, filled("v2")).commit("second", date=ON_TIME_2)
    course = tmp_path / "course"
    rows = [RosterRow("amender", "https://github.com/k-amend/hw")]
    [r] = collect(rows, course, git_server, deadline=DEADLINE)
    assert r.status is Status.COLLECTED and r.commit == v2
    stamp = (submitted(course, "amender").parent / "timestamp.txt").read_text()

    # after the deadline: amend the last commit (author date kept, committer date new) and force-push
    amended = repo.write(NB, filled("v2-amended-late")).commit("second", amend=True, date=LATE, author_date=ON_TIME_2)
    assert amended != v2
    [r] = collect(rows, course, git_server, deadline=DEADLINE, keep_late=True)
    assert r.status is Status.COLLECTED and r.kept_previous and r.commit == v2 and not r.late
    assert "kept the on-time submission" in r.reason and amended[:10] in r.reason
    assert any(amended[:10] in i and "after the deadline" in i for i in r.ignored), r.ignored
    assert answer_of(submitted(course, "amender")) == "answer = 'v2'"               # not v1, not the late one
    assert (submitted(course, "amender").parent / "timestamp.txt").read_text() == stamp
    late_copy = course / "collected" / A / "late" / "amender" / NB                   # kept beside, as asked
    assert r.late_copy == str(late_copy) and answer_of(late_copy) == "answer = 'v2-amended-late'"

    [again] = collect(rows, course, git_server, deadline=DEADLINE)                   # and it stays so
    assert again.unchanged and again.kept_previous and answer_of(submitted(course, "amender")) == "answer = 'v2'"


def test_more_on_time_work_replaces_the_earlier_collection(git_server, tmp_path):
    repo = git_server.repo("k-more", "hw")
    repo.write(NB, filled("draft")).commit(date=ON_TIME)
    course = tmp_path / "course"
    rows = [RosterRow("diligent", "https://github.com/k-more/hw")]
    collect(rows, course, git_server, deadline=DEADLINE)
    final = repo.write(NB, filled("final")).commit(date=ON_TIME_2)
    [r] = collect(rows, course, git_server, deadline=DEADLINE)
    assert r.status is Status.COLLECTED and r.commit == final and not r.kept_previous
    assert answer_of(submitted(course, "diligent")) == "answer = 'final'"


def test_a_rewritten_history_without_the_notebook_keeps_the_last_good_one(git_server, tmp_path):
    repo = git_server.repo("k-gone", "hw")
    good = repo.write(NB, filled("good")).commit(date=ON_TIME)
    course = tmp_path / "course"
    rows = [RosterRow("rewriter", "https://github.com/k-gone/hw")]
    collect(rows, course, git_server)
    repo.remove(NB).write("README.md", "oops").commit("start over", amend=True)
    [r] = collect(rows, course, git_server)
    assert r.status is Status.FILE_NOT_FOUND and r.kept_previous and r.commit == good
    assert answer_of(submitted(course, "rewriter")) == "answer = 'good'"


# -- 3. every branch, pull requests, short commit ids ---------------------------------------------

def test_a_notebook_pushed_from_a_local_master_next_to_githubs_main_is_found(git_server, tmp_path):
    repo = git_server.repo("b-master", "hw")
    repo.write("README.md", "# hw").commit("Initial commit")          # created on GitHub: main + README
    repo.remove("README.md").write(NB, filled("master")).commit("homework", branch="master", orphan=True)
    [r] = collect([RosterRow("m", "https://github.com/b-master/hw")], tmp_path / "c", git_server)
    assert r.status is Status.COLLECTED and r.path == NB, r.reason
    assert "branch master" in r.reason and "default branch main has no notebook" in r.reason
    assert answer_of(submitted(tmp_path / "c", "m")) == "answer = 'master'"


def test_a_notebook_only_on_a_tag_is_found(git_server, tmp_path):
    repo = git_server.repo("b-tag", "hw")
    repo.write(NB, filled("tagged")).commit()
    repo.tag("submitted")
    repo.remove(NB).commit("clean up")
    [r] = collect([RosterRow("t", "https://github.com/b-tag/hw")], tmp_path / "c", git_server)
    assert r.status is Status.COLLECTED and "tag submitted" in r.reason, r.reason


def test_pull_request_links_collect_the_pr_head_not_the_blank_template(git_server, tmp_path):
    repo = git_server.repo("b-pr", "hw")
    repo.write(NB, nbformat.writes(release())).commit("template")     # the default branch: the blank release
    work = repo.write(NB, filled("in the PR")).commit("my answers", branch="answers")
    repo.pull_request(7, work)
    rows = [RosterRow("pr", "https://github.com/b-pr/hw/pull/7"),
            RosterRow("prfiles", "https://github.com/b-pr/hw/pull/7/files"),
            RosterRow("nopr", "https://github.com/b-pr/hw/pull/8"),
            RosterRow("blank", "https://github.com/b-pr/hw/blob/main/" + NB)]
    pr, prfiles, nopr, blank = collect(rows, tmp_path / "c", git_server)
    for r in (pr, prfiles):
        assert r.status is Status.COLLECTED and r.commit == work and "pull request #7" in r.reason
        assert not r.warnings
    assert answer_of(submitted(tmp_path / "c", "pr")) == "answer = 'in the PR'"
    assert nopr.status is Status.FILE_NOT_FOUND and "pull request #8 does not exist" in nopr.reason
    assert blank.status is Status.COLLECTED and blank.warnings \
        and "identical to the blank release" in blank.warnings[0]          # taken, but the instructor is told


def test_short_commit_ids_resolve(git_server, tmp_path):
    repo = git_server.repo("b-short", "hw")
    first = repo.write(NB, filled("first")).commit()
    repo.write(NB, filled("second")).commit()
    rows = [RosterRow("blob", f"https://github.com/b-short/hw/blob/{first[:7]}/{NB}"),
            RosterRow("commit", f"https://github.com/b-short/hw/commit/{first[:9]}"),
            RosterRow("unknown", f"https://github.com/b-short/hw/blob/abcdef1/{NB}")]
    blob, commit, unknown = collect(rows, tmp_path / "c", git_server)
    assert blob.status is Status.COLLECTED and blob.commit == first, blob.reason
    assert commit.status is Status.COLLECTED and commit.commit == first, commit.reason
    assert answer_of(submitted(tmp_path / "c", "commit")) == "answer = 'first'"
    assert unknown.status is Status.FILE_NOT_FOUND and "commit abcdef1 is not on any branch" in unknown.reason
    assert "does not exist" not in unknown.reason


# -- 4. say what happened -------------------------------------------------------------------------

def test_reasons_that_help(git_server, tmp_path):
    server = git_server
    r = server.repo("w-branch", "hw")
    r.write(NB, filled("x")).commit()
    r.write(NB, filled("y")).commit(branch="master")
    server.repo("w-md", "hw").write("HW1.md", "# my answers\n").write(NB, filled("n")).commit()
    jupytext = "# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       format_name: percent\n# ---\n\n# %%\nanswer = 1\n"
    server.repo("w-py", "hw").write("HW1-Optimizers.py", jupytext).commit()
    server.repo("w-link", "hw").write("real/notebook.json", filled("z")).symlink(NB, "real/notebook.json").commit()
    server.repo("w-deep", "hw").write(NB, "[" * 200_000 + "]" * 200_000).commit()
    lessons = server.repo("w-lessons", "ML100Days")
    lessons.write("course/HW1-Optimizers_example.ipynb", lesson("example")) \
        .write("course/HW1-Optimizers_進階.ipynb", lesson("advanced")) \
        .write("hw/my work.ipynb", filled("renamed")).write("hw/HW1-Optimizers_進階.ipynb", lesson("copy")).commit()
    rows = [RosterRow("branch", f"https://github.com/w-branch/hw/blob/dev/{NB}"),
            RosterRow("md", "https://github.com/w-md/hw/blob/main/HW1.md"),
            RosterRow("py", "https://github.com/w-py/hw/blob/main/HW1-Optimizers.py"),
            RosterRow("pyrepo", "https://github.com/w-py/hw"),
            RosterRow("symlink", "https://github.com/w-link/hw"),
            RosterRow("deep", "https://github.com/w-deep/hw"),
            RosterRow("lessons", "https://github.com/w-lessons/ML100Days/tree/main/course"),
            RosterRow("renamed", "https://github.com/w-lessons/ML100Days/tree/main/hw")]
    got = {r.student_id: r for r in collect(rows, tmp_path / "c", server)}
    assert got["branch"].status is Status.FILE_NOT_FOUND
    assert "'dev' does not exist" in got["branch"].reason and "its branches: main, master" in got["branch"].reason
    assert got["md"].status is Status.INVALID_NOTEBOOK and "HW1.md is a Markdown file" in got["md"].reason
    assert "re-save" not in got["md"].reason
    assert got["py"].status is Status.INVALID_NOTEBOOK and "a jupytext Python script" in got["py"].reason
    assert "jupytext --to ipynb" in got["py"].reason
    assert got["pyrepo"].status is Status.FILE_NOT_FOUND
    assert "HW1-Optimizers.py (a jupytext Python script)" in got["pyrepo"].reason, got["pyrepo"].reason
    assert got["symlink"].status is Status.INVALID_NOTEBOOK and "symbolic link" in got["symlink"].reason
    assert "real/notebook.json" in got["symlink"].reason
    assert got["deep"].status is Status.INVALID_NOTEBOOK and "nested too deeply" in got["deep"].reason
    assert "unexpectedly" not in got["deep"].reason and "RecursionError" not in got["deep"].reason
    # lesson notebooks are never taken for the homework, however close their names
    assert got["lessons"].status is Status.FILE_NOT_FOUND, got["lessons"].reason
    assert "none has its graded cells" in got["lessons"].reason
    assert not submitted(tmp_path / "c", "lessons").exists()
    # ... and a renamed homework beside a lesson is recognised by its graded cells
    assert got["renamed"].status is Status.COLLECTED and got["renamed"].path == "hw/my work.ipynb"
    assert "graded cells" in got["renamed"].reason


def test_late_commits_that_were_ignored_are_named(git_server, tmp_path):
    repo = git_server.repo("w-late", "hw")
    on_time = repo.write(NB, filled("on time")).commit(date=ON_TIME)
    late1 = repo.write(NB, filled("late 1")).commit(date=LATE)
    late2 = repo.write(NB, filled("late 2")).commit(date="2026-12-03T10:00:00+00:00")
    [r] = collect([RosterRow("l", "https://github.com/w-late/hw")], tmp_path / "c", git_server, deadline=DEADLINE)
    assert r.status is Status.COLLECTED and r.commit == on_time
    assert "ignored 2 later commits after the deadline" in r.reason
    assert [i.split()[0] for i in r.ignored] == [late2[:10], late1[:10]]
    report = read_report(write_report([r], tmp_path / "report.csv"))
    assert report[0].ignored == r.ignored


def test_an_unexpected_error_gets_a_specific_reason_and_keeps_others_going(git_server, tmp_path):
    git_server.repo("w-os", "hw").write(NB, filled("x")).commit()
    course = tmp_path / "c"
    (course / "submitted").mkdir(parents=True)
    (course / "submitted" / "blocked").write_text("a file where the student's folder should be")
    rows = [RosterRow("blocked", "https://github.com/w-os/hw"), RosterRow("fine", "https://github.com/w-os/hw")]
    blocked, fine = collect(rows, course, git_server)
    assert blocked.status is Status.COLLECTOR_ERROR and "not the student's" in blocked.reason
    assert "unexpectedly" not in blocked.reason
    assert fine.status is Status.COLLECTED


# -- 5. the deadline's time zone --------------------------------------------------------------------

def test_a_deadline_without_a_zone_uses_nbgraders_timezone_and_says_so(git_server, tmp_path, monkeypatch, caplog, capsys):
    # 2026-11-27 20:00 UTC is 2026-11-28 04:00 in Taipei: late for a midnight deadline in Taipei,
    # on time if the deadline were (wrongly) read as UTC.
    git_server.repo("z-tw", "hw").write(NB, filled("tw")).commit(date="2026-11-27T20:00:00+00:00")
    roster = tmp_path / "links.csv"
    roster.write_text("學號,GitHub 連結\ns1,https://github.com/z-tw/hw\n", encoding="utf-8")
    for key, value in git_server.env().items():
        monkeypatch.setenv(key, value)
    course = make_course(tmp_path / "course", "c.Exchange.timezone = 'Asia/Taipei'\n"
                                              "c.Collect.deadline = '2026-11-28 00:00'\n")
    caplog.set_level(logging.INFO, logger="autograder.collect")
    assert run_cli(str(roster), A, "--course", str(course)) == 0
    [row] = read_report(course / "collected" / A / "report.csv")
    assert row.status is Status.LATE
    assert "read in Asia/Taipei (from c.Exchange.timezone), i.e. 2026-11-27 16:00 UTC" in caplog.text
    assert "Asia/Taipei" in capsys.readouterr().out          # the report table says it too
    # the flag wins over the configuration
    assert run_cli(str(roster), A, "--course", str(course), "--timezone", "UTC") == 0
    [row] = read_report(course / "collected" / A / "report.csv")
    assert row.status is Status.COLLECTED


def test_collect_options_come_from_the_course_config_and_flags_override(git_server, tmp_path, monkeypatch):
    git_server.repo("z-cfg", "hw").write(NB, filled("x" * 3000)).commit()
    roster = tmp_path / "links.csv"
    roster.write_text("student_id,link\ns1,https://github.com/z-cfg/hw\n", encoding="utf-8")
    for key, value in git_server.env().items():
        monkeypatch.setenv(key, value)
    course = make_course(tmp_path / "course", "c.Collect.max_size = '2K'\nc.Collect.jobs = 2\n")
    assert run_cli(str(roster), A, "--course", str(course)) == 0
    assert read_report(course / "collected" / A / "report.csv")[0].status is Status.TOO_LARGE
    assert run_cli(str(roster), A, "--course", str(course), "--max-size", "1M") == 0
    assert read_report(course / "collected" / A / "report.csv")[0].status is Status.COLLECTED


# -- 6. tokens behind a mirror, refused tokens ------------------------------------------------------

def test_the_token_reaches_a_mirror_and_a_refused_token_is_named(git_server, tmp_path, monkeypatch):
    git_server.repo("p-mirror", "hw", private=True).write(NB, filled("private")).commit()
    rows = [RosterRow("p", "https://github.com/p-mirror/hw")]
    # the instructor's insteadOf in the environment, its key repeated (two spellings of GitHub)
    mirror = f"url.{git_server.base_url}github/.insteadOf"
    env = {"GIT_CONFIG_COUNT": "3", "GIT_CONFIG_KEY_0": mirror, "GIT_CONFIG_VALUE_0": "https://github.com/",
           "GIT_CONFIG_KEY_1": mirror, "GIT_CONFIG_VALUE_1": "git@github.com:",
           "GIT_CONFIG_KEY_2": "protocol.http.allow", "GIT_CONFIG_VALUE_2": "always"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GITHUB_TOKEN", git_server.token)
    [r] = collect_class(rows, tmp_path / "c", A, NB, release=release(), git_config={"protocol.http.allow": "always"})
    assert r.status is Status.COLLECTED, r.reason
    assert answer_of(submitted(tmp_path / "c", "p")) == "answer = 'private'"

    monkeypatch.setenv("GITHUB_TOKEN", "wrong-token")
    [r] = collect_class(rows, tmp_path / "c2", A, NB, git_config={"protocol.http.allow": "always"})
    assert r.status is Status.TOKEN_REFUSED and "refused the token" in r.reason and "wrong-token" not in r.reason
    monkeypatch.delenv("GITHUB_TOKEN")
    [r] = collect_class(rows, tmp_path / "c3", A, NB, git_config={"protocol.http.allow": "always"})
    assert r.status is Status.REPO_MISSING and "missing or private" in r.reason


# -- issue 12 item 6: re-collecting a subset merges into the class's report --------------------------

def test_recollecting_some_students_merges_into_the_class_report(git_server, tmp_path, monkeypatch):
    repos = {s: git_server.repo(f"m-{s}", "hw") for s in ("s01", "s02", "s03")}
    for s, repo in repos.items():
        repo.write(NB, filled(s)).commit()
    roster = tmp_path / "links.csv"
    roster.write_text("student_id,name,link\n" + "".join(f"{s},Name {s},https://github.com/m-{s}/hw\n" for s in repos),
                      encoding="utf-8")
    for key, value in git_server.env().items():
        monkeypatch.setenv(key, value)
    course = make_course(tmp_path / "course")
    report = course / "collected" / A / "report.csv"
    assert run_cli(str(roster), A, "--course", str(course)) == 0
    before = {r.student_id: r for r in read_report(report)}
    newer = repos["s02"].write(NB, filled("s02 again")).commit()
    assert run_cli(str(roster), A, "--course", str(course), "--student", "s02") == 0
    after = read_report(report)
    assert [r.student_id for r in after] == ["s01", "s02", "s03"]
    assert [r.extra["name"] for r in after] == ["Name s01", "Name s02", "Name s03"]
    assert after[1].commit == newer and after[0].commit == before["s01"].commit and after[2] == before["s03"]
    assert answer_of(submitted(course, "s02")) == "answer = 's02 again'"
    assert run_cli(str(roster), A, "--course", str(course), "--student", "nobody*") == 2
