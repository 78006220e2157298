"""The bubblewrap sandbox on its own: what a process inside can and cannot do (real bwrap)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox.bwrap import (INSTALL_HINT, SandboxSpec, SandboxUnavailable, bwrap_command,
                                      check_bwrap, find_bwrap, job_uid)
from autograder.sandbox.limits import GiB, Limits

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def run_inside(code: str, tmp_path: Path, limits: Limits | None = None, **spec) -> subprocess.CompletedProcess:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    uid = job_uid()
    if uid is not None:
        os.chown(work, uid, uid)
    sandbox = SandboxSpec(uid=uid, chdir=str(work), writable=[str(work)], limits=limits or Limits(), **spec)
    cmd = bwrap_command([sys.executable, "-c", code], sandbox, bwrap=find_bwrap())
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_command_isolates_and_limits():
    cmd = bwrap_command(["python"], SandboxSpec(uid=3_000_123, writable=["/scratch/a"]))
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in cmd
    assert cmd[cmd.index("--ro-bind", cmd.index("/usr") - 1)] == "--ro-bind"
    assert ["--bind", "/scratch/a", "/scratch/a"] == cmd[cmd.index("/scratch/a") - 1: cmd.index("/scratch/a") + 2]
    assert "--reuid=3000123" in cmd and "--nproc=256" in cmd and cmd[-1] == "python"


def test_missing_bwrap_is_refused_with_install_hint(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxUnavailable) as err:
        find_bwrap()
    assert "apt-get install -y bubblewrap" in str(err.value) and "--no-sandbox" in str(err.value)
    assert "--no-sandbox" in INSTALL_HINT


@needs_bwrap
def test_bwrap_works_here():
    assert check_bwrap()


@needs_bwrap
def test_no_network_readonly_system_private_files(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "hidden.txt").write_text("hidden tests")
    code = f"""
import os, socket
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2); print("NET-OPEN")
except OSError as e: print("net-blocked", type(e).__name__)
try:
    open("/usr/lib/pwned", "w"); print("USR-WRITABLE")
except OSError: print("usr-readonly")
print("secret-visible" if os.path.exists({str(secret)!r}) else "secret-hidden")
open("here.txt", "w").write("ok"); print("scratch-writable")
print("uid", os.getuid())
"""
    proc = run_inside(code, tmp_path)
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "net-blocked" in out and "usr-readonly" in out and "secret-hidden" in out
    assert "scratch-writable" in out and (tmp_path / "work" / "here.txt").read_text() == "ok"
    if os.geteuid() == 0:
        assert "uid 0" not in out          # never root inside


@needs_bwrap
def test_task_limit_contains_a_fork_bomb(tmp_path):
    code = """
import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(30); os._exit(0)
        n += 1
except OSError as e:
    print("stopped after", n, type(e).__name__)
"""
    proc = run_inside(code, tmp_path, limits=Limits(tasks=40))
    assert "stopped after" in proc.stdout, proc.stderr
    assert int(proc.stdout.split()[2]) < 40


@needs_bwrap
def test_memory_limit_gives_memory_error(tmp_path):
    code = "x = bytearray(3 * 2**30)\nprint('ALLOCATED')"
    proc = run_inside(code, tmp_path, limits=Limits(memory_bytes=1 * GiB))
    assert "MemoryError" in proc.stderr and "ALLOCATED" not in proc.stdout
