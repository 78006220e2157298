"""Turn a link as a student pastes it into what git needs: a clone URL, and maybe a ref and a path.

Every GitHub-hosted form names the same few things (owner, repository, ref, path, or a gist id),
so each is mapped to `https://github.com/<owner>/<repo>.git` or `https://gist.github.com/<id>.git`
and git does the fetching. The URL keeps its github.com form on purpose: git's own
`url.<base>.insteadOf` can then redirect it (tests point it at a local server).

A ref in `/blob/<ref>/<path>` may itself contain slashes (`feature/x`), which only the remote's
list of refs can settle, so a `Target` keeps the words after `blob/` or `tree/` unsplit
(`ref_path`) for `fetch.resolve_ref` to split.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

GITHUB = "https://github.com/"
GIST = "https://gist.github.com/"

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_GIST_ID = re.compile(r"^[0-9a-fA-F]{5,64}$|^[A-Za-z0-9]{20,40}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_SHORT_SHA = re.compile(r"^[0-9a-f]{7,40}$")


class BadLink(ValueError):
    """The text is not a link this tool can fetch; the message says what to paste instead."""


@dataclass(frozen=True)
class Target:
    """What one link asks for.

    kind:      "repo" or "gist"
    clone_url: https://github.com/<owner>/<repo>.git or https://gist.github.com/<id>.git
    ref_path:  the path words after blob/tree/raw (ref first, then path), undecided split
    ref:       a ref known without asking the remote (a gist raw revision, a commit id), or None
    path:      a file or folder inside the repository when `ref` is known, else None
    names_file: the link names one file (blob/raw links) rather than a repository or folder
    file_hint: a gist `#file-...` anchor, to choose among a gist's files
    pull:      a pull-request number (`/pull/N` links): its head, `refs/pull/N/head`, is collected
    """

    kind: str
    clone_url: str
    ref_path: tuple[str, ...] = ()
    ref: str | None = None
    path: str | None = None
    names_file: bool = False
    file_hint: str | None = None
    pull: int | None = None
    display: str = field(default="", compare=False)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", (text or "").strip().strip("<>\"'`").strip())
    # Markdown links "[my homework](https://...)" are pasted surprisingly often.
    md = re.fullmatch(r"\[[^\]]*\]\((.+)\)", text)
    return md.group(1).strip() if md else text


def _repo_name(name: str) -> str:
    name = name[:-4] if name.endswith(".git") else name
    if not _NAME.match(name) or name in {".", ".."}:
        raise BadLink(f"'{name}' is not a valid GitHub repository name")
    return name


def _owner(owner: str) -> str:
    if not _NAME.match(owner) or owner in {".", ".."}:
        raise BadLink(f"'{owner}' is not a valid GitHub user name")
    return owner


def _segments(path: str) -> list[str]:
    parts = [unquote(p) for p in path.split("/") if p]
    for part in parts:
        if part in {".", ".."} or "\x00" in part:
            raise BadLink("the link contains '.' or '..' path parts")
    return parts


def _github(owner: str, repo: str, rest: list[str], display: str) -> Target:
    url = f"{GITHUB}{_owner(owner)}/{_repo_name(repo)}.git"
    if not rest:
        return Target("repo", url, display=display)
    kind, words = rest[0], tuple(rest[1:])
    if kind in {"blob", "raw", "tree", "edit"} and words:
        return Target("repo", url, ref_path=words, names_file=kind != "tree", display=display)
    if kind == "commit" and words and _SHORT_SHA.match(words[0].lower()):
        # a full id is fetched as is; a short one is resolved in the clone (fetch.resolve_ref)
        if _SHA.match(words[0].lower()):
            return Target("repo", url, ref=words[0].lower(), display=display)
        return Target("repo", url, ref_path=(words[0].lower(),), display=display)
    if kind in {"pull", "pulls"} and words and words[0].isdigit():
        return Target("repo", url, pull=int(words[0]), display=display)
    # /issues, /actions, /pulls...: the repository itself is still meant.
    return Target("repo", url, display=display)


def _gist(user_and_rest: list[str], display: str, fragment: str = "") -> Target:
    # gist.github.com/<user>/<id>[/<rev>] or gist.github.com/<id>
    parts = [p[:-4] if p.endswith(".git") else p for p in user_and_rest if p]
    if len(parts) >= 2 and _GIST_ID.match(parts[1]):
        gid, after = parts[1], parts[2:]
    elif parts and _GIST_ID.match(parts[0]):
        gid, after = parts[0], parts[1:]
    else:
        raise BadLink("the gist link has no gist id")
    ref = after[0].lower() if after and _SHA.match(after[0].lower()) else None
    hint = fragment[len("file-"):] if fragment.startswith("file-") else None
    return Target("gist", f"{GIST}{gid}.git", ref=ref, file_hint=hint, display=display)


def parse_link(text: str) -> Target:
    """Parse one pasted link; raise BadLink with a reason a student can act on."""
    raw = _clean(text)
    if not raw:
        raise BadLink("no link was given")
    ssh = re.fullmatch(r"(?:ssh://)?git@github\.com[:/]([^/]+)/([^/]+?)/?", raw)
    if ssh:
        return _github(ssh.group(1), ssh.group(2), [], raw)
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", raw):
        raw_with_scheme = "https://" + raw
    else:
        raw_with_scheme = raw
    try:
        parts = urlsplit(raw_with_scheme)
    except ValueError as exc:
        raise BadLink(f"this is not a web address ({exc})") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise BadLink(f"links must start with https:// (got {parts.scheme}://)")
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    words = _segments(parts.path)
    fragment = unquote(parts.fragment or "")

    if host == "github.com":
        if len(words) < 2:
            raise BadLink("this GitHub link names no repository; paste the link of the repository or the notebook")
        return _github(words[0], words[1], words[2:], raw)
    if host == "raw.githubusercontent.com":
        # raw.githubusercontent.com/<owner>/<repo>/<ref...>/<path...> (also .../refs/heads/<ref>/...)
        if len(words) < 4:
            raise BadLink("this raw link names no file")
        rest = words[2:]
        if rest[:2] == ["refs", "heads"] or rest[:2] == ["refs", "tags"]:
            rest = rest[2:]
        url = f"{GITHUB}{_owner(words[0])}/{_repo_name(words[1])}.git"
        return Target("repo", url, ref_path=tuple(rest), names_file=True, display=raw)
    if host == "gist.github.com":
        return _gist(words, raw, fragment)
    if host == "gist.githubusercontent.com":
        # gist.githubusercontent.com/<user>/<id>/raw[/<rev>]/<file>
        if "raw" not in words:
            raise BadLink("this raw gist link names no file")
        i = words.index("raw")
        target = _gist(words[:i], raw)
        after = words[i + 1:]
        ref = after[0].lower() if len(after) > 1 and _SHA.match(after[0].lower()) else None
        path = after[-1] if after else None
        return Target("gist", target.clone_url, ref=ref, path=path, names_file=path is not None, display=raw)
    if host in {"nbviewer.org", "nbviewer.jupyter.org"}:
        if words[:1] == ["github"] and len(words) >= 3:
            return _github(words[1], words[2], words[3:], raw)
        if words[:1] == ["gist"]:
            return _gist(words[1:], raw, fragment)
        if words[:1] == ["urls"]:
            return parse_link("https://" + "/".join(words[1:]))
        raise BadLink("this nbviewer link does not point at GitHub or a gist")
    if host == "colab.research.google.com":
        if words[:1] == ["github"] and len(words) >= 3:
            return _github(words[1], words[2], words[3:], raw)
        if words[:1] == ["gist"]:
            return _gist(words[1:], raw, fragment)
        if words[:1] == ["drive"]:
            raise BadLink("this is a Colab notebook in Google Drive; save a copy to GitHub "
                          "(File > Save a copy in GitHub) and paste that link")
        raise BadLink("this Colab link does not point at GitHub or a gist")
    raise BadLink(f"'{host or raw}' is not GitHub; upload the notebook to GitHub and paste its link")
