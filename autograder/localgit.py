"""A local stand-in for GitHub: git's smart-HTTP backend on loopback, for tests and the demo.

Real `git` talks to it exactly as it talks to GitHub. Repositories live under
`<root>/github/<owner>/<repo>.git` and gists under `<root>/gist/<id>.git`; `git_config()` gives the
`url.<base>.insteadOf` settings that point `https://github.com/` and `https://gist.github.com/` here,
for `git -c` / `GIT_CONFIG_*` environment variables. The server can also play the parts GitHub
plays for bad links: a repository that does not exist answers 404, a private one answers 401
unless the right token is sent, and a slow one hangs (to exercise time limits).

Use it as a plain helper (`with GitServer(tmp) as server: ...`); the tests' fixture `git_server`
lives in tests/gitserver.py. The demo serves its example students' repositories with it.
"""

from __future__ import annotations

import base64
import gzip
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from autograder.environment import tool_environment

# Identity and clean config for every git command the helper runs itself.
_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Student",
    "GIT_AUTHOR_EMAIL": "student@example.com",
    "GIT_COMMITTER_NAME": "Student",
    "GIT_COMMITTER_EMAIL": "student@example.com",
    "GIT_TERMINAL_PROMPT": "0",
}
# What GitHub allows and our partial clones need: filters and fetching blobs by id.
_SERVER_CONFIG = {
    "uploadpack.allowFilter": "true",
    "uploadpack.allowAnySHA1InWant": "true",
    "http.receivepack": "false",
}


def _git(args: list[str], cwd: Path | None = None, env: dict | None = None) -> str:
    full_env = tool_environment(None, **_GIT_ENV, **(env or {}))
    done = subprocess.run(["git", *args], cwd=cwd, env=full_env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def config_env(config: dict[str, str], base: dict[str, str] | None = None) -> dict[str, str]:
    """`GIT_CONFIG_COUNT/KEY_n/VALUE_n` variables carrying `config`, appended to any in `base`."""
    env = dict(base or {})
    n = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
    for key, value in config.items():
        env[f"GIT_CONFIG_KEY_{n}"] = key
        env[f"GIT_CONFIG_VALUE_{n}"] = value
        n += 1
    env["GIT_CONFIG_COUNT"] = str(n)
    return env


class Repo:
    """A work tree where a test writes files and commits them, then publishes to the server."""

    def __init__(self, work: Path, bare: Path):
        self.work, self.bare = work, bare

    def write(self, path: str, content: str | bytes) -> "Repo":
        target = self.work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)
        return self

    def remove(self, path: str) -> "Repo":
        _git(["rm", "-q", "--", path], cwd=self.work)
        return self

    def symlink(self, path: str, points_to: str) -> "Repo":
        """A symbolic link in the repository (git stores the link, not the file it names)."""
        target = self.work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        os.symlink(points_to, target)
        return self

    def commit(self, message: str = "homework", date: str | None = None, branch: str | None = None,
               amend: bool = False, orphan: bool = False, author_date: str | None = None) -> str:
        """Commit everything and push (force: an amended history replaces the old one on the server).

        `date` (e.g. "2026-11-20T10:00:00+00:00") sets author and committer time; `author_date`
        the author's alone (an amend keeps the author date and takes a new committer date).
        `orphan` starts `branch` with no history (a local repository pushed next to GitHub's own).
        """
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
        if author_date:
            env["GIT_AUTHOR_DATE"] = author_date
        if branch and orphan:
            _git(["checkout", "-q", "--orphan", branch], cwd=self.work)
        elif branch:
            _git(["checkout", "-q", "-B", branch], cwd=self.work)
        _git(["add", "-A"], cwd=self.work)
        _git(["commit", "-q", "--allow-empty", *(["--amend", "--no-edit"] if amend else []), "-m", message],
             cwd=self.work, env=env)
        self.push()
        return self.head()

    def pull_request(self, number: int, commit: str | None = None) -> "Repo":
        """Publish `commit` (default HEAD) as pull request #number's head, `refs/pull/<n>/head`, as GitHub does."""
        _git(["push", "-q", "--force", str(self.bare), f"{commit or self.head()}:refs/pull/{number}/head"],
             cwd=self.work)
        return self

    def checkout(self, branch: str) -> "Repo":
        _git(["checkout", "-q", branch], cwd=self.work)
        return self

    def tag(self, name: str) -> "Repo":
        _git(["tag", name], cwd=self.work)
        self.push()
        return self

    def head(self) -> str:
        return _git(["rev-parse", "HEAD"], cwd=self.work).strip()

    def push(self) -> None:
        _git(["push", "-q", "--force", "--all", str(self.bare)], cwd=self.work)
        _git(["push", "-q", "--force", "--tags", str(self.bare)], cwd=self.work)


class GitServer:
    """git http-backend on 127.0.0.1:<free port>, serving bare repositories under `root`."""

    def __init__(self, root: Path, token: str = "s3cret-token"):
        self.root = Path(root)
        self.token = token
        self.private: set[str] = set()     # URL paths ("github/owner/repo.git") needing the token
        self.slow: dict[str, float] = {}   # URL paths that hang this many seconds before answering
        self.requests: list[tuple[str, str]] = []      # (path, Authorization header or "")
        self.pack_requests: list[str] = []              # paths of requests that asked for objects
        self._httpd: ThreadingHTTPServer | None = None
        (self.root / "github").mkdir(parents=True, exist_ok=True)
        (self.root / "gist").mkdir(parents=True, exist_ok=True)
        (self.root / "work").mkdir(parents=True, exist_ok=True)

    # -- repositories -------------------------------------------------------------------------
    def _new(self, rel: str) -> Repo:
        bare = self.root / rel
        if bare.exists():
            shutil.rmtree(bare)
        work = self.root / "work" / rel.replace("/", "__")
        if work.exists():
            shutil.rmtree(work)
        bare.parent.mkdir(parents=True, exist_ok=True)
        _git(["init", "-q", "--bare", "-b", "main", str(bare)])
        _git(["init", "-q", "-b", "main", str(work)])
        return Repo(work, bare)

    def repo(self, owner: str, name: str, private: bool = False) -> Repo:
        """A GitHub repository https://github.com/<owner>/<name>."""
        rel = f"github/{owner}/{name}.git"
        if private:
            self.private.add(rel)
        return self._new(rel)

    def gist(self, gist_id: str) -> Repo:
        """A gist https://gist.github.com/<user>/<gist_id> (cloned as https://gist.github.com/<id>.git)."""
        return self._new(f"gist/{gist_id}.git")

    def set_default_branch(self, owner: str, name: str, branch: str) -> None:
        """The repository's default branch (what GitHub's HEAD points at)."""
        _git(["symbolic-ref", "HEAD", f"refs/heads/{branch}"], cwd=self.root / "github" / owner / f"{name}.git")

    def delete(self, owner: str, name: str) -> None:
        """The student deleted the repository (GitHub then answers 404)."""
        shutil.rmtree(self.root / "github" / owner / f"{name}.git")

    # -- addresses ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def git_config(self) -> dict[str, str]:
        """git settings that send GitHub and gist URLs here (and allow plain http on loopback)."""
        return {
            f"url.{self.base_url}github/.insteadOf": "https://github.com/",
            f"url.{self.base_url}gist/.insteadOf": "https://gist.github.com/",
            "protocol.http.allow": "always",
        }

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment variables carrying `git_config()`, for a subprocess that runs git."""
        return config_env(self.git_config(), base)

    # -- serving ------------------------------------------------------------------------------
    def start(self) -> "GitServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                # answer in one go, as a real server does: without this, Nagle's algorithm and the
                # client's delayed ACK add ~40 ms to every request with a body (protocol v2 POSTs)
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                self._serve()

            def do_POST(self):
                self._serve()

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().strip().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline().strip():
                                pass
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _reply(self, code: int, body: bytes, headers: dict[str, str] | None = None):
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _serve(self):
                path, _, query = self.path.partition("?")
                auth = self.headers.get("Authorization", "")
                server.requests.append((path, auth))
                body = self._body()
                plain = gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
                if b"command=fetch" in plain or b"0032want " in plain:
                    server.pack_requests.append(path)
                rel = next((r for r in list(server.private) + list(server.slow) if path.startswith("/" + r)), None)
                if rel in server.slow:
                    time.sleep(server.slow[rel])
                if rel in server.private:
                    expected = "Basic " + base64.b64encode(f"x-access-token:{server.token}".encode()).decode()
                    if auth != expected:
                        # GitHub answers 401 for a private repository without credentials.
                        self._reply(401, b"Unauthorized\n", {"WWW-Authenticate": 'Basic realm="GitHub"'})
                        return
                env = {
                    **tool_environment(), **config_env(_SERVER_CONFIG),
                    "GIT_PROJECT_ROOT": str(server.root),
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_CONFIG_GLOBAL": os.devnull,
                    "PATH_INFO": path,
                    "QUERY_STRING": query,
                    "REQUEST_METHOD": self.command,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_ADDR": "127.0.0.1",
                    "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                    "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                }
                done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
                head, _, payload = done.stdout.partition(b"\r\n\r\n")
                if not _:
                    self._reply(500, done.stderr or b"http-backend failed\n")
                    return
                code, headers = 200, {}
                for line in head.decode("latin-1").split("\r\n"):
                    key, _, value = line.partition(":")
                    if key.lower() == "status":
                        code = int(value.strip().split()[0])
                    elif key:
                        headers[key.strip()] = value.strip()
                self._reply(code, payload, headers)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                import sys
                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                    super().handle_error(request, client_address)  # a client we killed on purpose is no error

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "GitServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
