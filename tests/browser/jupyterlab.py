"""Start a real JupyterLab server on 127.0.0.1 with a token, in an isolated Jupyter home, and stop it.

Why isolated: no settings, workspaces or kernels from the user's home leak into the test, and the
Lab front end is told not to fetch news, check for updates or query the extension manager (the
test machine has no internet, and a toast over the notebook would hide what we click).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# User settings written before the server starts (JUPYTERLAB_SETTINGS_DIR).
LAB_SETTINGS = {
    # Every cell stays in the DOM, so the test can read all prompts and outputs.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}


@dataclass
class LabServer:
    base_url: str
    token: str
    root_dir: Path
    log_path: Path

    def url(self, path: str, workspace: str | None = None) -> str:
        """A Lab URL for a path relative to the server's root directory, with the token.

        A named workspace starts empty, so Lab does not reopen (and start kernels for) the
        notebooks an earlier test left open.
        """
        prefix = f"/lab/workspaces/{workspace}" if workspace else "/lab"
        return f"{self.base_url}{prefix}/tree/{path}?token={self.token}"

    def _api(self, method: str, path: str):
        request = urllib.request.Request(f"{self.base_url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_all_kernels(self) -> int:
        """Stop every running kernel (what a student does with 'Shut Down All Kernels'); returns how many."""
        kernels = self._api("GET", "/api/kernels") or []
        for kernel in kernels:
            self._api("DELETE", f"/api/kernels/{kernel['id']}")
        return len(kernels)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings_dir: Path) -> None:
    for relative, values in LAB_SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _wait_until_answers(url: str, proc: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {proc.returncode}; log:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout:.0f} s; log:\n{log_path.read_text()[-3000:]}")


@contextmanager
def running_jupyterlab(root_dir: Path, state_dir: Path, log_path: Path, startup_timeout: float = 90.0):
    """Yield a LabServer serving `root_dir`; the server (and its kernels) stop when the block ends."""
    bin_dir = Path(sys.executable).parent
    jupyter = bin_dir / "jupyter"
    settings_dir = state_dir / "lab-settings"
    _write_settings(settings_dir)
    env = dict(os.environ)
    env.update({
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTER_CONFIG_DIR": str(state_dir / "config"),
        "JUPYTER_DATA_DIR": str(state_dir / "data"),
        "JUPYTER_RUNTIME_DIR": str(state_dir / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(state_dir / "workspaces"),
        "IPYTHONDIR": str(state_dir / "ipython"),
        "MPLCONFIGDIR": str(state_dir / "matplotlib"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    })
    port, token = free_port(), secrets.token_hex(16)
    cmd = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}", "--allow-root",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root_dir)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answers(f"{base_url}/api/status?token={token}", proc, log_path, startup_timeout)
        yield LabServer(base_url=base_url, token=token, root_dir=root_dir, log_path=log_path)
    finally:
        proc.terminate()            # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
