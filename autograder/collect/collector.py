"""Collect one student's notebook from a link, and a whole class in parallel.

Data in, data out: `collect_class(rows, course_root, ...) -> list[CollectionResult]`. Per student:
parse the link; ask the remote for its refs (`git ls-remote`: cheap, and enough to skip an
unchanged submission on a re-run); otherwise make a bare partial clone in a temporary folder,
pick the commit (the deadline's, or the tip) and the file, read it with `git cat-file`, validate it
as a notebook and write it where nbgrader expects it. A failure never removes an earlier good
submission.
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from . import deadline as dl
from .fetch import GitFailure, GitRunner, clone, ensure_commit, ls_remote, resolve_ref
from .links import BadLink, Target, parse_link
from .notebook import InvalidNotebook, read_notebook
from .results import CollectionResult, Status
from .roster import RosterRow, read_roster
from .select import choose_notebook
from .store import (BadStudentId, load_state, sanitise_student_id, save_state, submission_dir,
                    submission_intact, write_submission, digest, notebook_bytes)

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


class _Stop(Exception):
    """Ends one student's collection with a status and a reason."""

    def __init__(self, status: Status, reason: str, others: list[str] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.others = status, reason, others or []


_GIT_STATUS = {
    "repo_missing": Status.REPO_MISSING, "timed_out": Status.TIMED_OUT, "too_large": Status.TOO_LARGE,
    "bad_ref": Status.FILE_NOT_FOUND, "git_error": Status.FETCH_FAILED,
}


def _web_url(target: Target) -> str:
    return target.clone_url[:-4] if target.clone_url.endswith(".git") else target.clone_url


def _git_stop(exc: GitFailure, target: Target, settings: Settings) -> _Stop:
    status = _GIT_STATUS.get(exc.kind, Status.FETCH_FAILED)
    where = _web_url(target)
    if status is Status.REPO_MISSING:
        what = "gist" if target.kind == "gist" else "repository"
        reason = f"{where} is missing or private: make the {what} public and check the link"
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
    """GitHub's gist anchor for a file name: `Day76-Optimizer_HW.ipynb` -> `day76-optimizer_hw-ipynb`."""
    import re
    return re.sub(r"[^\w-]+", "-", name.lower()).strip("-")


class _Repo:
    """A fetched student repository and the questions we ask it."""

    def __init__(self, runner: GitRunner, path: Path):
        self.runner, self.path = runner, path

    def git(self, *args: str, binary: bool = False):
        return self.runner.run(list(args), cwd=self.path, binary=binary)

    def files(self, commit: str) -> list[str]:
        out = self.git("ls-tree", "-r", "-z", "--name-only", commit)
        return [p for p in out.split("\0") if p]

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
    choice = choose_notebook(files, settings.notebook_name, under=prefix)
    if choice.rule == "ambiguous":
        raise _Stop(Status.AMBIGUOUS,
                    f"several notebooks could be the homework ({', '.join(choice.candidates)}): "
                    "paste the link of the one to grade, or rename it " + settings.notebook_name,
                    choice.candidates)
    if choice.path is None:
        return None
    return choice.path, choice.rule, choice.others


def _not_found(repo: _Repo, target: Target, tip: str, prefix: str, settings: Settings) -> _Stop:
    if target.names_file and prefix:
        return _Stop(Status.FILE_NOT_FOUND,
                     f"{prefix} is not in {_web_url(target)}: check the link (was the file renamed or moved?)")
    notebooks = [p for p in repo.files(tip) if p.lower().endswith(".ipynb")]
    where = f"{_web_url(target)}" + (f" (folder {prefix})" if prefix else "")
    seen = f"; notebooks there: {', '.join(notebooks[:5])}" if notebooks else "; it has no notebooks"
    return _Stop(Status.FILE_NOT_FOUND,
                 f"no {settings.notebook_name} in {where}{seen}: commit it or paste the notebook's link",
                 notebooks)


def _remote_tip(runner: GitRunner, target: Target) -> tuple[str, str]:
    """(commit, path inside the repository) the link points at, from the remote's ref list."""
    refs = ls_remote(runner, target.clone_url)
    if target.ref_path:
        _, tip, prefix = resolve_ref(refs, target.ref_path)
        return tip, prefix
    if target.ref:
        return target.ref, target.path or ""
    if "HEAD" not in refs:
        raise _Stop(Status.FILE_NOT_FOUND, f"{_web_url(target)} is empty: push the notebook to it")
    return refs["HEAD"], target.path or ""


@dataclass
class _Taken:
    snapshot: str      # the commit whose tree we read
    path: str
    rule: str
    others: list[str]
    commit: str        # the last commit that touched the file (its time is the submission time)
    when: datetime
    data: bytes


def _take(repo: _Repo, target: Target, tip: str, prefix: str, settings: Settings) -> _Taken:
    """The file to grade: from the last commit at or before the deadline if it has one, else the tip."""
    snapshots: list[str] = []
    if settings.deadline is not None:
        on_time = repo.last_commit(tip, before=settings.deadline)
        if on_time:
            snapshots.append(on_time)
    snapshots.append(tip)
    for snapshot in snapshots:
        found = _find(repo, target, snapshot, prefix, settings)
        if found:
            break
    else:
        raise _not_found(repo, target, tip, prefix, settings)
    path, rule, others = found
    commit = repo.last_commit(snapshot, path) or snapshot
    size = int(repo.git("cat-file", "-s", f"{snapshot}:{path}").strip())
    if size > settings.max_bytes:
        raise _Stop(Status.TOO_LARGE,
                    f"{path} is {size / MiB:.1f} MiB, over the {settings.max_bytes / MiB:.0f} MiB limit: "
                    "clear the outputs (Edit > Clear Outputs of All Cells), save and commit again")
    data = repo.git("cat-file", "blob", f"{snapshot}:{path}", binary=True)
    return _Taken(snapshot, path, rule, [o for o in others if o != path], commit, repo.commit_time(commit), data)


def _describe(taken: _Taken, late: bool, settings: Settings) -> str:
    note = f"took {taken.path} at commit {taken.commit[:10]} ({taken.rule})"
    if taken.path.rsplit("/", 1)[-1] != settings.notebook_name:
        note += f", filed as {settings.notebook_name}"
    if late:
        note = (f"committed {taken.when:%Y-%m-%d %H:%M} UTC, after the deadline "
                f"{settings.deadline:%Y-%m-%d %H:%M} UTC, and no earlier version was found; " + note)
    if taken.others:
        note += "; also there: " + ", ".join(taken.others[:5]) + (" ..." if len(taken.others) > 5 else "")
    return note


def collect_one(row: RosterRow, settings: Settings, previous: dict | None,
                workdir: Path) -> tuple[CollectionResult, dict | None]:
    """One student: the result, and the state record to remember (None: keep the old one)."""
    result = CollectionResult(row.student_id, row.link, Status.BAD_LINK, "", extra=dict(row.extra))
    runner = None
    try:
        try:
            result.student = sanitise_student_id(row.student_id)
            folder = submission_dir(settings.course_root, result.student, settings.assignment)
        except BadStudentId as exc:
            raise _Stop(Status.BAD_LINK, f"{exc}: fix the roster") from None
        try:
            target = parse_link(row.link)
        except BadLink as exc:
            raise _Stop(Status.BAD_LINK, str(exc)) from None
        result.source = target.clone_url
        runner = GitRunner(workdir, time.monotonic() + settings.timeout, settings.max_repo_bytes,
                           settings.git_config, settings.token,
                           **({"token_scopes": settings.token_scopes} if settings.token_scopes else {}))
        try:
            tip, prefix = _remote_tip(runner, target)
            key = {"link": row.link.strip(), "tip": tip, "notebook": settings.notebook_name,
                   "deadline": settings.deadline.isoformat() if settings.deadline else ""}
            if (previous and previous.get("key") == key and
                    submission_intact(settings.course_root, result.student, settings.assignment,
                                      settings.notebook_name, previous.get("sha256"))):
                _fill(result, previous, settings)
                result.unchanged = True
                result.reason = "unchanged since the last collection: " + previous.get("reason", "")
                return result, None
            repo = _Repo(runner, workdir / "repo.git")
            clone(runner, target.clone_url, repo.path)
            ensure_commit(runner, repo.path, tip)
            taken = _take(repo, target, tip, prefix, settings)
        except GitFailure as exc:
            raise _git_stop(exc, target, settings) from None
        try:
            nb = read_notebook(taken.data, taken.path)
        except InvalidNotebook as exc:
            raise _Stop(Status.INVALID_NOTEBOOK, str(exc)) from None

        late = dl.is_late(taken.when, settings.deadline)
        result.status = Status.LATE if late else Status.COLLECTED
        result.commit, result.commit_time = taken.commit, taken.when.isoformat()
        result.path, result.late, result.others = taken.path, late, taken.others
        result.reason = _describe(taken, late, settings)
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
                  "source": result.source, "reason": result.reason, "others": taken.others}
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
    result.submitted_path = str(submission_dir(settings.course_root, result.student, settings.assignment)
                                / settings.notebook_name)


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm
    import sys
    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc="collecting", unit="student", file=sys.stderr, disable=disable)


def _duplicates(rows: list[RosterRow]) -> dict[int, str]:
    """Roster rows that another row replaces: {row index: reason}. A later row of the same id wins."""
    last: dict[str, int] = {}
    folder_owner: dict[str, str] = {}
    dup: dict[int, str] = {}
    for i, row in enumerate(rows):
        try:
            folder = sanitise_student_id(row.student_id)
        except BadStudentId:
            continue
        owner = folder_owner.setdefault(folder, row.student_id.strip())
        if owner != row.student_id.strip():
            dup[i] = (f"student id {row.student_id!r} maps to the same folder '{folder}' as {owner!r}: "
                      "make the ids distinct in the roster")
            continue
        if folder in last:
            dup[last[folder]] = f"replaced by a later roster row for the same student (line {row.line})"
        last[folder] = i
    return dup


def collect_class(roster: Path | str | Iterable[RosterRow], course_root: Path | str,
                  assignment: str = "day76", notebook_name: str = "Day76-Optimizer_HW.ipynb",
                  deadline: str | datetime | None = None, jobs: int = 4, timeout: float = 120.0,
                  max_bytes: int = 20 * MiB, max_repo_bytes: int = 200 * MiB,
                  git_config: dict[str, str] | None = None, token: str | None = None,
                  token_scopes: tuple[str, ...] | None = None, progress: bool | None = None,
                  on_result: Callable[[CollectionResult], None] | None = None) -> list[CollectionResult]:
    """Collect every student's notebook into `<course_root>/submitted/`; results in roster order.

    `token` defaults to the GITHUB_TOKEN environment variable. `git_config` adds git settings
    (e.g. `url.<base>.insteadOf`), passed to git through the environment.
    """
    rows = read_roster(roster) if isinstance(roster, (str, Path)) else list(roster)
    settings = Settings(Path(course_root), assignment, notebook_name, dl.parse_deadline(deadline),
                        timeout, max_bytes, max_repo_bytes, dict(git_config or {}),
                        token if token is not None else (os.environ.get("GITHUB_TOKEN") or None),
                        token_scopes)
    state = load_state(settings.course_root, assignment)
    dup = _duplicates(rows)
    results: list[CollectionResult | None] = [None] * len(rows)

    def work(i: int) -> tuple[int, CollectionResult, dict | None]:
        row = rows[i]
        if i in dup:
            res = CollectionResult(row.student_id, row.link, Status.DUPLICATE, dup[i], extra=dict(row.extra))
            return i, res, None
        try:
            key = sanitise_student_id(row.student_id)
        except BadStudentId:
            key = None
        try:
            with tempfile.TemporaryDirectory(prefix="collect-") as tmp:
                res, record = collect_one(row, settings, state.get(key) if key else None, Path(tmp))
        except Exception as exc:  # a bug or an OS error must not stop the other students
            res = CollectionResult(row.student_id, row.link, Status.FETCH_FAILED,
                                   f"collection failed unexpectedly: {type(exc).__name__}: {exc}",
                                   student=key or "", extra=dict(row.extra))
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
