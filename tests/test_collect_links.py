"""Link parsing, ref splitting, notebook choice, ids, rosters, deadlines: no network, no git."""

import os
import re
from datetime import datetime, timezone

import pytest

from autograder.collect.deadline import is_late, nbgrader_timestamp, parse_deadline
from autograder.collect.fetch import GitFailure, resolve_ref
from autograder.collect.links import BadLink, parse_link
from autograder.collect.roster import RosterError, parse_roster
from autograder.collect.select import choose_notebook
from autograder.collect.store import BadStudentId, check_student_id, submission_dir

GH = "https://github.com/alice/hw.git"
GIST_ID = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("link, kind, url, ref_path, names_file", [
    ("https://github.com/alice/hw", "repo", GH, (), False),
    ("https://github.com/alice/hw.git", "repo", GH, (), False),
    ("https://github.com/alice/hw/", "repo", GH, (), False),
    ("  https://github.com/alice/hw.git/  ", "repo", GH, (), False),
    ("https://github.com/alice/hw?tab=readme-ov-file#readme", "repo", GH, (), False),
    ("http://www.github.com/alice/hw", "repo", GH, (), False),
    ("github.com/alice/hw", "repo", GH, (), False),
    ("git@github.com:alice/hw.git", "repo", GH, (), False),
    ("<https://github.com/alice/hw>", "repo", GH, (), False),
    ("[my homework](https://github.com/alice/hw)", "repo", GH, (), False),
    ("https://github.com/alice/hw/blob/main/Day76-Optimizer_HW.ipynb", "repo", GH,
     ("main", "Day76-Optimizer_HW.ipynb"), True),
    ("https://github.com/alice/hw/blob/feature/x/day76/hw.ipynb?plain=1#L3", "repo", GH,
     ("feature", "x", "day76", "hw.ipynb"), True),
    ("https://github.com/alice/hw/blob/main/%E4%BD%9C%E6%A5%AD%2076.ipynb", "repo", GH,
     ("main", "作業 76.ipynb"), True),
    ("https://github.com/alice/hw/blob/main/作業76.ipynb", "repo", GH, ("main", "作業76.ipynb"), True),
    ("https://github.com/alice/hw/raw/main/hw.ipynb", "repo", GH, ("main", "hw.ipynb"), True),
    ("https://github.com/alice/hw/tree/main/day76", "repo", GH, ("main", "day76"), False),
    ("https://raw.githubusercontent.com/alice/hw/main/a/hw.ipynb", "repo", GH, ("main", "a", "hw.ipynb"), True),
    ("https://raw.githubusercontent.com/alice/hw/refs/heads/main/hw.ipynb", "repo", GH, ("main", "hw.ipynb"), True),
    ("https://nbviewer.org/github/alice/hw/blob/main/hw.ipynb", "repo", GH, ("main", "hw.ipynb"), True),
    ("https://nbviewer.jupyter.org/github/alice/hw/tree/main/", "repo", GH, ("main",), False),
    ("https://nbviewer.org/urls/raw.githubusercontent.com/alice/hw/main/hw.ipynb", "repo", GH, ("main", "hw.ipynb"), True),
    ("https://colab.research.google.com/github/alice/hw/blob/main/hw.ipynb", "repo", GH, ("main", "hw.ipynb"), True),
])
def test_github_link_forms(link, kind, url, ref_path, names_file):
    target = parse_link(link)
    assert (target.kind, target.clone_url, target.ref_path, target.names_file) == (kind, url, ref_path, names_file)


SHA = "a" * 40


@pytest.mark.parametrize("link, ref, path, hint", [
    (f"https://gist.github.com/alice/{GIST_ID}", None, None, None),
    (f"https://gist.github.com/{GIST_ID}", None, None, None),
    (f"https://gist.github.com/{GIST_ID}.git", None, None, None),
    (f"https://gist.github.com/alice/{GIST_ID}/{SHA}", SHA, None, None),
    (f"https://gist.github.com/alice/{GIST_ID}#file-day76-optimizer_hw-ipynb", None, None, "day76-optimizer_hw-ipynb"),
    (f"https://gist.githubusercontent.com/alice/{GIST_ID}/raw/{SHA}/hw%20final.ipynb", SHA, "hw final.ipynb", None),
    (f"https://gist.githubusercontent.com/alice/{GIST_ID}/raw/hw.ipynb", None, "hw.ipynb", None),
    (f"https://nbviewer.org/gist/alice/{GIST_ID}", None, None, None),
    (f"https://colab.research.google.com/gist/alice/{GIST_ID}/hw.ipynb", None, None, None),
])
def test_gist_link_forms(link, ref, path, hint):
    target = parse_link(link)
    assert target.kind == "gist"
    assert target.clone_url == f"https://gist.github.com/{GIST_ID}.git"
    assert (target.ref, target.path, target.file_hint) == (ref, path, hint)


@pytest.mark.parametrize("link, words", [
    ("", "no link"),
    ("   ", "no link"),
    ("https://gitlab.com/alice/hw", "not GitHub"),
    ("https://github.com/alice", "names no repository"),
    ("https://github.com/alice/hw/blob/main/../../etc/passwd", "'..'"),
    ("ftp://github.com/alice/hw", "https://"),
    ("https://colab.research.google.com/drive/1AbCdEf", "Save a copy in GitHub"),
    ("https://raw.githubusercontent.com/alice/hw", "names no file"),
    ("https://gist.github.com/alice", "no gist id"),
    ("https://github.com/al ice/hw", "not a valid GitHub user"),
])
def test_bad_links_say_why(link, words):
    with pytest.raises(BadLink, match=words):
        parse_link(link)


REFS = {"HEAD": "1" * 40, "refs/heads/main": "1" * 40, "refs/heads/feature": "2" * 40,
        "refs/heads/feature/x": "3" * 40, "refs/tags/v1.0": "4" * 40}


def test_resolve_ref_takes_the_longest_matching_ref():
    assert resolve_ref(REFS, ("feature", "x", "day76", "hw.ipynb")) == ("feature/x", "3" * 40, "day76/hw.ipynb")
    assert resolve_ref(REFS, ("feature", "hw.ipynb")) == ("feature", "2" * 40, "hw.ipynb")
    assert resolve_ref(REFS, ("v1.0", "a", "b.ipynb")) == ("v1.0", "4" * 40, "a/b.ipynb")
    assert resolve_ref(REFS, ("main",)) == ("main", "1" * 40, "")
    assert resolve_ref(REFS, (SHA, "hw.ipynb")) == (SHA, SHA, "hw.ipynb")
    with pytest.raises(GitFailure, match="'nope' does not exist.*its branches: feature, feature/x, main"):
        resolve_ref(REFS, ("nope", "hw.ipynb"))
    assert resolve_ref(REFS, ("abc1234", "hw.ipynb")) == ("abc1234", None, "hw.ipynb")   # resolved in the clone


NB = "Day76-Optimizer_HW.ipynb"


@pytest.mark.parametrize("files, under, path, rule", [
    ([NB, "README.md", "other.ipynb"], "", NB, "exact"),
    (["x/" + NB, "x/y/" + NB], "", "x/" + NB, "exact"),
    (["day76_optimizer_hw.ipynb", "notes.ipynb"], "", "day76_optimizer_hw.ipynb", "variant"),
    (["Copy of Day76-Optimizer_HW (1).ipynb", "b.ipynb"], "", "Copy of Day76-Optimizer_HW (1).ipynb", "variant"),
    (["Day76_Optimizers_HW.ipynb", "b.ipynb"], "", "Day76_Optimizers_HW.ipynb", "similar"),
    (["homework.ipynb", "README.md"], "", "homework.ipynb", "only-notebook"),
    (["a/" + NB, "b/" + NB], "b", "b/" + NB, "exact"),
    ([".ipynb_checkpoints/" + NB.replace(".ipynb", "-checkpoint.ipynb"), "x.ipynb"], "", "x.ipynb", "only-notebook"),
])
def test_choose_notebook(files, under, path, rule):
    choice = choose_notebook(files, NB, under=under)
    assert (choice.path, choice.rule) == (path, rule)


def test_choose_notebook_ambiguous_and_none():
    choice = choose_notebook(["a/" + NB, "b/" + NB], NB)
    assert choice.rule == "ambiguous" and choice.candidates == ["a/" + NB, "b/" + NB]
    choice = choose_notebook(["day1.ipynb", "day2.ipynb", "README.md"], NB)
    assert choice.path is None and choice.rule == "none" and choice.others == ["day1.ipynb", "day2.ipynb"]


def test_choose_notebook_reports_what_else_was_there():
    choice = choose_notebook([NB, "scratch.ipynb"], NB)
    assert choice.others == ["scratch.ipynb"]


@pytest.mark.parametrize("raw, kept", [
    ("s001", "s001"), (" s001 ", "s001"), ("王小明", "王小明"), ("b10901@ntu.edu.tw", "b10901@ntu.edu.tw"),
    ("a.b-c_d+e", "a.b-c_d+e"),
])
def test_safe_student_ids_are_kept_as_they_are(raw, kept, tmp_path):
    assert check_student_id(raw) == kept
    assert tmp_path / "submitted" in submission_dir(tmp_path, check_student_id(raw), "hw").parents


@pytest.mark.parametrize("raw, words", [
    ("", "empty"), ("   ", "empty"), ("..", "starts with '.'"), ("/", "path separator"),
    ("../../etc", "path separator"), ("a/b", "path separator"), (".hidden", "starts with '.'"),
    ("a b", "' '"), ("x\\..\\y", "path separator"), ("s1;rm", "';'"), ("x" * 101, "longer than 100"),
])
def test_unsafe_student_ids_are_refused_with_a_reason(raw, words):
    with pytest.raises(BadStudentId, match=re.escape(words)):
        check_student_id(raw)


def test_roster_keeps_extra_columns_and_reads_common_headers():
    rows = parse_roster("\ufeffStudent ID,Name,GitHub URL,email\ns1,王小明,https://github.com/a/b,a@x\n\ns2,Bob,,b@x\n")
    assert [(r.student_id, r.link) for r in rows] == [("s1", "https://github.com/a/b"), ("s2", "")]
    assert rows[0].extra == {"Name": "王小明", "email": "a@x"}
    assert [r.line for r in rows] == [2, 4]          # line numbers as in the file, for messages
    rows = parse_roster("s1,https://github.com/a/b\n")
    assert rows[0].student_id == "s1" and rows[0].link == "https://github.com/a/b"
    with pytest.raises(RosterError, match="--id-column and --link-column"):
        parse_roster("who,what\nx,y\n")
    with pytest.raises(RosterError, match="empty"):
        parse_roster("\n")


def test_deadlines_and_nbgrader_timestamps():
    from nbgrader.utils import parse_utc

    d = parse_deadline("2026-11-30T23:59:00+08:00")
    assert d == datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc)
    assert parse_deadline("2026-11-30 15:59") == d
    assert parse_deadline(None) is None
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_deadline("next friday")
    assert is_late(d.replace(second=1), d) and not is_late(d, d) and not is_late(d, None)
    stamp = nbgrader_timestamp(d)
    assert parse_utc(stamp) == datetime(2026, 11, 30, 15, 59)  # nbgrader reads what we write


def test_git_runs_with_safety_settings_and_the_token_only_in_its_environment(tmp_path, monkeypatch):
    import time

    from autograder.collect.fetch import GitRunner, inherited_config

    monkeypatch.setenv("GIT_CONFIG_COUNT", "2")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "http.proxy")          # an instructor's own setting is kept
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "http://proxy.example:3128")
    monkeypatch.setenv("GIT_CONFIG_KEY_1", "core.hooksPath")      # ...but cannot undo a safety setting
    monkeypatch.setenv("GIT_CONFIG_VALUE_1", "/tmp/evil-hooks")
    monkeypatch.setenv("GIT_DIR", "/somewhere/else")
    runner = GitRunner(tmp_path, time.monotonic() + 10, 10**6, {}, token="tok123")
    env = runner.env()
    config = inherited_config(env)
    assert config["http.proxy"] == "http://proxy.example:3128"
    assert config["core.hooksPath"] == os.devnull
    assert config["protocol.allow"] == "never" and config["protocol.https.allow"] == "always"
    assert config["credential.helper"] == "" and config["transfer.fsckObjects"] == "true"
    assert config["submodule.recurse"] == "false"
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_LFS_SKIP_SMUDGE"] == "1"
    assert env["GIT_CONFIG_GLOBAL"] == os.devnull and "GIT_DIR" not in env
    headers = {k: v for k, v in config.items() if k.endswith(".extraHeader")}
    assert set(headers) == {"http.https://github.com/.extraHeader", "http.https://gist.github.com/.extraHeader"}
    assert runner.mask("fatal: tok123 and " + headers["http.https://github.com/.extraHeader"]) \
        == "fatal: *** and Authorization: Basic ***"


def test_pull_request_and_short_commit_links():
    assert parse_link("https://github.com/alice/hw/pull/12").pull == 12
    assert parse_link("https://github.com/alice/hw/pull/12/files").pull == 12
    assert parse_link("https://github.com/alice/hw/commit/abc1234").ref_path == ("abc1234",)
    assert parse_link(f"https://github.com/alice/hw/commit/{SHA}").ref == SHA


def test_a_deadline_without_a_zone_is_read_in_the_course_zone():
    from zoneinfo import ZoneInfo

    from autograder.collect.deadline import has_zone
    from autograder.collect.settings import deadline_zone
    from traitlets.config import Config

    taipei = parse_deadline("2026-11-28 00:00", ZoneInfo("Asia/Taipei"))
    assert taipei == datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)
    assert parse_deadline("2026-11-28T00:00+00:00", ZoneInfo("Asia/Taipei")) == datetime(2026, 11, 28, tzinfo=timezone.utc)
    assert not has_zone("2026-11-28 00:00") and has_zone("2026-11-28 00:00Z")
    from nbgrader.exchange.abc.exchange import Exchange

    from autograder.collect.settings import NBGRADER_TIMEZONE
    assert Exchange.timezone.default_value == NBGRADER_TIMEZONE      # read without importing nbgrader
    config = Config()
    assert (deadline_zone(config).name, deadline_zone(config).source) == ("UTC", "nbgrader's default c.Exchange.timezone")
    config.Exchange.timezone = "Asia/Taipei"
    assert (deadline_zone(config).name, deadline_zone(config).source) == ("Asia/Taipei", "c.Exchange.timezone")
    config.Collect.timezone = "Europe/Paris"
    assert deadline_zone(config).source == "c.Collect.timezone"
    assert deadline_zone(config, "UTC").source == "--timezone"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        deadline_zone(config, "Mars/Olympus")


def test_repeated_git_config_keys_are_all_passed_on_and_the_token_follows_insteadof(tmp_path, monkeypatch):
    import time

    from autograder.collect.fetch import GitRunner, inherited_pairs

    mirror = "url.https://mirror.example/gh/.insteadOf"
    monkeypatch.setenv("GIT_CONFIG_COUNT", "2")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", mirror)
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "https://github.com/")
    monkeypatch.setenv("GIT_CONFIG_KEY_1", mirror)
    monkeypatch.setenv("GIT_CONFIG_VALUE_1", "git@github.com:")
    runner = GitRunner(tmp_path, time.monotonic() + 10, 10**6, {}, token="tok123")
    pairs = inherited_pairs(runner.env())
    assert [v for k, v in pairs if k == mirror] == ["https://github.com/", "git@github.com:"]
    scopes = {k for k, v in pairs if k.endswith(".extraHeader")}
    assert "http.https://mirror.example/gh/.extraHeader" in scopes          # git matches the rewritten URL
    assert "http.https://github.com/.extraHeader" in scopes


def test_file_kinds_are_named():
    from autograder.collect.notebook import InvalidNotebook, read_notebook

    cases = [("a.md", b"# answers", "a Markdown file"), ("a.py", b"print(1)", "a Python script"),
             ("a.py", b"# %%\nx = 1\n", "a jupytext Python script"), ("a.ipynb", b"%PDF-1.7", "a PDF"),
             ("a.ipynb", b"[" * 200_000, "nested too deeply")]
    for name, data, words in cases:
        with pytest.raises(InvalidNotebook, match=re.escape(words)):
            read_notebook(data, name)
