"""The warm nbgrader helper: a forked child per job that behaves like a fresh `nbgrader` process.

Each test drives real nbgrader through the helper; the course's `nbgrader_config.py` (which
nbgrader executes in the child) is where the tests look inside the child.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from autograder.grading import worker
from autograder.grading.warm_nbgrader import HelperGone, WarmNbgrader

pytestmark = pytest.mark.slow          # real nbgrader processes, a few seconds each


LIST = ["db", "student", "list"]       # a quick nbgrader command that loads the course config


@pytest.fixture
def warm():
    helper = WarmNbgrader()
    yield helper
    helper.close()


def _env(**extra) -> dict[str, str]:
    return {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": os.environ.get("HOME", "/root"), **extra}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" not in status.read_text()


def test_runs_nbgrader_in_the_given_folder_with_exactly_the_given_environment(warm, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_TEST_WORKER_ONLY", "secret")      # the helper inherits this...
    (tmp_path / "nbgrader_config.py").write_text(
        "import json, os\n"
        "json.dump({'cwd': os.getcwd(), 'env': dict(os.environ)}, open('seen.json', 'w'))\n")
    done = warm.run(LIST, cwd=str(tmp_path), env=_env(JOB_ONLY="yes"),
                    log=str(tmp_path / "log.txt"), timeout=60)
    assert done.returncode == 0 and not done.timed_out
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["cwd"] == str(tmp_path)
    assert seen["env"]["JOB_ONLY"] == "yes"
    assert "AUTOGRADER_TEST_WORKER_ONLY" not in seen["env"]              # ...the job does not
    assert "There are 0 students" in (tmp_path / "log.txt").read_text()  # nbgrader's own output


def test_exit_code_of_a_failing_nbgrader_command_comes_back(warm, tmp_path):
    done = warm.run(["autograde", "no-such-assignment"], cwd=str(tmp_path), env=_env(),
                    log=str(tmp_path / "log.txt"), timeout=60)
    assert done.returncode == 1 and not done.timed_out
    assert "No notebooks were matched" in (tmp_path / "log.txt").read_text()


def test_every_job_starts_from_a_clean_fork(warm, tmp_path):
    """What one job does to the imported modules is gone for the next one. (nbgrader reads the
    config file several times per command: only the first reading in each job must be clean.)"""
    (tmp_path / "nbgrader_config.py").write_text(
        "import json, os, nbgrader\n"
        "with open('seen.jsonl', 'a') as f:\n"
        "    f.write(json.dumps([os.getpid(), hasattr(nbgrader, '_poison')]) + '\\n')\n"
        "nbgrader._poison = True\n")
    for _ in range(2):
        assert warm.run(LIST, cwd=str(tmp_path), env=_env(), log=str(tmp_path / "log.txt"),
                        timeout=60).returncode == 0
    first_reading = {}
    for line in (tmp_path / "seen.jsonl").read_text().splitlines():
        pid, poisoned = json.loads(line)
        first_reading.setdefault(pid, poisoned)
    assert len(first_reading) == 2                       # two jobs, two processes
    assert not any(first_reading.values())


def test_time_limit_kills_the_job_and_everything_it_started(warm, tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "import subprocess, time\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        "open('grandchild.pid', 'w').write(str(child.pid))\n"
        "time.sleep(300)\n")
    start = time.monotonic()
    done = warm.run(LIST, cwd=str(tmp_path), env=_env(), log=str(tmp_path / "log.txt"), timeout=5)
    assert done.timed_out and done.returncode is None
    assert time.monotonic() - start < 60
    grandchild = int((tmp_path / "grandchild.pid").read_text())
    for _ in range(50):
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild)
    # and the helper is still good for the next job
    (tmp_path / "nbgrader_config.py").write_text("")
    assert warm.run(LIST, cwd=str(tmp_path), env=_env(), log=str(tmp_path / "log.txt"),
                    timeout=60).returncode == 0


def test_a_dead_helper_is_reported_then_replaced(warm, tmp_path):
    assert warm.run(LIST, cwd=str(tmp_path), env=_env(), log=str(tmp_path / "log.txt"),
                    timeout=60).returncode == 0
    warm._proc.kill()
    warm._proc.wait()
    # poll() shows it dead: a new helper is started for the next job
    assert warm.run(LIST, cwd=str(tmp_path), env=_env(), log=str(tmp_path / "log.txt"),
                    timeout=60).returncode == 0
    broken = WarmNbgrader(python="/bin/false")
    with pytest.raises(HelperGone):
        broken.run(LIST, cwd=str(tmp_path), env=_env(), log=str(tmp_path / "log.txt"), timeout=60)


def test_worker_falls_back_to_a_fresh_nbgrader_process(tmp_path, monkeypatch):
    monkeypatch.setattr(worker, "_warm_nbgrader", lambda: WarmNbgrader(python="/bin/false"))
    (tmp_path / "nbgrader_config.py").write_text(
        "import os\nopen('pid.txt', 'w').write(str(os.getpid()))\n")
    code = worker._run_autograde(LIST, cwd=tmp_path, env=_env(), log_path=tmp_path / "log.txt",
                                 timeout=60)
    assert code == 0
    assert (tmp_path / "pid.txt").exists()


def test_a_job_does_not_outlive_its_worker(warm, tmp_path):
    """The worker process dies mid-job (its end of the pipe closes): the helper kills the job's
    whole session and exits instead of leaving it running unwatched."""
    (tmp_path / "nbgrader_config.py").write_text(
        "import subprocess, time\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        "open('grandchild.pid', 'w').write(str(child.pid))\n"
        "time.sleep(300)\n")
    helper = warm._helper()
    request = {"argv": LIST, "cwd": str(tmp_path), "env": _env(), "log": str(tmp_path / "log.txt")}
    helper.stdin.write((json.dumps(request) + "\n").encode())
    helper.stdin.flush()
    job = warm._read(60)["pid"]
    for _ in range(100):
        if (tmp_path / "grandchild.pid").exists() and (tmp_path / "grandchild.pid").read_text():
            break
        time.sleep(0.1)
    grandchild = int((tmp_path / "grandchild.pid").read_text())
    helper.stdin.close()
    assert helper.wait(timeout=30) == 0
    for _ in range(50):
        if not _alive(grandchild) and not _alive(job):
            break
        time.sleep(0.1)
    assert not _alive(job) and not _alive(grandchild)
