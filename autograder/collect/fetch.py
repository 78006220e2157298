"""Run git against a student's repository, safely and within bounds.

Safety: git gets an environment of its own: no system or user config (so no credential helpers
or hooks of the instructor's), no terminal prompts, no submodules, no LFS smudging, hooks pointed
at /dev/null, only https (plus what the caller allows, e.g. http on loopback in tests), and
received objects are checked (`transfer.fsckObjects`). Clones are bare and partial
(`--filter=blob:none`): commits and trees arrive, file contents only when read, and nothing is
checked out, so nothing of the student's lands on disk except the one file we read and validate.

Bounds: each git command runs in its own process group under a deadline shared by the whole
fetch of one student, and the clone directory is watched so that a huge repository is stopped.

A token for private repositories (GITHUB_TOKEN) reaches git only as an `http.<url>.extraHeader`
inside GIT_CONFIG_* environment variables: never on a command line, never on disk, and every
message that leaves this module has it masked.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.environment import tool_environment

from .links import GIST, GITHUB

# Settings every git command gets (later caller-given settings may extend them, e.g. insteadOf).
SAFE_CONFIG = {
    "protocol.allow": "never",
    "protocol.https.allow": "always",
    "credential.helper": "",
    "core.hooksPath": os.devnull,
    "core.askPass": "",
    "core.quotePath": "false",
    "core.fsmonitor": "false",
    "submodule.recurse": "false",
    "fetch.recurseSubmodules": "false",
    "transfer.fsckObjects": "true",
    "http.followRedirects": "initial",
    "init.defaultBranch": "main",
    "advice.detachedHead": "false",
}


class GitFailure(Exception):
    """A git step failed; `kind`: repo_missing, unauthorized, timed_out, too_large, bad_ref, git_error."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class GitRunner:
    """Runs git commands for one student's fetch, sharing one time budget and one size cap."""

    workdir: Path
    deadline: float                      # time.monotonic() value after which we stop
    max_repo_bytes: int
    extra_config: dict[str, str]
    token: str | None = None
    token_scopes: tuple[str, ...] = (GITHUB, GIST)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in tool_environment().items()
               if not k.startswith(("GIT_", "SSH_")) and k not in {"GITHUB_TOKEN", "GH_TOKEN"}}
        env.update({
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": shutil.which("true") or "/bin/true",
            "SSH_ASKPASS": shutil.which("true") or "/bin/true",
            "GIT_LFS_SKIP_SMUDGE": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "LC_ALL": "C",
        })
        # Settings the instructor passes to git through GIT_CONFIG_* (a proxy, an insteadOf) are
        # kept, repeated keys included (a key may rightly appear twice, e.g. two insteadOf for one
        # mirror); ours come after them and replace theirs, so the safety settings win.
        ours = {**SAFE_CONFIG, **self.extra_config}
        pairs = [(k, v) for k, v in inherited_pairs(os.environ) if k.lower() not in {o.lower() for o in ours}]
        pairs += list(ours.items())
        if self.token:
            header = "Authorization: Basic " + base64.b64encode(
                f"x-access-token:{self.token}".encode()).decode()
            for scope in self.scopes(pairs):
                pairs.append((f"http.{scope}.extraHeader", header))
        for i, (key, value) in enumerate(pairs):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        env["GIT_CONFIG_COUNT"] = str(len(pairs))
        return env

    def scopes(self, pairs: list[tuple[str, str]] | None = None) -> list[str]:
        """URL prefixes the token is sent to: GitHub's, and any mirror that stands in for them.

        git matches `http.<url>.extraHeader` against the URL *after* `url.<base>.insteadOf` has
        rewritten it, so a header scoped to https://github.com/ never reaches a mirror; each
        `insteadOf` whose value is one of our scopes adds its base.
        """
        if pairs is None:
            pairs = [*inherited_pairs(os.environ), *self.extra_config.items()]
        out = list(self.token_scopes)
        for key, value in pairs:
            m = re.fullmatch(r"url\.(.+)\.insteadof", key, re.IGNORECASE)
            if m and any(value.startswith(scope) or scope.startswith(value) for scope in self.token_scopes):
                if m.group(1) not in out:
                    out.append(m.group(1))
        return out

    def sends_token_to(self, url: str) -> bool:
        return bool(self.token) and any(url.startswith(s) for s in self.token_scopes)

    def mask(self, text: str) -> str:
        """Hide the token (and its base64 header form) in anything we report."""
        if self.token:
            text = text.replace(self.token, "***")
            text = text.replace(base64.b64encode(f"x-access-token:{self.token}".encode()).decode(), "***")
        return text

    def _size(self, path: Path) -> int:
        total = 0
        for root, _, files in os.walk(path):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    pass
        return total

    def run(self, args: list[str], cwd: Path | None = None, watch: Path | None = None,
            binary: bool = False) -> bytes | str:
        """Run `git <args>`; raise GitFailure on error, timeout or when `watch` grows too big."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise GitFailure("timed_out", "ran out of time")
        proc = subprocess.Popen(["git", *args], cwd=cwd, env=self.env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        watch = watch if watch is not None else cwd
        if watch is None:        # nothing lands on disk (ls-remote): only the time limit to watch
            try:
                out, err = proc.communicate(timeout=remaining)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.communicate()
                raise GitFailure("timed_out", "GitHub did not answer in time") from None
            return self._result(args, proc.returncode, out, err, binary)
        out_parts: list[bytes] = []
        err_parts: list[bytes] = []
        import threading

        def pump(stream, sink):
            for chunk in iter(lambda: stream.read(65536), b""):
                sink.append(chunk)
        threads = [threading.Thread(target=pump, args=(proc.stdout, out_parts), daemon=True),
                   threading.Thread(target=pump, args=(proc.stderr, err_parts), daemon=True)]
        for t in threads:
            t.start()
        reason = None
        while proc.poll() is None:
            if time.monotonic() > self.deadline:
                reason = GitFailure("timed_out", "GitHub did not answer in time")
            elif watch is not None and watch.exists() and self._size(watch) > self.max_repo_bytes:
                reason = GitFailure("too_large",
                                    f"the repository is larger than {_mib(self.max_repo_bytes)}")
            if reason:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                break
            try:       # returns as soon as git exits: most commands take milliseconds
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
        for t in threads:
            t.join(timeout=5)
        if reason is None and watch is not None and watch.exists() and self._size(watch) > self.max_repo_bytes:
            reason = GitFailure("too_large", f"the repository is larger than {_mib(self.max_repo_bytes)}")
        if reason:
            raise reason
        return self._result(args, proc.returncode, b"".join(out_parts), b"".join(err_parts), binary)

    def _result(self, args: list[str], code: int, out: bytes, err: bytes, binary: bool) -> bytes | str:
        if code != 0:
            message = self.mask(err.decode("utf-8", "replace").strip())
            raise GitFailure(classify(message), message or f"git {args[0]} failed")
        return out if binary else out.decode("utf-8", "replace")


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n} bytes"


def inherited_pairs(environ) -> list[tuple[str, str]]:
    """The GIT_CONFIG_COUNT/KEY_n/VALUE_n settings of an environment, in order, repeats kept."""
    try:
        count = int(environ.get("GIT_CONFIG_COUNT", "0") or 0)
    except ValueError:
        return []
    out = []
    for i in range(count):
        key = environ.get(f"GIT_CONFIG_KEY_{i}")
        if key:
            out.append((key, environ.get(f"GIT_CONFIG_VALUE_{i}", "")))
    return out


def inherited_config(environ) -> dict[str, str]:
    """The same as a dict (the last value of a repeated key), for looking one setting up."""
    return dict(inherited_pairs(environ))


def classify(stderr: str) -> str:
    """Tell 'not there', 'not allowed' and 'too slow' from other git errors, from git's own words."""
    low = stderr.lower()
    if any(s in low for s in ("authentication failed", "could not read username", "could not read password",
                              "401", "403", "terminal prompts disabled", "access denied",
                              "invalid username or", "permission denied")):
        return "unauthorized"
    if any(s in low for s in ("not found", "repository not found", "404",
                              "does not appear to be a git repository")):
        return "repo_missing"
    if "timed out" in low or "timeout" in low:
        return "timed_out"
    return "git_error"


def ls_remote(runner: GitRunner, url: str) -> dict[str, str]:
    """{ref name: commit} of the remote, plus "HEAD"; asks the server, clones nothing."""
    # protocol v0 here: one HTTP request (v2 needs two) for the same list of every ref
    out = runner.run(["-c", "protocol.version=0", "ls-remote", "--symref", url])
    refs: dict[str, str] = {}
    for line in str(out).splitlines():
        if line.startswith("ref:"):
            target, _, name = line[4:].strip().partition("\t")
            refs["symref:" + name] = target
            continue
        sha, _, name = line.partition("\t")
        if name.endswith("^{}"):
            refs[name[:-3]] = sha  # a peeled annotated tag: the commit it names
        elif name not in refs:
            refs[name] = sha
    return refs


def branches(refs: dict[str, str]) -> list[str]:
    return sorted(name[len("refs/heads/"):] for name in refs if name.startswith("refs/heads/"))


def resolve_ref(refs: dict[str, str], words: tuple[str, ...]) -> tuple[str, str | None, str]:
    """Split `words` (ref then path, from /blob/<ref>/<path>) by the longest matching ref.

    Returns (ref name as pasted, commit, path). A 40-hex commit id is taken as is; a shorter hex
    word (a short commit id, 7+ digits) comes back with commit None, for the clone to resolve.
    """
    for n in range(len(words), 0, -1):
        name = "/".join(words[:n])
        for full in (f"refs/heads/{name}", f"refs/tags/{name}"):
            if full in refs:
                return name, refs[full], "/".join(words[n:])
    if words and re.fullmatch(r"[0-9a-fA-F]{40}", words[0]):
        return words[0], words[0].lower(), "/".join(words[1:])
    if words and re.fullmatch(r"[0-9a-fA-F]{7,39}", words[0]):
        return words[0].lower(), None, "/".join(words[1:])
    if words and words[0] == "HEAD" and "HEAD" in refs:
        return "HEAD", refs["HEAD"], "/".join(words[1:])
    shown = words[0] if words else ""
    known = branches(refs)
    there = (f"; its branches: {', '.join(known[:10])}" + (" ..." if len(known) > 10 else "")) if known \
        else "; it has no branches yet"
    raise GitFailure("bad_ref", f"the branch or tag '{shown}' does not exist in the repository{there}: "
                                "paste the link again from GitHub")


def clone(runner: GitRunner, url: str, dest: Path) -> None:
    """Bare, partial clone of every branch: history and trees, no file contents, no checkout."""
    runner.run(["clone", "--bare", "--quiet", "--filter=blob:none", "--no-recurse-submodules",
                "--template=", url, str(dest)], cwd=dest.parent, watch=dest)


def ensure_commit(runner: GitRunner, repo: Path, commit: str) -> None:
    """Fetch a commit the clone lacks (a permalink to a commit on no branch, a pull request's head)."""
    try:
        runner.run(["cat-file", "-e", f"{commit}^{{commit}}"], cwd=repo)
    except GitFailure:
        try:
            runner.run(["fetch", "--quiet", "--filter=blob:none", "origin", commit], cwd=repo)
        except GitFailure as exc:
            if exc.kind in ("timed_out", "too_large"):
                raise
            raise GitFailure("bad_ref", f"commit {commit[:10]} is not in the repository") from exc


def has_commit(runner: GitRunner, repo: Path, commit: str) -> bool:
    """Is the commit in the repository (fetched if it is only reachable by its id)?"""
    try:
        ensure_commit(runner, repo, commit)
        return True
    except GitFailure as exc:
        if exc.kind in ("timed_out", "too_large"):
            raise
        return False
