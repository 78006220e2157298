"""The pytest fixture for the local GitHub stand-in (`autograder.localgit.GitServer`)."""

import pytest

from autograder.localgit import GitServer, Repo, config_env  # noqa: F401  (re-exported for tests)


@pytest.fixture(scope="module")
def git_server(tmp_path_factory):
    """A running GitServer, shared by the tests of one module."""
    with GitServer(tmp_path_factory.mktemp("gitserver")) as server:
        yield server
