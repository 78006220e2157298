"""Start `nbgrader autograde` for a job from a process that has already imported nbgrader.

A new `nbgrader` process spends about 2.5 s of CPU importing nbgrader, nbconvert, SQLAlchemy and
alembic before it grades anything: with two workers on two cores grading 30-second notebooks,
that is several percent of the whole run (the benchmark went from 386 s to 357 s for 20
submissions, within noise of the same plain-nbgrader time). So each grading worker keeps one helper process (this module, run with `-m`) that
does those imports once and forks a child per job. The child is what a fresh `nbgrader autograde`
process would be (own session, working directory, environment and log file, stdin from
/dev/null), so the worker still kills it, and through bubblewrap's --die-with-parent its kernel,
with one `killpg`. The helper itself never runs a job's code and keeps nothing between jobs.

Protocol, one JSON object per line: the worker sends {"argv", "cwd", "env", "log"}; the helper
answers {"pid"} as soon as the child exists and {"returncode"} when it has ended. If the worker
goes away mid-job (its end of the pipe closes), the helper kills the job's session and exits.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import NoReturn

from ..forked import reply, requests, run_as_new_program, wait_for_child

# imported by the helper before its first fork: everything `nbgrader autograde` loads anyway
PRELOAD = ("nbgrader.apps.nbgraderapp", "nbgrader.apps.autogradeapp", "nbgrader.converters",
           "nbgrader.preprocessors", "nbgrader.api", "nbclient", "nbconvert", "jupyter_client",
           "sqlalchemy", "alembic.command", "autograder.sandbox.execute", "autograder.sandbox.kernel")


class HelperGone(RuntimeError):
    """The helper process died or stopped answering: the caller runs the job the cold way."""


@dataclass
class Finished:
    returncode: int | None          # None: killed by the caller's time limit
    timed_out: bool = False


class WarmNbgrader:
    """The worker's side: one helper process, started on first use, restarted if it died."""

    def __init__(self, python: str = sys.executable):
        self.python = python
        self._proc: subprocess.Popen | None = None
        self._pending = b""                 # bytes read from the helper, not yet a whole line

    def _helper(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._pending = b""
            self._proc = subprocess.Popen(
                [self.python, "-m", "autograder.grading.warm_nbgrader"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                start_new_session=True,          # Ctrl-C in the terminal is the worker's to handle
                env=dict(os.environ, PYTHONPATH=_package_parent()))
        return self._proc

    def _read(self, timeout: float | None) -> dict | None:
        """The helper's next message, or None if none came within `timeout` seconds. Reads the
        pipe unbuffered: a line already sitting in a Python buffer would be invisible to select."""
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._pending:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                self.close()
                raise HelperGone("the nbgrader helper process ended")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return json.loads(line)

    def run(self, argv: list[str], *, cwd: str, env: dict[str, str], log: str,
            timeout: float) -> Finished:
        """Run `nbgrader <argv>` to completion, or kill its session after `timeout` seconds."""
        proc = self._helper()
        request = json.dumps({"argv": argv, "cwd": cwd, "env": env, "log": log}) + "\n"
        try:
            proc.stdin.write(request.encode())
            proc.stdin.flush()
            started = self._read(60)
        except (BrokenPipeError, OSError, ValueError) as err:
            self.close()
            raise HelperGone(f"the nbgrader helper process is not answering: {err}") from err
        if started is None:
            self.close()
            raise HelperGone("the nbgrader helper process did not start the job within 60 s")
        pid = started["pid"]
        try:
            done = self._read(timeout)
        except BaseException:                    # helper gone, or this worker is being stopped
            _kill_session(pid)                   # no job may outlive its helper unwatched
            raise
        if done is not None:                     # the helper killed its leftovers, then reaped it
            return Finished(done["returncode"])
        _kill_session(pid)                       # the helper sees it end and answers
        try:
            if self._read(60) is None:
                self.close()
        except HelperGone:
            pass
        return Finished(None, timed_out=True)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def _package_parent() -> str:
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rest = os.environ.get("PYTHONPATH", "")
    return here + (os.pathsep + rest if rest else "")


def _kill_session(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------- the helper process

def _child(request: dict) -> NoReturn:
    """In the forked child: become a fresh `nbgrader` process, then never return."""
    def nbgrader() -> None:
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["nbgrader", *request["argv"]]
        from nbgrader.apps.nbgraderapp import main

        main()

    run_as_new_program(nbgrader, log=request["log"], cwd=request["cwd"])


def serve(requests_fd: int = 0) -> None:
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in PRELOAD:
        importlib.import_module(name)
    for request in requests(requests_fd):
        pid = os.fork()
        if pid == 0:
            _child(request)
        reply({"pid": pid})
        worker_alive = wait_for_child(pid, requests_fd)
        # kill what is left of the job's session while its leader is still unreaped (so the
        # group id cannot belong to anything else yet), then reap it
        if not worker_alive:
            _kill_session(pid)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        _kill_session(pid)
        _, status = os.waitpid(pid, 0)
        if not worker_alive:
            return                               # nobody is left to run jobs for
        reply({"returncode": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve()
