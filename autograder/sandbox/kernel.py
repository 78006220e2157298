"""A jupyter_client kernel manager that starts the kernel inside bubblewrap.

nbgrader's Execute preprocessor (an nbclient NotebookClient) takes its kernel manager class from
config, so plain nbgrader code drives a sandboxed kernel: the grading worker sets
`Execute.kernel_manager_class` to this class and describes the sandbox in the environment
variable AUTOGRADER_SANDBOX (JSON), because nbgrader runs in its own process.

What differs from a normal kernel launch, and why:
- transport `ipc` with sockets in a folder bound into the sandbox: there is no network inside;
- the connection file lives in that folder and is handed to the job's uid;
- no JPY_PARENT_PID: in a new pid namespace the kernel's parent-pid poller would see a different
  pid and shut the kernel down (`--die-with-parent` does that job instead);
- interrupts are sent as `interrupt_request` messages, since a signal to bwrap's process group
  would not reach a kernel in its own session;
- a small, explicit environment (nothing of the grader's secrets or tokens leaks in);
- the `output_guard` extension, which caps what one cell may print inside the kernel, the
  `shell_guard` extension, which notes how IPython runs code so it can be put back before tests,
  and the verifier's exporter (`autograder.verify.snapshot`), loaded before any student code.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from .bwrap import SandboxSpec, bwrap_command
from .limits import Limits
from .output_guard import CAP_VAR

ENV_VAR = "AUTOGRADER_SANDBOX"

# Variables the kernel may inherit; everything else is dropped.
PASSED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TF_CPP_MIN_LOG_LEVEL", "PYTHONHASHSEED",
              "OMP_NUM_THREADS", "TF_NUM_INTEROP_THREADS", "TF_NUM_INTRAOP_THREADS",
              "NBGRADER_EXECUTION", "JUPYTER_PLATFORM_DIRS", "PYDEVD_DISABLE_FILE_VALIDATION")


def sandbox_settings(*, runtime_dir: str, tmp_dir: str, uid: int | None, limits: Limits,
                     bwrap: str, readonly: list[str] | None = None, cgroup_prefix: list[str] | None = None) -> str:
    """The JSON the worker puts in AUTOGRADER_SANDBOX for the nbgrader process."""
    return json.dumps({"runtime_dir": runtime_dir, "tmp_dir": tmp_dir, "uid": uid,
                       "limits": json.loads(limits.to_json()), "bwrap": bwrap,
                       "readonly": readonly or [], "cgroup_prefix": cgroup_prefix or []})


def _chown_tree(path: str, uid: int) -> None:
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


class SandboxedKernelManager(AsyncKernelManager):
    """AsyncKernelManager whose kernel runs under bwrap with rlimits and its own uid."""

    def __init__(self, **kwargs):
        settings = json.loads(os.environ[ENV_VAR])
        self._sandbox = settings
        runtime = settings["runtime_dir"]
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("connection_file", os.path.join(runtime, f"kernel-{uuid.uuid4().hex[:8]}.json"))
        super().__init__(**kwargs)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        s = self._sandbox
        uid = s["uid"]
        cwd = os.path.realpath(kw.get("cwd") or os.getcwd())
        runtime = s["runtime_dir"]
        # The kernel sees a copy of its folder at the same path: nbgrader later writes (and
        # chmods) the graded notebook in the real folder as us, so nothing the student's code
        # leaves there (a symlink to a course file, say) may be followed by the grader.
        workdir = tempfile.mkdtemp(prefix="kernel-cwd-", dir=os.path.dirname(s["tmp_dir"]))
        shutil.copytree(cwd, workdir, dirs_exist_ok=True, symlinks=True)
        if uid is not None:
            for path in (runtime, s["tmp_dir"], workdir):
                _chown_tree(path, uid)
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"
        env = {k: v for k, v in (kw.get("env") or os.environ).items() if k in PASSED_ENV}
        venv_bin = str(Path(kernel_cmd[0]).parent)
        env.update(HOME="/tmp", PATH=f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
                   MPLCONFIGDIR="/tmp/.matplotlib", KERAS_HOME="/tmp/.keras",
                   PYTHONDONTWRITEBYTECODE="1", JPY_SESSION_NAME="")
        env.setdefault("LANG", "C.UTF-8")
        spec = SandboxSpec(uid=uid, chdir=cwd, writable=[runtime], tmp_dir=s["tmp_dir"],
                           bind_as={workdir: cwd},
                           readonly=s.get("readonly", []),
                           limits=Limits(**s["limits"]))
        env[CAP_VAR] = str(spec.limits.output_bytes)
        kernel_cmd = [*kernel_cmd,
                      "--InteractiveShellApp.extra_extensions=autograder.sandbox.output_guard",
                      "--InteractiveShellApp.extra_extensions=autograder.sandbox.shell_guard",
                      "--InteractiveShellApp.extra_extensions=autograder.verify.snapshot"]
        cmd = [*s.get("cgroup_prefix", []), *bwrap_command(kernel_cmd, spec, bwrap=s["bwrap"])]
        kw = dict(kw, env=env, cwd=cwd, independent=True)
        await super()._async_launch_kernel(cmd, **kw)
