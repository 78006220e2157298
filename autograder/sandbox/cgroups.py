"""Job-wide limits with cgroups: memory (tmpfs pages included), tasks and CPU for a whole job.

rlimits count one process at a time; a submission that starts three children of 1.5 GiB, six busy
loops, or fills /dev/shm escapes them. When the grader runs as root on a machine with cgroups
(v2, or the v1 memory/pids/cpu hierarchies), every job's kernel is started inside a cgroup of its
own; otherwise the grader says so at start and keeps the per-process rlimits only.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
GROUP = "autograder"


def _v2_root() -> Path | None:
    for base in (ROOT, ROOT / "unified"):
        controllers = base / "cgroup.controllers"
        if controllers.exists() and {"memory", "pids"} <= set(controllers.read_text().split()):
            return base
    return None


def _v1_roots() -> dict[str, Path] | None:
    roots = {name: ROOT / name for name in ("memory", "pids", "cpu")}
    if all((p / "cgroup.procs").exists() for p in roots.values()):
        return roots
    return None


def available() -> str | None:
    """"v2", "v1" or None (not root, or no usable hierarchy)."""
    if os.geteuid() != 0:
        return None
    try:
        if _v2_root() is not None:
            probe = JobCgroup.create(1 << 30, 64, 1.0)
            probe.remove()
            return "v2"
        if _v1_roots() is not None:
            probe = JobCgroup.create(1 << 30, 64, 1.0)
            probe.remove()
            return "v1"
    except OSError:
        return None
    return None


def cgroup_status() -> str:
    kind = available()
    if kind:
        return f"job-wide limits: a cgroup {kind} per submission (memory incl. /tmp and /dev/shm, tasks, CPU)"
    return ("job-wide limits: cgroups are not available here (not root, or no writable cgroup hierarchy); "
            "falling back to per-process limits only")


class JobCgroup:
    """One job's cgroup(s); `enter()` moves the calling process in, `remove()` kills and deletes."""

    def __init__(self, paths: list[Path], version: str):
        self.paths, self.version = paths, version

    @classmethod
    def create(cls, memory_bytes: int, tasks: int, cpus: float) -> "JobCgroup":
        name = f"job-{os.getpid()}-{secrets.token_hex(4)}"
        v2 = _v2_root()
        if v2 is not None:
            parent = v2 / GROUP
            parent.mkdir(exist_ok=True)
            for base in (v2, parent):
                try:
                    (base / "cgroup.subtree_control").write_text("+memory +pids +cpu")
                except OSError:
                    (base / "cgroup.subtree_control").write_text("+memory +pids")
            path = parent / name
            path.mkdir()
            (path / "memory.max").write_text(str(memory_bytes))
            if (path / "memory.swap.max").exists():
                (path / "memory.swap.max").write_text("0")
            (path / "pids.max").write_text(str(tasks))
            if (path / "cpu.max").exists():
                (path / "cpu.max").write_text(f"{int(cpus * 100000)} 100000")
            return cls([path], "v2")
        roots = _v1_roots()
        if roots is None:
            raise OSError("no usable cgroup hierarchy")
        paths = []
        for controller, base in roots.items():
            path = base / GROUP / name
            path.mkdir(parents=True)
            paths.append(path)
            if controller == "memory":
                (path / "memory.limit_in_bytes").write_text(str(memory_bytes))
            elif controller == "pids":
                (path / "pids.max").write_text(str(tasks))
            elif controller == "cpu":
                (path / "cpu.cfs_period_us").write_text("100000")
                (path / "cpu.cfs_quota_us").write_text(str(int(cpus * 100000)))
        return cls(paths, "v1")

    def prefix(self) -> list[str]:
        """A command prefix that moves the started process into this cgroup, then execs the rest."""
        joins = "; ".join(f"echo $$ > {str(p / 'cgroup.procs')!r}" for p in self.paths)
        return ["/bin/sh", "-c", f'{joins}; exec "$@"', "cgroup-enter"]

    def enter(self, pid: int | None = None) -> None:
        for path in self.paths:
            (path / "cgroup.procs").write_text(str(pid or os.getpid()))

    def pids(self) -> set[int]:
        found = set()
        for path in self.paths:
            try:
                found |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
            except OSError:
                pass
        return found

    def memory_peak_hit(self) -> bool:
        for path in self.paths:
            events = path / "memory.events"
            if events.exists():
                for line in events.read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key in ("max", "oom_kill") and int(value) > 0:
                        return True
            failcnt = path / "memory.failcnt"
            if failcnt.exists() and int(failcnt.read_text().strip() or 0) > 0:
                return True
        return False

    def remove(self, seconds: float = 15.0) -> None:
        """Kill everything in the job's cgroup and delete it (a dying kernel can take a while)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                break
            kill = self.paths[0] / "cgroup.kill"
            if self.version == "v2" and kill.exists():
                kill.write_text("1")
            else:
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.05)
        for path in self.paths:
            while True:
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.1)


def sized_tmpfs(path: Path, size_bytes: int, inodes: int) -> bool:
    """Mount a tmpfs of `size_bytes` and `inodes` files at `path` (root only); False if we cannot."""
    if os.geteuid() != 0:
        return False
    import subprocess

    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes},nr_inodes={inodes},mode=1777",
                           "autograder-tmp", str(path)], capture_output=True)
    return proc.returncode == 0


def unmount(path: Path) -> None:
    import subprocess

    subprocess.run(["umount", "-l", str(path)], capture_output=True)
