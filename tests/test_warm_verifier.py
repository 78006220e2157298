"""The warm verifier helper: the same verdicts as a fresh verifier, and no way for one job to reach
the next (autograder/verify/warm_verifier.py).

Each test drives a real helper in bubblewrap (its own uid and pid namespace, as root) the way the
worker does: a job folder in the helper's spool, tests.json, the kernel's exports linked in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder.sandbox.bwrap import find_bwrap, job_uid  # noqa: E402
from autograder.sandbox.limits import Limits  # noqa: E402
from autograder.verify import clean_run, snapshot  # noqa: E402
from autograder.verify.warm_verifier import (HelperGone, HelperTimeout, WarmVerifier, link_tree,  # noqa: E402
                                             preload_statements)


def _sandbox() -> dict:
    return {"bwrap": find_bwrap(), "limits": asdict(Limits()), "uid": job_uid()}


@pytest.fixture
def warm():
    helper = WarmVerifier()
    helper.start(readonly=[], sandbox=_sandbox(), secret_env={"COURSE_SECRET": "s3"},
                 preload=["import numpy"], environment=clean_run.verifier_environment({"COURSE_SECRET": "s3"}))
    yield helper
    helper.close()


def _job(warm: WarmVerifier, tests: list[tuple[str, str]], values: dict | None = None) -> Path:
    """A job folder in the helper's spool whose exports hold `values` for every test."""
    source = Path(warm.spool).parent / f"exports-{os.getpid()}-{len(tests)}"
    for grade_id, _ in tests:
        assert snapshot.export(list(values or {"x": 3}), values or {"x": 3}, str(source / "exports" / grade_id),
                               str(source / "models")) == "ok"
    job = warm.job_dir()
    link_tree(source / "exports", job / "exports")
    link_tree(source / "models", job / "models")
    specs = [{"grade_id": gid, "source": src, "export": f"exports/{gid}"} for gid, src in tests]
    (job / "tests.json").write_text(json.dumps(specs))
    return job


def _run(warm: WarmVerifier, job: Path, timeout: float = 120) -> dict:
    code = warm.run(job, timeout)
    assert code == 0, (job / "verifier.log").read_text() if (job / "verifier.log").exists() else code
    return {gid: r["outputs"] for gid, r in json.loads((job / "results.json").read_text()).items()}


def _stdout(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def test_a_child_decides_exactly_as_a_fresh_verifier_does(warm, tmp_path):
    tests = [("t1", "print(x * 2)\nx + 1"), ("t2", "assert x == 4, 'x is not 4'"),
             ("t3", "import os\nprint(os.environ['COURSE_SECRET'])")]
    job = _job(warm, tests)
    warm_results = _run(warm, job)
    cold = tmp_path / "cold"
    link_tree(job, cold)
    (cold / "results.json").unlink()
    env = clean_run.verifier_environment({"COURSE_SECRET": "s3"})
    proc = subprocess.run([sys.executable, "-I", "-m", "autograder.verify.run_tests", str(cold)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    cold_results = {gid: r["outputs"] for gid, r in json.loads((cold / "results.json").read_text()).items()}
    assert warm_results == cold_results
    assert _stdout(warm_results["t1"]) == "6\n" and warm_results["t1"][-1]["data"] == {"text/plain": "4"}
    assert warm_results["t2"][-1]["evalue"] == "x is not 4"
    assert _stdout(warm_results["t3"]) == "s3\n"                 # the course's secret reaches the verifier


def test_nothing_a_job_leaves_behind_reaches_the_next(warm):
    """A job's child (as if test code had been subverted) starts a detached process, plants files
    in the shared /tmp and /dev/shm and changes a module; the next job sees none of it."""
    hostile = (
        "import os, subprocess, keras, numpy\n"
        "subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        "if os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(300)\n    os._exit(0)\n"
        "open('/tmp/planted', 'w').write('x')\nos.makedirs('/tmp/.keras', exist_ok=True)\n"
        "open('/tmp/.keras/keras.json', 'w').write('{}')\nopen('/dev/shm/planted', 'w').write('x')\n"
        "os.chmod('/tmp/.keras', 0)\n"
        "keras.Model.evaluate = lambda *a, **k: [0.0, 1.0]\nnumpy.mean = lambda *a, **k: 1.0\n"
        "print('planted')\n")
    first = _run(warm, _job(warm, [("t1", hostile)]))
    assert _stdout(first["t1"]) == "planted\n", first
    check = ("import os, keras, numpy\n"
             "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid(), os.getppid())]\n"
             "mounts = [line.split()[4] for line in open('/proc/self/mountinfo')]\n"
             "def left(d):  # what is there besides the sandbox's own mount points and the folders above them\n"
             "    return sorted(e for e in os.listdir(d) if not any(m == f'{d}/{e}' or m.startswith(f'{d}/{e}/') for m in mounts))\n"
             "print(others, left('/tmp'), left('/dev/shm'))\n"
             "print(keras.Model.evaluate.__name__, float(numpy.mean([1.0, 3.0])))\n")
    second = _run(warm, _job(warm, [("t1", check)]))
    assert _stdout(second["t1"]) == "[] [] []\nevaluate 2.0\n"


def test_a_child_cannot_trace_or_read_the_helper(warm):
    probe = ("import os\nhelper = os.getppid()\n"
             "try:\n    open(f'/proc/{helper}/mem', 'rb').read(1)\n    print('read')\n"
             "except OSError as e:\n    print('refused', e.errno)\n"
             "print(open(f'/proc/{helper}/status').read().split('Uid:')[1].split()[0] == str(os.getuid()))\n")
    out = _stdout(_run(warm, _job(warm, [("t1", probe)]))["t1"])
    assert out.startswith("refused") and out.endswith("True\n"), out     # same uid, still refused


def test_a_killed_helper_is_reported_and_replaced(warm):
    job = _job(warm, [("t1", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")])
    with pytest.raises(HelperGone):
        warm.run(job, 60)
    warm.start(readonly=[], sandbox=_sandbox(), secret_env={"COURSE_SECRET": "s3"}, preload=["import numpy"],
               environment=clean_run.verifier_environment({"COURSE_SECRET": "s3"}))
    assert _stdout(_run(warm, _job(warm, [("t1", "print(x)")]))["t1"]) == "3\n"


def test_a_job_past_its_time_limit_ends_the_helper(warm):
    job = _job(warm, [("t1", "import time\ntime.sleep(120)")])
    with pytest.raises(HelperTimeout):
        warm.run(job, 5)
    assert warm.spool is None                                   # closed: the next start is a new helper


def test_verify_notebook_falls_back_to_a_fresh_verifier(monkeypatch, tmp_path):
    """HelperGone is never a grade: the notebook is verified the cold way instead."""
    calls = []

    class Gone:
        def job_dir(self):
            path = tmp_path / "spool-job"
            path.mkdir()
            return path

        def run(self, job_dir, timeout):
            calls.append("warm")
            raise HelperGone("simulated")

    def cold(job_dir, tests, **kwargs):
        calls.append("cold" if kwargs.get("warm") is None else "warm-call")
        if kwargs.get("warm") is not None:
            return clean_run.run_verifier.__wrapped__(job_dir, tests, **kwargs)
        return {t["grade_id"]: {"outputs": [], "status": "ran"} for t in tests}

    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("assert x == 3")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t1", "points": 1, "locked": True}
    nb.cells = [cell]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    real = clean_run.run_verifier
    cold.__wrapped__ = real
    monkeypatch.setattr(clean_run, "run_verifier", cold)
    monkeypatch.setattr(clean_run, "test_sources", lambda *a: {"t1": "assert x == 3"})
    clean_run.verify_notebook(path, job_dir=tmp_path / "cold", exports=tmp_path / "ex", models=tmp_path / "m",
                              gradebook_url="", assignment="a", sandbox=None, secret_env={}, warm=Gone())
    assert calls == ["warm-call", "warm", "cold"]
    assert not (tmp_path / "spool-job").exists()                # the spooled job folder is removed


def test_exports_are_linked_in_without_following_what_a_kernel_planted(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "data.json").write_text("{}")
    (src / "private.json").write_text("[]")
    (src / "private.json").chmod(0o600)
    os.mkfifo(src / "fifo")
    os.symlink("/etc/shadow", src / "link")
    link_tree(src, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["link", "private.json", "sub"]     # no FIFO
    assert os.readlink(dest / "link") == "/etc/shadow"          # still a link: resolved in the sandbox only
    assert (dest / "sub" / "data.json").stat().st_ino == (src / "sub" / "data.json").stat().st_ino
    assert (dest / "private.json").stat().st_mode & 0o777 == 0o644     # a copy the verifier's uid can read
    assert (dest / "private.json").read_text() == "[]"


def test_the_helper_preloads_the_test_cells_imports():
    sources = ["from day76.checks import accuracy, plots\nimport numpy as np\nassert 1",
               "import numpy as np\nfrom . import x\nfrom keras import ops\ndef f():\n    import json\n",
               "this is not python"]
    assert preload_statements(sources) == ["from day76.checks import accuracy, plots", "import numpy as np",
                                           "from keras import ops", "import json"]
