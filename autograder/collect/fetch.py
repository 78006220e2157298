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
    """A git step failed; `kind` is one of repo_missing, timed_out, too_large, bad_ref, git_error."""

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
        env = {k: v for k, v in os.environ.items()
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
        # kept; ours come after them, so the safety settings win.
        config = inherited_config(os.environ)
        for key, value in SAFE_CONFIG.items():
            config.pop(key, None)
            config[key] = value
        config.update(self.extra_config)
        if self.token:
            header = "Authorization: Basic " + base64.b64encode(
                f"x-access-token:{self.token}".encode()).decode()
            for scope in self.token_scopes:
                config[f"http.{scope}.extraHeader"] = header
        for i, (key, value) in enumerate(config.items()):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        env["GIT_CONFIG_COUNT"] = str(len(config))
        return env

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
            time.sleep(0.05)
        for t in threads:
            t.join(timeout=5)
        if reason is None and watch is not None and watch.exists() and self._size(watch) > self.max_repo_bytes:
            reason = GitFailure("too_large", f"the repository is larger than {_mib(self.max_repo_bytes)}")
        if reason:
            raise reason
        out, err = b"".join(out_parts), b"".join(err_parts)
        if proc.returncode != 0:
            message = self.mask(err.decode("utf-8", "replace").strip())
            raise GitFailure(classify(message), message or f"git {args[0]} failed")
        return out if binary else out.decode("utf-8", "replace")


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n} bytes"


def inherited_config(environ) -> dict[str, str]:
    """The GIT_CONFIG_COUNT/KEY_n/VALUE_n settings of an environment, as a dict."""
    try:
        count = int(environ.get("GIT_CONFIG_COUNT", "0") or 0)
    except ValueError:
        return {}
    out = {}
    for i in range(count):
        key = environ.get(f"GIT_CONFIG_KEY_{i}")
        if key:
            out[key] = environ.get(f"GIT_CONFIG_VALUE_{i}", "")
    return out


def classify(stderr: str) -> str:
    """Tell 'the repository is gone or private' from other git errors, from git's own words."""
    low = stderr.lower()
    if any(s in low for s in ("not found", "could not read username", "authentication failed",
                              "repository not found", "403", "401", "404", "terminal prompts disabled",
                              "does not appear to be a git repository", "access denied")):
        return "repo_missing"
    if "timed out" in low or "timeout" in low:
        return "timed_out"
    return "git_error"


def ls_remote(runner: GitRunner, url: str) -> dict[str, str]:
    """{ref name: commit} of the remote, plus "HEAD"; asks the server, clones nothing."""
    out = runner.run(["ls-remote", "--symref", url])
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


def resolve_ref(refs: dict[str, str], words: tuple[str, ...]) -> tuple[str, str, str]:
    """Split `words` (ref then path, from /blob/<ref>/<path>) by the longest matching ref.

    Returns (ref name as pasted, commit, path). A 40-hex commit id is taken as is.
    """
    for n in range(len(words), 0, -1):
        name = "/".join(words[:n])
        for full in (f"refs/heads/{name}", f"refs/tags/{name}"):
            if full in refs:
                return name, refs[full], "/".join(words[n:])
    if words and re.fullmatch(r"[0-9a-fA-F]{40}", words[0]):
        return words[0], words[0].lower(), "/".join(words[1:])
    if words and words[0] == "HEAD" and "HEAD" in refs:
        return "HEAD", refs["HEAD"], "/".join(words[1:])
    shown = words[0] if words else ""
    raise GitFailure("bad_ref", f"the branch or tag '{shown}' does not exist in the repository")


def clone(runner: GitRunner, url: str, dest: Path) -> None:
    """Bare, partial clone of every branch: history and trees, no file contents, no checkout."""
    runner.run(["clone", "--bare", "--quiet", "--filter=blob:none", "--no-recurse-submodules",
                "--template=", url, str(dest)], cwd=dest.parent, watch=dest)


def ensure_commit(runner: GitRunner, repo: Path, commit: str) -> None:
    """Fetch a commit the clone lacks (e.g. a permalink to a commit on no branch)."""
    try:
        runner.run(["cat-file", "-e", f"{commit}^{{commit}}"], cwd=repo)
    except GitFailure:
        try:
            runner.run(["fetch", "--quiet", "--filter=blob:none", "origin", commit], cwd=repo)
        except GitFailure as exc:
            raise GitFailure("bad_ref", f"commit {commit[:10]} is not in the repository") from exc
