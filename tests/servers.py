"""Real local servers for tests: Radicale (CalDAV/CardDAV) and a static HTTP server that counts requests.

Both listen on 127.0.0.1 on a free port and stop when the ``with`` block ends.

    with radicale_server(tmp_path, user="alice", password="secret") as url:
        # url == "http://127.0.0.1:PORT/" ; the user's home is url + "alice/"

    with static_server(folder) as server:
        server.url           # "http://127.0.0.1:PORT/"
        server.log           # [(method, path, status, bytes_sent), ...]
        server.count(path="/feed.ics", status=200)
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"radicale exited early with code {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # it answers (401 / 404): it is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"radicale did not come up at {url} within {timeout:.0f} s")


@contextlib.contextmanager
def radicale_server(tmp_path: Path, user: str = "alice", password: str = "secret") -> Iterator[str]:
    """A Radicale server with one htpasswd user; yields its base URL ("http://127.0.0.1:PORT/").

    Skips the test when radicale is not installed.
    """
    pytest.importorskip("radicale")
    root = tmp_path / "radicale"
    root.mkdir(parents=True, exist_ok=True)
    users = root / "users"
    users.write_text(f"{user}:{password}\n", encoding="utf-8")
    port = free_port()
    config = root / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {root / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
        "mask_passwords = True\n",
        encoding="utf-8",
    )
    log = (root / "radicale.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@dataclass
class StaticServer:
    """A running static server: its URL and what it was asked."""

    url: str
    root: Path
    log: list[tuple[str, str, int, int]] = field(default_factory=list)  # method, path, status, body bytes
    fail_with: dict[str, int] = field(default_factory=dict)  # path -> status to answer instead

    def count(self, *, path: str | None = None, status: int | None = None) -> int:
        return sum(
            1 for _, p, s, _ in self.log if (path is None or p == path) and (status is None or s == status)
        )

    def bytes_sent(self, path: str | None = None) -> int:
        return sum(n for _, p, _, n in self.log if path is None or p == path)


def _handler(server: StaticServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            return

        def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            server.log.append((self.command, self.path, status, len(body) if self.command != "HEAD" else 0))

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            path = self.path.split("?", 1)[0]
            if path in server.fail_with:
                self._answer(server.fail_with[path], b"nope")
                return
            file = (server.root / path.lstrip("/")).resolve()
            if server.root.resolve() not in file.parents or not file.is_file():
                self._answer(404, b"not found")
                return
            body = file.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = email.utils.formatdate(int(file.stat().st_mtime), usegmt=True)
            headers = {
                "ETag": etag,
                "Last-Modified": modified,
                "Content-Type": "text/calendar; charset=utf-8",
                "Cache-Control": "no-cache",
            }
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", {"ETag": etag, "Last-Modified": modified})
                return
            self._answer(200, body, headers)

        do_HEAD = do_GET

    return Handler


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[StaticServer]:
    """Serve the files of ``root`` with ETag / Last-Modified and 304s; yields a StaticServer."""
    port = free_port()
    state = StaticServer(url=f"http://127.0.0.1:{port}/", root=root)
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
