"""Collect one student's notebook from a link, and a whole class in parallel.

Data in, data out: `collect_class(rows, course_root, assignment, notebook, ...) -> [CollectionResult]`.
Per student: check the id; parse the link; ask the remote for its refs (`git ls-remote`: cheap,
and enough to skip an unchanged submission on a re-run); otherwise make a bare partial clone in a
temporary folder, pick the commit (the deadline's, or the tip) and the file, read it with
`git cat-file`, validate it as a notebook and write it where nbgrader expects it.

Where to look: the ref the link names (a branch, tag, commit, short commit id, or a pull
request's head, `refs/pull/N/head`); a link that names none searches the default branch, then
every other branch (newest first), then the tags.

Collected work is never lost: a failure keeps the earlier submission; and once on-time work was
collected, a later collection never replaces it with late work or with older work (a history
rewritten by a force-push): the newer offer is recorded in the report (`ignored`) and, if asked
(`keep_late`), kept beside it under `collected/<assignment>/late/<student>/`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Callable, Iterable

from . import deadline as dl
from .fetch import GitFailure, GitRunner, branches, clone, ensure_commit, ls_remote, resolve_ref
from .links import BadLink, Target, parse_link
from .notebook import InvalidNotebook, file_kind, grade_ids, not_a_notebook, read_notebook, same_sources
from .results import CollectionResult, Status
from .roster import RosterError, RosterRow, read_roster
from .select import choose_notebook
from .store import (BadStudentId, _atomic_write, check_student_id, digest, load_state, notebook_bytes,
                    save_state, submission_dir, submission_intact, write_submission)

log = logging.getLogger("autograder.collect")
MiB = 2 ** 20


@dataclass
class Settings:
    course_root: Path
    assignment: str
    notebook_name: str
    deadline: datetime | None = None
    timeout: float = 120.0               # seconds per student, all git steps together
    max_bytes: int = 20 * MiB            # the notebook file
    max_repo_bytes: int = 200 * MiB      # the partial clone (history and trees, no file contents)
    git_config: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    token_scopes: tuple[str, ...] | None = None
    release: dict | None = None                   # the blank notebook students started from
    keep_late: bool = False
    zone: tzinfo | None = None           # for showing times to people (the course's zone)

    @property
    def release_ids(self) -> set[str]:
        return grade_ids(self.release) if self.release is not None else set()

    @property
    def release_digest(self) -> str:
        if self.release is None:       # what the rules compare (cell ids and outputs aside)
            return ""
        cells = [(c.get("cell_type"), "".join(c.get("source", "")), repr(c.get("metadata", {}).get("nbgrader")))
                 for c in self.release.get("cells", [])]
        return hashlib.sha256(repr(cells).encode()).hexdigest()

    def show(self, moment: datetime) -> str:
        """A time as people read it: in the course's zone, with its offset."""
        return moment.astimezone(self.zone or moment.tzinfo).strftime("%Y-%m-%d %H:%M %z").replace(" +0000", " UTC")


class _Stop(Exception):
    """Ends one student's collection with a status and a reason."""

    def __init__(self, status: Status, reason: str, others: list[str] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.others = status, reason, others or []


_GIT_STATUS = {
    "repo_missing": Status.REPO_MISSING, "unauthorized": Status.REPO_MISSING, "timed_out": Status.TIMED_OUT,
    "too_large": Status.TOO_LARGE, "bad_ref": Status.FILE_NOT_FOUND, "git_error": Status.FETCH_FAILED,
}


def _web_url(target: Target) -> str:
    return target.clone_url[:-4] if target.clone_url.endswith(".git") else target.clone_url


def _git_stop(exc: GitFailure, target: Target, settings: Settings, runner: GitRunner) -> _Stop:
    status = _GIT_STATUS.get(exc.kind, Status.FETCH_FAILED)
    where = _web_url(target)
    token_sent = runner.sends_token_to(target.clone_url)
    if exc.kind == "unauthorized" and token_sent:
        return _Stop(Status.TOKEN_REFUSED,
                     f"GitHub refused the token (GITHUB_TOKEN) for {where}: check that it is valid, not "
                     "expired, and allowed to read this repository (the student's link may be fine)")
    if status is Status.REPO_MISSING:
        what = "gist" if target.kind == "gist" else "repository"
        reason = f"{where} is missing or private: make the {what} public and check the link"
        if token_sent:
            reason = (f"{where} is missing, or private and not readable with the token: check the link, "
                      f"or add the course's account as a collaborator of the {what}")
    elif status is Status.TIMED_OUT:
        reason = f"{where} did not answer within {settings.timeout:.0f} s: try again later"
    elif status is Status.TOO_LARGE:
        reason = f"{where} is too large to fetch ({exc.message}): keep the homework in a small repository"
    elif status is Status.FILE_NOT_FOUND:
        reason = exc.message
    else:
        reason = f"git could not fetch {where}: {exc.message.splitlines()[-1] if exc.message else 'unknown error'}"
    return _Stop(status, reason)


def _slug(name: str) -> str:
    """GitHub's gist anchor for a file name: `HW 1.ipynb` -> `hw-1-ipynb`."""
    return re.sub(r"[^\w-]+", "-", name.lower()).strip("-")


class _Repo:
    """A fetched student repository and the questions we ask it."""

    def __init__(self, runner: GitRunner, path: Path):
        self.runner, self.path = runner, path
        self._trees: dict[str, dict[str, str]] = {}

    def git(self, *args: str, binary: bool = False):
        return self.runner.run(list(args), cwd=self.path, binary=binary)

    def tree(self, commit: str) -> dict[str, str]:
        """{path: mode} of every file at `commit` (mode 120000 is a symbolic link)."""
        if commit not in self._trees:
            out = self.git("ls-tree", "-r", "-z", commit)
            files = {}
            for entry in out.split("\0"):
                meta, _, path = entry.partition("\t")
                if path:
                    files[path] = meta.split(" ", 1)[0]
            self._trees[commit] = files
        return self._trees[commit]

    def files(self, commit: str) -> list[str]:
        return list(self.tree(commit))

    def object_type(self, commit: str, path: str) -> str | None:
        try:
            return self.git("cat-file", "-t", f"{commit}:{path}").strip() if path else "tree"
        except GitFailure:
            return None

    def last_commit(self, rev: str, path: str | None = None, before: datetime | None = None) -> str | None:
        args = ["rev-list", "-1"]
        if before is not None:
            args.append(f"--before={dl.git_before(before)}")
        args.append(rev)
        if path:
            args += ["--", path]
        out = self.git(*args).strip()
        return out or None

    def commit_time(self, commit: str) -> datetime:
        return dl.from_epoch(int(self.git("show", "-s", "--format=%ct", commit).strip()))

    def blob(self, commit: str, path: str) -> bytes:
        return self.git("cat-file", "blob", f"{commit}:{path}", binary=True)

    def rev_parse(self, name: str) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}").strip() or None
        except GitFailure:
            return None

    def _ref_list(self) -> list[tuple[str, str]]:
        """[(ref name, commit)] of the clone's branches and tags, newest commit first (tags peeled)."""
        if not hasattr(self, "_refs"):
            out = self.git("for-each-ref", "--sort=-committerdate",
                           "--format=%(refname)%00%(objectname)%00%(*objectname)", "refs/heads", "refs/tags")
            self._refs = []
            for line in out.splitlines():
                name, sha, peeled = (line.split("\0") + ["", ""])[:3]
                self._refs.append((name, peeled or sha))
        return self._refs

    def refs(self) -> dict[str, str]:
        """The clone's refs in `fetch.ls_remote`'s shape (HEAD, symref:HEAD, refs/heads/*, refs/tags/*)."""
        refs = dict(self._ref_list())
        head = (self.path / "HEAD").read_text(encoding="utf-8").strip()
        if head.startswith("ref: "):
            refs["symref:HEAD"] = head[5:]
            if head[5:] in refs:
                refs["HEAD"] = refs[head[5:]]
        return refs

    def branches_newest_first(self) -> list[tuple[str, str]]:
        heads = [(r[len("refs/heads/"):], sha) for r, sha in self._ref_list() if r.startswith("refs/heads/")]
        tags = [("tag " + r[len("refs/tags/"):], sha) for r, sha in self._ref_list() if r.startswith("refs/tags/")]
        return heads + tags

    def last_touch(self, rev: str, path: str) -> tuple[str, datetime] | None:
        """The last commit at or before `rev` that changed `path`, and its (committer) time."""
        out = self.git("log", "-1", "--format=%H %ct", rev, "--", path).strip()
        if not out:
            return None
        sha, _, when = out.partition(" ")
        return sha, dl.from_epoch(int(when))

    def late_commits(self, on_time: str, tip: str, path: str, deadline: datetime) -> list[tuple[str, datetime]]:
        """Commits on the branch after the one taken, committed after the deadline, touching `path`."""
        out = self.git("log", "--format=%H %ct", f"{on_time}..{tip}", "--", path)
        found = []
        for line in out.splitlines():
            sha, _, when = line.partition(" ")
            moment = dl.from_epoch(int(when))
            if moment > deadline:
                found.append((sha, moment))
        return found


@dataclass
class _Tip:
    label: str         # how a person names it: "branch main", "pull request #3", "commit 1a2b3c4"
    commit: str | None
    prefix: str        # the folder or file inside the repository the link points at
    explicit: bool     # the link named it (so nothing else is searched)
    short: str = ""    # a short commit id still to resolve in the clone (commit is None)


def _tips(refs: dict[str, str], target: Target) -> list[_Tip]:
    """Where the link says to look, from the remote's ref list (no clone needed)."""
    if target.pull is not None:
        ref = f"refs/pull/{target.pull}/head"
        if ref not in refs:
            raise _Stop(Status.FILE_NOT_FOUND,
                        f"pull request #{target.pull} does not exist in {_web_url(target)}: check the link")
        return [_Tip(f"pull request #{target.pull}", refs[ref], "", True)]
    if target.ref_path:
        name, commit, prefix = resolve_ref(refs, target.ref_path)
        label = f"commit {name[:10]}" if re.fullmatch(r"[0-9a-f]{7,40}", name) else f"'{name}'"
        return [_Tip(label, commit, prefix, True, short=name if commit is None else "")]
    if target.ref:
        return [_Tip(f"commit {target.ref[:10]}", target.ref, target.path or "", True)]
    if "HEAD" not in refs and not branches(refs):
        raise _Stop(Status.FILE_NOT_FOUND, f"{_web_url(target)} is empty: push the notebook to it")
    default = refs.get("symref:HEAD", "").removeprefix("refs/heads/")
    head = refs.get("HEAD")
    return [_Tip(f"the default branch{f' {default}' if default else ''}", head, target.path or "", False)] \
        if head else []


def _search_key(refs: dict[str, str], target: Target) -> str:
    """What a re-run compares to know nothing changed: the refs this link can reach.

    The same from `git ls-remote` and from a fresh clone's refs (a clone has no refs/pull/*).
    """
    if target.pull is not None:
        wanted = {k: v for k, v in refs.items() if k == f"refs/pull/{target.pull}/head"}
    else:
        wanted = {k: v for k, v in refs.items() if k == "HEAD" or k.startswith(("refs/heads/", "refs/tags/"))}
    return hashlib.sha256(repr(sorted(wanted.items())).encode()).hexdigest()


@dataclass
class _Taken:
    snapshot: str      # the commit whose tree we read
    path: str
    rule: str
    others: list[str]
    commit: str        # the last commit that touched the file (its time is the submission time)
    when: datetime
    data: bytes
    where: str         # the branch / PR / commit it came from
    ignored: list[tuple[str, datetime]] = field(default_factory=list)   # late commits not taken


def _carries(repo: _Repo, snapshot: str, settings: Settings):
    """`carries(path)` for select.choose_notebook: does it hold the release's graded cells?"""
    ids = settings.release_ids
    if not ids:
        return None

    def carries(path: str) -> bool:
        try:
            if repo.tree(snapshot).get(path) == "120000":
                return False
            size = int(repo.git("cat-file", "-s", f"{snapshot}:{path}").strip())
            if size > settings.max_bytes:
                return False
            nb = read_notebook(repo.blob(snapshot, path), path)
        except (GitFailure, InvalidNotebook):
            return False
        return bool(grade_ids(nb) & ids)
    return carries


def _find(repo: _Repo, target: Target, snapshot: str, prefix: str, settings: Settings):
    """(path, rule, others) of the homework at `snapshot`, or None; raises _Stop when ambiguous."""
    kind = repo.object_type(snapshot, prefix)
    if kind == "blob":
        return prefix, "named in the link", []
    if kind != "tree":
        return None
    files = repo.files(snapshot)
    if target.file_hint:
        hinted = [p for p in files if p.startswith(prefix) and _slug(p.rsplit("/", 1)[-1]) == target.file_hint]
        if len(hinted) == 1:
            return hinted[0], "named in the link", []
    choice = choose_notebook(files, settings.notebook_name, under=prefix,
                             carries=_carries(repo, snapshot, settings))
    if choice.rule == "ambiguous":
        raise _Stop(Status.AMBIGUOUS,
                    f"several notebooks could be the homework ({', '.join(choice.candidates)}): "
                    "paste the link of the one to grade, or rename it " + settings.notebook_name,
                    choice.candidates)
    if choice.path is None:
        return None
    rule = {"graded-cells": "it carries the homework's graded cells"}.get(choice.rule, choice.rule)
    return choice.path, rule, choice.others


def _not_notebooks(repo: _Repo, snapshot: str, prefix: str, settings: Settings) -> list[str]:
    """Files that look like a try at the homework but are not notebooks: 'HW.py (a jupytext Python script)'."""
    stem = settings.notebook_name.rsplit(".", 1)[0].casefold()
    described = []
    tree = repo.tree(snapshot)
    for path, mode in sorted(tree.items(), key=lambda pm: (stem not in pm[0].casefold(), pm[0])):
        if not path.startswith(prefix):
            continue
        if mode == "120000" and path.lower().endswith(".ipynb"):
            described.append(f"{path} (a symbolic link)")
            continue
        if path.lower().endswith(".ipynb") or path.rsplit("/", 1)[-1].lower() in ("readme.md", "license"):
            continue
        kind = file_kind(path)
        if kind is None or kind.endswith(("PNG file", "JPG file", "JPEG file", "CSV file", "TXT file")):
            continue
        if kind.startswith(("a jupytext", "a Python", "a Markdown")) and len(described) < 3:
            try:
                kind = file_kind(path, repo.blob(snapshot, path)[:4096]) or kind
            except GitFailure:
                pass
        described.append(f"{path} ({kind})")
        if len(described) >= 5:
            break
    return described


def _not_found(repo: _Repo, target: Target, tips: list[_Tip], settings: Settings) -> _Stop:
    first = tips[0]
    prefix = first.prefix
    if target.names_file and prefix:
        return _Stop(Status.FILE_NOT_FOUND,
                     f"{prefix} is not in {_web_url(target)} ({first.label}): check the link "
                     "(was the file renamed or moved?)")
    notebooks = [p for p in repo.files(first.commit) if p.lower().endswith(".ipynb")
                 and p.startswith(prefix) and ".ipynb_checkpoints/" not in p]
    where = f"{_web_url(target)}" + (f" (folder {prefix})" if prefix else "")
    searched = "" if first.explicit or len(tips) == 1 else f" on any of its {len(tips)} branches and tags"
    if notebooks and settings.release_ids:
        seen = (f"; the notebooks there ({', '.join(notebooks[:5])}) are not the homework: none has its "
                "graded cells (lesson notebooks?)")
    elif notebooks:
        seen = f"; notebooks there: {', '.join(notebooks[:5])}"
    else:
        seen = "; it has no notebooks"
    instead = _not_notebooks(repo, first.commit, prefix, settings)
    if instead:
        seen += "; found instead: " + ", ".join(instead) + " — open it in Jupyter and save it as .ipynb"
    return _Stop(Status.FILE_NOT_FOUND,
                 f"no {settings.notebook_name} in {where}{searched}{seen}: commit it or paste the notebook's link",
                 notebooks)


def _take(repo: _Repo, target: Target, tips: list[_Tip], settings: Settings) -> _Taken:
    """The file to grade: from the last commit at or before the deadline if there is one, else a tip.

    Every tip is tried for on-time work before any is tried for late work, so an on-time
    notebook on another branch beats a late one on the default branch.
    """
    passes: list[tuple[_Tip, str, bool]] = []     # (tip, snapshot, on_time_pass)
    if settings.deadline is not None:
        for tip in tips:
            on_time = repo.last_commit(tip.commit, before=settings.deadline)
            if on_time:
                passes.append((tip, on_time, True))
    passes += [(tip, tip.commit, False) for tip in tips]
    found = None
    for tip, snapshot, on_time_pass in passes:
        found = _find(repo, target, snapshot, tip.prefix, settings)
        if found:
            break
    if not found:
        raise _not_found(repo, target, tips, settings)
    path, rule, others = found
    mode = repo.tree(snapshot).get(path)
    if mode == "120000":
        link_to = repo.blob(snapshot, path).decode("utf-8", "replace")[:200]
        raise _Stop(Status.INVALID_NOTEBOOK,
                    f"{path} is a symbolic link (to '{link_to}'), not the notebook: git stores only the "
                    "link; commit the notebook file itself")
    commit, when = repo.last_touch(snapshot, path) or (snapshot, repo.commit_time(snapshot))
    size = int(repo.git("cat-file", "-s", f"{snapshot}:{path}").strip())
    if size > settings.max_bytes:
        raise _Stop(Status.TOO_LARGE,
                    f"{path} is {size / MiB:.1f} MiB, over the {settings.max_bytes / MiB:.0f} MiB limit: "
                    "clear the outputs (Edit > Clear Outputs of All Cells), save and commit again")
    data = repo.blob(snapshot, path)
    ignored = []
    if on_time_pass and settings.deadline is not None and snapshot != tip.commit:
        ignored = repo.late_commits(snapshot, tip.commit, path, settings.deadline)
    where = tip.label if tip is tips[0] else (f"{tip.label}; {tips[0].label} has no notebook"
                                              + (" on time" if on_time_pass else ""))
    return _Taken(snapshot, path, rule, [o for o in others if o != path], commit, when, data, where, ignored)


def _take_searching(repo: _Repo, target: Target, tips: list[_Tip], settings: Settings) -> _Taken:
    """`_take` from the ref the link names; for a link naming none, the default branch first and
    every branch and tag only when it has no notebook (or, with a deadline, only late work)."""
    if not tips:           # no default branch advertised, but there may be branches
        tips = _all_tips(repo, tips, target)
        if not tips:
            raise _Stop(Status.FILE_NOT_FOUND, f"{_web_url(target)} is empty: push the notebook to it")
        return _take(repo, target, tips, settings)
    if tips[0].explicit:
        return _take(repo, target, tips, settings)
    try:
        taken = _take(repo, target, tips, settings)
    except _Stop as stop:
        if stop.status is not Status.FILE_NOT_FOUND:
            raise
        taken = None
    if taken is not None and not dl.is_late(taken.when, settings.deadline):
        return taken
    everywhere = _all_tips(repo, tips, target)
    if len(everywhere) == len(tips) and taken is not None:
        return taken
    return _take(repo, target, everywhere, settings)


def _all_tips(repo: _Repo, tips: list[_Tip], target: Target) -> list[_Tip]:
    """A link that names no ref: the default branch, then the other branches (newest first), then tags."""
    if tips and tips[0].explicit:
        return tips
    seen = {t.commit for t in tips}
    out = list(tips)
    for name, sha in repo.branches_newest_first():
        if sha in seen:
            continue
        seen.add(sha)
        label = name if name.startswith("tag ") else f"branch {name}"
        out.append(_Tip(label, sha, target.path or "", False))
    return out


def _ignored_words(ignored: list[tuple[str, datetime]], settings: Settings) -> list[str]:
    return [f"{sha[:10]} {settings.show(when)} (after the deadline)" for sha, when in ignored]


def _describe(taken: _Taken, late: bool, settings: Settings) -> str:
    note = f"took {taken.path} at commit {taken.commit[:10]} from {taken.where} ({taken.rule})"
    if taken.path.rsplit("/", 1)[-1] != settings.notebook_name:
        note += f", filed as {settings.notebook_name}"
    if late:
        note = (f"committed {settings.show(taken.when)}, after the deadline {settings.show(settings.deadline)}, "
                "and no earlier version was found; " + note)
    if taken.ignored:
        words = _ignored_words(taken.ignored, settings)
        note += (f"; ignored {len(words)} later commit{'s' if len(words) > 1 else ''} after the deadline: "
                 + ", ".join(words[:3]) + (" ..." if len(words) > 3 else ""))
    if taken.others:
        note += "; also there: " + ", ".join(taken.others[:5]) + (" ..." if len(taken.others) > 5 else "")
    return note


def _warnings(nb: dict, path: str, settings: Settings) -> list[str]:
    """Things to look at in a notebook that was taken (it is graded all the same)."""
    out = []
    if settings.release is not None and same_sources(nb, settings.release):
        out.append(f"{path} is identical to the blank release notebook: no answers in it "
                   "(was the filled-in notebook saved and pushed? does the link point at it?)")
    elif settings.release_ids and not (grade_ids(nb) & settings.release_ids):
        out.append(f"{path} has none of the homework's graded cells (nbgrader metadata): it was not made "
                   "from the released notebook, so nbgrader cannot grade the answers in it")
    return out


def _late_dir(settings: Settings, student: str) -> Path:
    return settings.course_root / "collected" / settings.assignment / "late" / student


def _protect_on_time(result: CollectionResult, taken: _Taken, late: bool, previous: dict | None,
                     key: dict, settings: Settings, nb: dict, repo: _Repo) -> dict | None:
    """Keep on-time work collected before rather than late or older work offered now.

    Returns the state record to keep (the previous one, updated), or None when the new work may
    be taken. Applies only when the previous collection used the same deadline.
    """
    if settings.deadline is None or not previous or previous.get("late") or \
            previous.get("status") not in (Status.COLLECTED.value,) or \
            (previous.get("key") or {}).get("deadline") != key["deadline"] or \
            previous.get("commit") == taken.commit or \
            not submission_intact(settings.course_root, result.student, settings.assignment,
                                  settings.notebook_name, previous.get("sha256")):
        return None
    before = datetime.fromisoformat(previous["commit_time"])
    if not late and taken.when >= before:
        return None       # more on-time work than last time: take it
    offered = f"{taken.commit[:10]} {settings.show(taken.when)}"
    _fill(result, previous, settings)
    result.status, result.kept_previous = Status.COLLECTED, True
    if late:
        result.ignored = [f"{offered} (after the deadline)"]
        now = f"{taken.path} at commit {offered}, committed after the deadline"
        late_sha = taken.commit
    else:
        result.ignored = [f"{offered} (older: the history was rewritten)"] + _ignored_words(taken.ignored, settings)
        now = f"{taken.path} at commit {offered}, older than it (the history was rewritten)"
        if taken.ignored:
            now += " and later commits after the deadline (" + ", ".join(
                w.split()[0] for w in _ignored_words(taken.ignored, settings)) + ")"
        late_sha = taken.ignored[0][0] if taken.ignored else None
    result.reason = (f"kept the on-time submission collected before (commit {previous['commit'][:10]}, "
                     f"{settings.show(before)}): the repository now offers {now}; recorded, not graded")
    if settings.keep_late and late_sha:
        late_nb = nb if late_sha == taken.commit else read_notebook(repo.blob(late_sha, taken.path), taken.path)
        when = taken.when if late_sha == taken.commit else taken.ignored[0][1]
        folder = _late_dir(settings, result.student)
        _atomic_write(folder / settings.notebook_name, notebook_bytes(late_nb))
        _atomic_write(folder / "timestamp.txt", (dl.nbgrader_timestamp(when) + "\n").encode())
        result.late_copy = str(folder / settings.notebook_name)
        result.reason += f"; the late version is kept beside it in {folder}"
    return {**previous, "key": key, "ignored": result.ignored, "reason": result.reason,
            "late_copy": result.late_copy, "kept_previous": True}


def collect_one(row: RosterRow, settings: Settings, previous: dict | None,
                workdir: Path) -> tuple[CollectionResult, dict | None]:
    """One student: the result, and the state record to remember (None: keep the old one)."""
    result = CollectionResult(row.student_id, row.link, Status.BAD_LINK, "", extra=dict(row.extra))
    runner = None
    try:
        try:
            result.student = check_student_id(row.student_id)
            folder = submission_dir(settings.course_root, result.student, settings.assignment)
        except BadStudentId as exc:
            result.student = ""
            raise _Stop(Status.BAD_ID, f"{exc}: fix the roster") from None
        try:
            target = parse_link(row.link)
        except BadLink as exc:
            raise _Stop(Status.BAD_LINK, str(exc)) from None
        result.source = target.clone_url
        runner = GitRunner(workdir, time.monotonic() + settings.timeout, settings.max_repo_bytes,
                           settings.git_config, settings.token,
                           **({"token_scopes": settings.token_scopes} if settings.token_scopes else {}))
        try:
            repo = _Repo(runner, workdir / "repo.git")
            # A re-run asks the remote for its refs first (one request) to skip what has not
            # changed; a first collection clones straight away and reads the refs from the clone.
            # Pull requests' heads are only in the remote's list.
            ask_remote = target.pull is not None or bool(
                previous and submission_intact(settings.course_root, result.student, settings.assignment,
                                               settings.notebook_name, previous.get("sha256")))
            if ask_remote:
                refs = ls_remote(runner, target.clone_url)
            else:
                clone(runner, target.clone_url, repo.path)
                refs = repo.refs()
            tips = _tips(refs, target)
            key = {"link": row.link.strip(), "refs": _search_key(refs, target), "notebook": settings.notebook_name,
                   "deadline": settings.deadline.isoformat() if settings.deadline else "",
                   "release": settings.release_digest}
            if (ask_remote and previous and previous.get("key") == key and
                    submission_intact(settings.course_root, result.student, settings.assignment,
                                      settings.notebook_name, previous.get("sha256"))):
                _fill(result, previous, settings)
                result.unchanged = True
                result.reason = "unchanged since the last collection: " + previous.get("reason", "")
                return result, None
            if ask_remote:
                clone(runner, target.clone_url, repo.path)
            known = set(repo.refs().values())
            for tip in tips:
                if tip.commit is None:     # a short commit id: only the clone can resolve it
                    tip.commit = repo.rev_parse(tip.short)
                    if tip.commit is None:
                        raise _Stop(Status.FILE_NOT_FOUND,
                                    f"commit {tip.short} is not on any branch or tag of {_web_url(target)}: "
                                    "paste the link with the full commit id, or the branch's link")
                elif tip.commit not in known:   # a commit on no branch, a pull request's head
                    ensure_commit(runner, repo.path, tip.commit)
            taken = _take_searching(repo, target, tips, settings)
        except GitFailure as exc:
            raise _git_stop(exc, target, settings, runner) from None
        try:
            nb = read_notebook(taken.data, taken.path)
        except InvalidNotebook as exc:
            raise _Stop(Status.INVALID_NOTEBOOK, str(exc)) from None

        late = dl.is_late(taken.when, settings.deadline)
        kept = _protect_on_time(result, taken, late, previous, key, settings, nb, repo)
        if kept is not None:
            log.warning("%s: %s", result.student_id, result.reason)
            return result, kept
        result.status = Status.LATE if late else Status.COLLECTED
        result.commit, result.commit_time = taken.commit, taken.when.isoformat()
        result.path, result.late, result.others = taken.path, late, taken.others
        result.ignored = _ignored_words(taken.ignored, settings)
        result.reason = _describe(taken, late, settings)
        result.warnings = _warnings(nb, taken.path, settings)
        for warning in result.warnings:
            log.warning("%s: %s", result.student_id, warning)
        result.submitted_path = str(folder / settings.notebook_name)
        new_sha = digest(notebook_bytes(nb))
        if (previous and previous.get("sha256") == new_sha and previous.get("commit") == taken.commit and
                submission_intact(settings.course_root, result.student, settings.assignment,
                                  settings.notebook_name, new_sha)):
            result.unchanged = True
        else:
            write_submission(settings.course_root, result.student, settings.assignment,
                             settings.notebook_name, nb, dl.nbgrader_timestamp(taken.when))
        record = {"key": key, "sha256": new_sha, "status": str(result.status), "commit": taken.commit,
                  "commit_time": result.commit_time, "path": taken.path, "late": late,
                  "source": result.source, "reason": result.reason, "others": taken.others,
                  "warnings": result.warnings, "ignored": result.ignored}
        return result, record
    except _Stop as stop:
        result.status, result.reason, result.others = stop.status, stop.reason, stop.others
        if runner is not None:
            result.reason = runner.mask(result.reason)
        _keep_earlier(result, previous, settings)
        return result, None


def _keep_earlier(result: CollectionResult, previous: dict | None, settings: Settings) -> None:
    """A failed run leaves whatever was submitted before in place, and says so."""
    if not result.student:
        return
    try:
        existing = submission_dir(settings.course_root, result.student, settings.assignment) / settings.notebook_name
    except BadStudentId:
        return
    if not existing.is_file():
        return
    result.kept_previous = True
    result.submitted_path = str(existing)
    if previous and submission_intact(settings.course_root, result.student, settings.assignment,
                                      settings.notebook_name, previous.get("sha256")):
        result.commit, result.commit_time = previous.get("commit", ""), previous.get("commit_time", "")
        result.path, result.late = previous.get("path", ""), bool(previous.get("late"))
        result.reason += f"; kept the earlier submission (commit {result.commit[:10]})"
    else:
        result.reason += "; kept the submission already in submitted/"


def _fill(result: CollectionResult, record: dict, settings: Settings) -> None:
    result.status = Status(record.get("status", "collected"))
    result.commit, result.commit_time = record.get("commit", ""), record.get("commit_time", "")
    result.path, result.late = record.get("path", ""), bool(record.get("late"))
    result.source, result.others = record.get("source", result.source), list(record.get("others", []))
    result.warnings, result.ignored = list(record.get("warnings", [])), list(record.get("ignored", []))
    result.late_copy = record.get("late_copy", "")
    result.kept_previous = bool(record.get("kept_previous"))
    result.submitted_path = str(submission_dir(settings.course_root, result.student, settings.assignment)
                                / settings.notebook_name)


def _unexpected(exc: BaseException) -> tuple[Status, str]:
    """A specific reason for an error nobody planned for; never a student's fault by default."""
    name = type(exc).__name__
    if isinstance(exc, RecursionError):
        return Status.INVALID_NOTEBOOK, ("the repository holds data nested too deeply to read "
                                         "(RecursionError): re-save the notebook from Jupyter and commit again")
    if isinstance(exc, MemoryError):
        return Status.TOO_LARGE, "the repository was too large to read in memory: keep the homework in a small repository"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return Status.COLLECTOR_ERROR, (f"could not write the submission here{where}: {exc.strerror or exc}; "
                                        "this is the collecting machine's problem (disk space, permissions, "
                                        "a file where a folder should be), not the student's: fix it and collect again")
    return Status.COLLECTOR_ERROR, (f"the collector failed on this submission ({name}: {str(exc)[:200]}); "
                                    "this is a fault of the collector, not of the student's work: run again with "
                                    "-v and report it")


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm
    import sys
    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc="collecting", unit="student", file=sys.stderr, disable=disable)


def _duplicates(rows: list[RosterRow]) -> dict[int, str]:
    """Roster rows that another row replaces: {row index: reason}. A later row of the same id wins."""
    last: dict[str, int] = {}
    dup: dict[int, str] = {}
    for i, row in enumerate(rows):
        student = row.student_id.strip()
        if not student:
            continue
        if student in last:
            dup[last[student]] = f"replaced by a later roster row for the same student (line {row.line})"
        last[student] = i
    return dup


def select_students(rows: list[RosterRow], patterns: Iterable[str] | None) -> list[RosterRow]:
    """The roster rows whose student id matches one of the fnmatch globs (all rows for None)."""
    patterns = [p for p in (patterns or []) if p]
    if not patterns:
        return rows
    chosen = [r for r in rows if any(fnmatch.fnmatchcase(r.student_id.strip(), p) for p in patterns)]
    if not chosen:
        raise RosterError(f"no student in the roster matches {', '.join(patterns)} "
                          f"(ids look like: {', '.join(r.student_id for r in rows[:3])})")
    return chosen


def _release(release) -> dict | None:
    """The release notebook as plain JSON (only its cells and their nbgrader metadata are used)."""
    if release is None or isinstance(release, dict):
        return release
    path = Path(release)
    if not path.is_file():
        log.warning("no release notebook at %s: collected notebooks are not compared with the blank "
                    "release (run `nbgrader generate_assignment` first)", path)
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("cannot read the release notebook %s (%s): collected notebooks are not compared with it",
                    path, exc)
        return None


def collect_class(roster: Path | str | Iterable[RosterRow], course_root: Path | str,
                  assignment: str, notebook_name: str,
                  deadline: str | datetime | None = None, zone: tzinfo | None = None,
                  jobs: int = 4, timeout: float = 120.0,
                  max_bytes: int = 20 * MiB, max_repo_bytes: int = 200 * MiB,
                  git_config: dict[str, str] | None = None, token: str | None = None,
                  token_scopes: tuple[str, ...] | None = None,
                  release: Path | str | dict | None = None, keep_late: bool = False,
                  students: Iterable[str] | None = None, progress: bool | None = None,
                  on_result: Callable[[CollectionResult], None] | None = None) -> list[CollectionResult]:
    """Collect every student's notebook into `<course_root>/submitted/`; results in roster order.

    `zone`: the zone of a deadline written without one (the course's zone; UTC when None).
    `release`: the blank release notebook (path or notebook), to recognise the homework by its
    graded cells and to warn about unchanged copies. `students`: fnmatch globs of ids to collect.
    `token` defaults to the GITHUB_TOKEN environment variable. `git_config` adds git settings
    (e.g. `url.<base>.insteadOf`), passed to git through the environment.
    """
    rows = read_roster(roster) if isinstance(roster, (str, Path)) else list(roster)
    rows = select_students(rows, students)
    settings = Settings(Path(course_root), assignment, notebook_name, dl.parse_deadline(deadline, zone),
                        timeout, max_bytes, max_repo_bytes, dict(git_config or {}),
                        token if token is not None else (os.environ.get("GITHUB_TOKEN") or None),
                        token_scopes, _release(release), keep_late, zone)
    state = load_state(settings.course_root, assignment)
    dup = _duplicates(rows)
    results: list[CollectionResult | None] = [None] * len(rows)

    def work(i: int) -> tuple[int, CollectionResult, dict | None]:
        row = rows[i]
        if i in dup:
            res = CollectionResult(row.student_id, row.link, Status.DUPLICATE, dup[i],
                                   student=row.student_id.strip(), extra=dict(row.extra))
            return i, res, None
        key = row.student_id.strip()
        try:
            with tempfile.TemporaryDirectory(prefix="collect-") as tmp:
                res, record = collect_one(row, settings, state.get(key), Path(tmp))
        except Exception as exc:  # a bug or an OS error must not stop the other students
            log.debug("collecting %s failed", row.student_id, exc_info=True)
            status, reason = _unexpected(exc)
            res = CollectionResult(row.student_id, row.link, status, reason, student=key, extra=dict(row.extra))
            res.reason = res.reason if not settings.token else res.reason.replace(settings.token, "***")
            try:
                _keep_earlier(res, state.get(key), settings)
            except Exception:   # noqa: BLE001  (the reason above already says what went wrong)
                pass
            record = None
        return i, res, record

    last_save, dirty = time.monotonic(), False
    try:
        with _progress(len(rows), progress) as bar, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(work, i) for i in range(len(rows))]
            for future in as_completed(futures):
                i, res, record = future.result()
                results[i] = res
                if record is not None:
                    state[res.student] = record
                    dirty = True
                if dirty and time.monotonic() - last_save > 2:   # survive an interrupted run cheaply
                    save_state(settings.course_root, assignment, state)
                    last_save, dirty = time.monotonic(), False
                log.debug("%s: %s: %s", res.student_id, res.status, res.reason)
                if on_result:
                    on_result(res)
                bar.update(1)
    finally:
        if dirty:
            save_state(settings.course_root, assignment, state)
    done = [r for r in results if r is not None]
    if settings.token:
        for r in done:  # the token never leaves in a report, whatever a link or git said
            for name in ("link", "reason", "source"):
                setattr(r, name, getattr(r, name).replace(settings.token, "***"))
    return done
