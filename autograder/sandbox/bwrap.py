"""The bubblewrap command line that isolates one student kernel.

Inside the sandbox the kernel sees: the system (`/usr`, `/etc`, ...) read-only, the Python
installation, the virtualenv and the project's `autograder` package read-only (plus, when test
cells run in the kernel, the packages they import: a course's checks), a private `/tmp`, and read-write only the folders the grader names (the
student's notebook folder and the kernel's ipc socket folder) — never the course's `source/`,
gradebook or other students. No network (`--unshare-net`; the kernel talks to its client over
jupyter_client's `ipc` transport in a bound folder), its own pid namespace, a new session, and it
dies with the grader. When we are root, bwrap runs privileged (no user namespace) and the kernel
drops to an unprivileged uid of its own with `setpriv` inside the sandbox, because RLIMIT_NPROC is
not enforced for root and is counted per uid (so each job gets a uid of its own). Otherwise bwrap
makes a user namespace and the kernel keeps the instructor's uid.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .limits import Limits

INSTALL_HINT = (
    "bubblewrap (the `bwrap` command) is needed to grade untrusted notebooks in a sandbox.\n"
    "  Debian/Ubuntu:  sudo apt-get install -y bubblewrap\n"
    "  Fedora/RHEL:    sudo dnf install -y bubblewrap\n"
    "  Arch:           sudo pacman -S bubblewrap\n"
    "(`make setup` installs it when run as root.) To grade without a sandbox — only for "
    "submissions you trust — pass --no-sandbox."
)

# Job uids live far above real accounts; 2**24 of them make two concurrent jobs sharing one
# (and so one task budget) vanishingly unlikely.
UID_BASE = 3_000_000
UID_SPAN = 2 ** 24

SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


def find_bwrap() -> str:
    path = shutil.which("bwrap")
    if not path:
        raise SandboxUnavailable(INSTALL_HINT)
    return path


def check_bwrap(bwrap: str | None = None) -> str:
    """Run a trivial sandbox once, so a broken setup fails before any grading starts."""
    bwrap = bwrap or find_bwrap()
    spec = SandboxSpec(uid=job_uid(), chdir="/")
    proc = subprocess.run(bwrap_command(["true"], spec, bwrap=bwrap, use_prlimit=False),
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot start a sandbox here: {proc.stderr.strip()}\n"
            "It needs user namespaces (sysctl kernel.unprivileged_userns_clone=1 on older "
            "Debian). To grade without a sandbox — trusted submissions only — pass --no-sandbox.")
    return bwrap


def job_uid() -> int | None:
    """A fresh unprivileged uid for one job when we can switch to it (root), else None."""
    if os.geteuid() != 0:
        return None
    return UID_BASE + secrets.randbelow(UID_SPAN)


def python_paths() -> list[str]:
    """What the kernel needs to run the grader's Python: interpreter, venv, our package."""
    import autograder

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix,
             os.path.realpath(sys.base_prefix),
             str(Path(autograder.__file__).resolve().parent)}
    return sorted(paths)


def user_tasks(uid: int | None = None) -> int:
    """Processes + threads that `uid` (default: ours) runs now: RLIMIT_NPROC counts them all."""
    uid = os.getuid() if uid is None else uid
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                pass
    return count


@dataclass
class SandboxSpec:
    """Which host folders the kernel sees (all at their own path), and as whom."""

    uid: int | None = None
    chdir: str = "/"
    writable: list[str] = field(default_factory=list)
    readonly: list[str] = field(default_factory=list)
    tmp_dir: str | None = None        # bound at /tmp; a tmpfs when None
    bind_as: dict[str, str] = field(default_factory=dict)   # host folder -> writable path inside
    limits: Limits = field(default_factory=Limits)


def _bind_readonly(path: str) -> list[str]:
    if not os.path.lexists(path):
        return []
    if os.path.islink(path) and os.path.dirname(path) == "/":
        return ["--symlink", os.readlink(path), path]          # /lib -> usr/lib on merged-/usr
    return ["--ro-bind", path, path]


def bwrap_command(inner: list[str], spec: SandboxSpec, *, bwrap: str = "bwrap",
                  use_prlimit: bool = True) -> list[str]:
    """The full argv: bwrap <isolation> <binds> -- [setpriv <uid>] prlimit <limits> -- inner."""
    if spec.uid is not None:      # privileged bwrap; no user namespace so the uid is real
        unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                   "--unshare-cgroup-try"]
    else:
        unshare = ["--unshare-all"]
    cmd = [bwrap, *unshare, "--die-with-parent", "--new-session",
           "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev",
           "--perms", "01777", "--tmpfs", "/dev/shm"]     # POSIX semaphores (joblib, multiprocessing)
    for path in SYSTEM_PATHS:
        cmd += _bind_readonly(path)
    if spec.tmp_dir:
        cmd += ["--bind", spec.tmp_dir, "/tmp"]
    else:
        cmd += ["--perms", "01777", "--tmpfs", "/tmp"]
    made: set[str] = {"/", "/tmp"}
    binds = [("--ro-bind", p, p) for p in [*python_paths(), *spec.readonly]]
    binds += [("--bind", p, p) for p in spec.writable]
    binds += [("--bind", src, dest) for src, dest in spec.bind_as.items()]
    for mode, src, dest in binds:
        # bwrap would create missing parents mode 0700, which the kernel's uid cannot cross
        for parent in reversed(Path(dest).parents):
            if str(parent) not in made and not str(parent).startswith(tuple(SYSTEM_PATHS)):
                made.add(str(parent))
                cmd += ["--perms", "0755", "--dir", str(parent)]
        cmd += [mode, src, dest]
    cmd += ["--chdir", spec.chdir, "--"]
    if spec.uid is not None:
        cmd += ["setpriv", f"--reuid={spec.uid}", f"--regid={spec.uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--"]
    if use_prlimit:
        args = spec.limits.prlimit_args()
        if spec.uid is None:           # the instructor's own uid: a budget on top of what it runs
            args = [f"--nproc={user_tasks() + spec.limits.tasks}" if a.startswith("--nproc=") else a
                    for a in args]
        cmd += ["prlimit", *args, "--"]
    return cmd + list(inner)
