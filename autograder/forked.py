"""What the warm helpers share (grading/warm_nbgrader.py, verify/warm_verifier.py): a forked child
that behaves like a freshly started program, and a wait for it that notices the worker leaving.

A helper imports the heavy modules once and forks a child per job; the child must not inherit the
helper's session, signal handling, standard streams or working directory, and whatever it does it
ends with `os._exit`, never by returning into the helper's loop.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import traceback
from typing import Callable, Iterator, NoReturn


def run_as_new_program(body: Callable[[], int | None], *, log: str, cwd: str, failure: int = 1) -> NoReturn:
    """In a forked child: own session, default SIGINT/SIGTERM, stdin from /dev/null, stdout and
    stderr to the file `log`, working directory `cwd`; then `body()`, whose return value (None: 0)
    or SystemExit code is the exit code. An exception is printed to the log and exits `failure`."""
    code = failure
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        os.close(null)
        os.chdir(cwd)
        result = body()
        code = 0 if result is None else int(result)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else failure)
    except BaseException:                        # noqa: BLE001 - report, then exit non-zero
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def wait_for_child(pid: int, requests_fd: int) -> bool:
    """Block until the child `pid` ends (True) or the worker goes away (False). The worker writes
    nothing while a job runs, so the request pipe becoming readable means it was closed."""
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            ready, _, _ = select.select([pidfd, requests_fd], [], [])
            if pidfd in ready:
                return True
            if not os.read(requests_fd, 65536):
                return False
    finally:
        os.close(pidfd)


def requests(fd: int = 0) -> Iterator[dict]:
    """The worker's requests to a helper, one JSON object per line, until it closes the pipe."""
    pending = b""
    while True:
        while b"\n" not in pending:
            chunk = os.read(fd, 65536)
            if not chunk:
                return                           # the worker is done with us
            pending += chunk
        line, _, pending = pending.partition(b"\n")
        yield json.loads(line)


def reply(message: dict) -> None:
    """A helper's answer to the worker (stdout, unbuffered: the worker reads it with select)."""
    os.write(1, (json.dumps(message) + "\n").encode())
