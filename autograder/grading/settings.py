"""`c.Grade.*` in the course's nbgrader_config.py: how `autograder grade` grades.

Every option can be overridden on the command line; the command reads these first, so a course
keeps its limits, its number of workers and its secrets' names in one place with nbgrader's own
settings.
"""

from __future__ import annotations

from traitlets import Bool, Float, Integer, List, Unicode
from traitlets.config import Configurable

from ..sandbox.limits import GiB, MiB, Limits


class GradeSettings(Configurable):
    @classmethod
    def section_names(cls) -> list[str]:
        return ["Grade"]              # the config section is `c.Grade`
    workers = Integer(0, help="Local worker processes (0: one per core).").tag(config=True)
    memory_gib = Float(Limits.memory_bytes / GiB, help="Memory limit of one submission (kernel and its children), GiB.").tag(config=True)
    max_tasks = Integer(Limits.tasks, help="Processes + threads one submission may run.").tag(config=True)
    max_output_mib = Integer(Limits.output_bytes // MiB, help="Output one cell may print before it is cut off, MiB.").tag(config=True)
    disk_mib = Integer(Limits.disk_bytes // MiB, help="Space for /tmp and /dev/shm in the sandbox, MiB.").tag(config=True)
    job_timeout = Integer(Limits.job_seconds, help="Wall-time limit of one submission, seconds.").tag(config=True)
    verify = Bool(False, help="Decide test cells in a clean process from exported variables (the kernel only "
                              "exports them). Needs test cells that check data, not ones that call the "
                              "student's functions (the verifier never runs student code). False runs tests "
                              "in the student's kernel, as plain nbgrader does.").tag(config=True)
    secret_env = List(Unicode(), help="Environment variables handed to the verifier only (never to a kernel), "
                                      "e.g. the key of a secret test set.").tag(config=True)

    def limits(self) -> Limits:
        return Limits(memory_bytes=int(self.memory_gib * GiB), tasks=self.max_tasks,
                      output_bytes=self.max_output_mib * MiB, job_seconds=self.job_timeout,
                      disk_bytes=self.disk_mib * MiB)


def secrets_from_environment(settings: GradeSettings, environ=None) -> dict[str, str]:
    """The values of the configured secrets that are set (the verifier gets these, nothing else)."""
    import os

    environ = os.environ if environ is None else environ
    return {name: environ[name] for name in settings.secret_env if environ.get(name)}
