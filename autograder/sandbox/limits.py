"""The resource limits a sandboxed kernel runs under, and how they become `prlimit` options.

No cgroups here (many machines, containers included, cannot create them), so limits are
per-process rlimits: address space for memory (TensorFlow alone maps ~2.8 GiB of address space,
so the default leaves ~1.2 GiB for the student's data), a task count (RLIMIT_NPROC counts
threads too, and is enforced per real uid: the sandbox gives every job its own uid when we are
root), a largest file size, and no core dumps. Wall time is nbgrader's per-cell Execute timeout
plus the grader's per-job timeout; output size is capped by `execute.CappedExecute`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

GiB = 1024 ** 3
MiB = 1024 ** 2


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * GiB       # RLIMIT_AS of the kernel
    tasks: int = 256                  # RLIMIT_NPROC: processes + threads of the job's uid
    file_bytes: int = 200 * MiB       # RLIMIT_FSIZE: largest file the kernel may write
    open_files: int = 1024            # RLIMIT_NOFILE
    output_bytes: int = 20 * MiB      # output of one cell kept before cutting it off
    job_seconds: int = 1800           # whole submission (all cells), enforced by the worker
    disk_bytes: int = 1024 * MiB      # tmpfs size of /tmp (as root); the job's cgroup counts it as memory
    inodes: int = 10_000              # files the job may create in /tmp (as root)
    cpus: float = 2.0                 # CPU time per second for the whole job (cgroup, as root)

    def prlimit_args(self) -> list[str]:
        """Options for util-linux `prlimit`, which sets them and execs the kernel."""
        return [
            f"--as={self.memory_bytes}",
            f"--nproc={self.tasks}",
            f"--fsize={self.file_bytes}",
            f"--nofile={self.open_files}",
            "--core=0",
        ]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Limits":
        return cls(**json.loads(text))

    def describe(self) -> str:
        return (f"memory {self.memory_bytes / GiB:.1f} GiB, {self.tasks} tasks, "
                f"files {self.file_bytes // MiB} MiB, output {self.output_bytes // MiB} MiB, "
                f"{self.job_seconds} s per submission")
