"""The conda environment, the Python project and the lock file pin the same versions; the system
packages `make setup` installs are there."""

import os
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml


def _pins(lines):
    """name -> (version, environment marker or ''): `name==version` with an optional `; marker`."""
    pins = {}
    for line in lines:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(?:;\s*(.+?))?\s*", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = (m.group(2), m.group(3) or "")
    return pins


def _applies(marker: str) -> bool:
    from packaging.markers import Marker

    return not marker or Marker(marker).evaluate()


def test_environment_yml_matches_pyproject(repo):
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"]) + [d for extra in project["optional-dependencies"].values() for d in extra]
    from_pyproject = _pins(declared)
    assert len(from_pyproject) == len(declared), "every dependency in pyproject.toml must be pinned with =="
    env = yaml.safe_load((repo / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    from_conda = _pins(pip_section)
    assert from_conda == from_pyproject
    assert "python=3.11" in env["dependencies"]


def test_lock_file_agrees_with_pyproject(repo):
    lock = _pins((repo / "requirements.lock").read_text().splitlines())
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    declared = _pins(list(project["dependencies"]) + [d for e in project["optional-dependencies"].values() for d in e])
    mismatched = {name: (version, lock.get(name)) for name, version in declared.items() if lock.get(name) != version}
    assert not mismatched, f"pyproject pins not in requirements.lock as (pyproject, lock): {mismatched}"


def test_installed_versions_are_the_pinned_ones(repo):
    from importlib.metadata import version

    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    for name, (pinned, marker) in _pins(project["dependencies"]).items():
        if _applies(marker):
            assert version(name) == pinned, f"{name} {version(name)} is installed, {pinned} is pinned: run `make setup`"


def test_tensorflow_is_the_cpu_build_where_there_is_one(repo):
    """A CPU-only course installs tensorflow-cpu where PyPI has it (Linux x86_64, Windows): the CUDA
    build probes for GPUs and prints 'Could not find cuda drivers' and 'failed call to cuInit' into
    every notebook. Same version, bit-identical histories (measured on the homework solution).
    Elsewhere (macOS, Linux aarch64) the plain tensorflow wheel is already CPU-only. Exactly one
    of the two applies on any machine, and both pins agree on the version."""
    from importlib.metadata import PackageNotFoundError, version

    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    pins = _pins(project["dependencies"])
    (cpu_version, cpu_marker), (tf_version, tf_marker) = pins["tensorflow-cpu"], pins["tensorflow"]
    assert cpu_version == tf_version
    assert _applies(cpu_marker) != _applies(tf_marker), (cpu_marker, tf_marker)
    installed = "tensorflow-cpu" if _applies(cpu_marker) else "tensorflow"
    other = "tensorflow" if installed == "tensorflow-cpu" else "tensorflow-cpu"
    assert version(installed) == cpu_version
    with pytest.raises(PackageNotFoundError):
        version(other)   # both install the same files: never both (make setup removes the other)


@pytest.mark.skipif(os.geteuid() != 0, reason="`make setup` installs system packages only as root")
def test_system_packages_from_make_setup_are_there():
    """bwrap (sandbox), chromium (browser tests), git (collection) and a CJK font, without which
    作業 renders as empty boxes in the browser and in screenshots."""
    for program in ("bwrap", "chromium", "git"):
        assert shutil.which(program), f"{program} missing: run `make setup` as root"
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no CJK font: run `make setup` as root (installs fonts-wqy-microhei)"
