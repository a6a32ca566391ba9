"""The HTML digest: autoescaped, self-contained, and checked in a real headless Chromium."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dinnerbot.errors import TemplateError
from dinnerbot.html import candidate_map, render_html

sys.path.insert(0, str(Path(__file__).parent / "data" / "messages"))
from digest_samples import DRESDEN, EVIL, candidates, sample_city, sample_plan  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)
ESCAPED_EVIL = "&lt;script&gt;alert(1)&lt;/script&gt;"


# ------------------------------------------------------------------ the page itself


def test_plan_page_shows_trips_evenings_call_lists_messages_and_links() -> None:
    page = render_html(sample_plan())
    assert page.startswith("<!doctype html>")
    assert "Dresden, DE" in page and "London, GB" in page
    assert "Wed 2 Dec 2026" in page and "Fri 4 Dec 2026" in page
    assert "Busy: Kundenessen &lt;Acme&gt;" in page
    assert "ask by Mon 30 Nov, 12:00" in page
    assert "Dr. Anna Weber" in page and "backup" in page
    assert "Guten Tag Frau Dr. Weber, hier ist Jan Müller." in page  # call script
    assert 'href="tel:+491712345678"' in page
    assert 'href="https://wa.me/491712345678?text=' in page
    assert 'href="mailto:anna@example.org?subject=' in page and "&amp;body=" in page
    assert page.count("<svg") == 1  # one map for the trip with candidates, none for London
    assert "tentative" in page


def test_an_ambiguous_trip_place_is_noted_on_the_page() -> None:
    from dataclasses import replace

    plan = sample_plan()
    assert "also means" not in render_html(plan)
    tp = plan.trips[0]
    other = replace(plan, trips=(replace(tp, trip=replace(tp.trip, alternatives=("Dresden (Ohio), US",))),))
    assert "place name also means Dresden (Ohio), US." in render_html(other)


def test_untrusted_text_is_escaped_and_page_is_self_contained() -> None:
    page = render_html(sample_plan())
    assert EVIL not in page
    assert ESCAPED_EVIL in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.replace('href="https://wa.me/', ""))
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # CSP: no request, no script, even if something slipped through


def test_city_page_without_evening_and_map_geometry() -> None:
    page = render_html(sample_city(None))
    assert "Dinner in Dresden, DE" in page and "in the coming days" in page and "within 25 km" in page
    assert "ambiguous" not in page
    from dataclasses import replace

    other = replace(sample_city(None), alternatives=("Dresden (Ohio), US", "Dresden <b>(Ontario)</b>, CA"))
    page = render_html(other)
    assert "it also means Dresden (Ohio), US" in page and "&lt;b&gt;(Ontario)&lt;/b&gt;" in page
    view = candidate_map(DRESDEN, candidates(), 25.0)
    assert [p.label for p in view.points] == ["1", "2", "3"]
    half = view.size / 2
    anna, evil, kim = view.points
    assert abs(anna.x - half) < 10 and abs(anna.y - half) < 10  # 1.3 km: next to the centre
    assert evil.x < half and evil.y < half  # Radebeul lies north-west of Dresden
    assert kim.x > half and kim.y > half  # Pirna lies south-east
    for p in view.points:
        assert ((p.x - half) ** 2 + (p.y - half) ** 2) ** 0.5 <= view.radius_px


def test_user_can_override_the_digest_template(tmp_path: Path) -> None:
    (tmp_path / "digest.html.j2").write_text('{% extends "default:digest.html.j2" %}\n', encoding="utf-8")
    assert "Dr. Anna Weber" in render_html(sample_city(), templates_dir=tmp_path)
    (tmp_path / "digest.html.j2").write_text("<h1>{{ title }</h1>\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"digest\.html\.j2:1"):
        render_html(sample_city(), templates_dir=tmp_path)


# ------------------------------------------------------------------ headless Chromium


@dataclass
class Server:
    url: str
    root: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "site"
    root.mkdir()
    seen: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            seen.append(f"{self.command} {self.path}")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", root, seen)
    finally:
        httpd.shutdown()
        httpd.server_close()


def chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_facts(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the image data) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@needs_chromium
def test_harness_notices_console_errors_and_extra_requests(server: Server, tmp_path: Path) -> None:
    """The control: a page that logs an error and loads an image is caught, so a pass means something."""
    (server.root / "bad.html").write_text(
        '<!doctype html><title>bad</title><script>console.error("boom")</script><img src="/pixel.png">',
        encoding="utf-8",
    )
    result = chromium(tmp_path, f"{server.url}/bad.html", "--dump-dom")
    assert any("boom" in line for line in console_lines(result.stderr)), result.stderr[-2000:]
    assert "GET /pixel.png" in server.requests  # (and perhaps /favicon.ico: this page declares no icon)


@needs_chromium
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("kind", ["plan", "city"])
def test_digest_in_headless_chromium(server: Server, tmp_path: Path, width: int, kind: str) -> None:
    page = render_html(sample_plan() if kind == "plan" else sample_city())
    (server.root / "digest.html").write_text(page, encoding="utf-8")
    url = f"{server.url}/digest.html"

    shot = tmp_path / f"{kind}-{width}.png"
    result = chromium(
        tmp_path, url, f"--window-size={width},1600", "--hide-scrollbars", f"--screenshot={shot}"
    )
    assert shot.is_file() and shot.stat().st_size > 5000, result.stderr[-2000:]
    png_width, png_height, distinct = png_facts(shot)
    assert (png_width, png_height) == (width, 1600)
    assert distinct > 20  # not a blank page
    assert console_lines(result.stderr) == []
    assert server.requests == ["GET /digest.html"]  # the page itself, nothing else: no font, image, icon

    dom = chromium(tmp_path, url, f"--window-size={width},1600", "--dump-dom")
    assert console_lines(dom.stderr) == []
    assert server.requests == ["GET /digest.html", "GET /digest.html"]
    assert ESCAPED_EVIL in dom.stdout  # the contact's name is text in the DOM ...
    assert "<script" not in dom.stdout.lower()  # ... and never became an element
    assert "Dr. Anna Weber" in dom.stdout and "<svg" in dom.stdout
    if kind == "city":
        assert date(2026, 12, 3).strftime("%a %-d %b %Y") in dom.stdout


# ------------------------------------------------------------------ the DevTools protocol, over a pipe


class DevTools:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3 in, fd 4 out)."""

    def __init__(self, tmp_path: Path) -> None:
        import fcntl

        def high(fd: int) -> int:  # out of the way of 3 and 4, close-on-exec in the parent
            new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
            os.close(fd)
            return new

        read_cmd, self._write = (high(fd) for fd in os.pipe())
        self._read, write_res = (high(fd) for fd in os.pipe())

        def wire() -> None:
            os.dup2(read_cmd, 3)
            os.dup2(write_res, 4)

        assert CHROMIUM is not None
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={tmp_path / 'cdp-profile'}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=wire,  # the pipe must sit on fds 3 and 4
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(read_cmd)
        os.close(write_res)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def _receive(self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" not in message:
                    self.events.append(message)
                if wanted(message):
                    return message
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._read], [], [], 1)
            if ready:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise EOFError("Chromium closed the pipe")
                self._buffer += chunk

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        answer = self._receive(lambda m, n=self._next: m.get("id") == n)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def open(self, url: str, width: int, height: int) -> str:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session: str = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", session=session)
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
        self.call("Emulation.setDeviceMetricsOverride", metrics, session=session)
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=session)
        self._receive(lambda m: m.get("method") == "Page.loadEventFired")
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        return result["result"].get("value")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)


def complaints(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            out.append(str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            out.append(str(params.get("args")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            out.append(str(params["entry"].get("text")))
    return out


@needs_chromium
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_digest_fits_the_screen_and_loads_nothing_else(
    server: Server, tmp_path: Path, width: int, height: int
) -> None:
    (server.root / "digest.html").write_text(render_html(sample_plan()), encoding="utf-8")
    browser = DevTools(tmp_path)
    try:
        session = browser.open(f"{server.url}/digest.html", width, height)
        requests = [
            e["params"]["request"]["url"]
            for e in browser.events
            if e["method"] == "Network.requestWillBeSent"
        ]
        assert requests == [f"{server.url}/digest.html"]
        assert browser.evaluate(session, "document.scripts.length") == 0
        names = browser.evaluate(session, "[...document.querySelectorAll('.name')].map(e => e.textContent)")
        assert EVIL in names  # shown as text
        # open every message and check nothing sticks out sideways (no horizontal scrolling on a phone)
        browser.evaluate(session, "document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll_width = browser.evaluate(session, "document.documentElement.scrollWidth")
        assert scroll_width <= width
        assert browser.evaluate(session, "document.body.innerText.includes('Sehr geehrte Frau Dr. Weber,')")
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session)
        assert len(base64.b64decode(shot["data"])) > 5000
        assert complaints(browser.events) == []
    finally:
        browser.close()
    assert server.requests == ["GET /digest.html"]


@needs_chromium
def test_devtools_harness_notices_errors_requests_and_overflow(server: Server, tmp_path: Path) -> None:
    """The control for the test above: a bad page is caught on all three counts."""
    (server.root / "bad.html").write_text(
        '<!doctype html><title>bad</title><div style="width:900px">wide</div>'
        '<script>console.error("boom")</script><img src="/pixel.png">',
        encoding="utf-8",
    )
    browser = DevTools(tmp_path)
    try:
        session = browser.open(f"{server.url}/bad.html", 390, 844)
        assert browser.evaluate(session, "document.documentElement.scrollWidth") > 390
        found = complaints(browser.events)
        assert any("boom" in text for text in found), found
        requests = {
            e["params"]["request"]["url"]
            for e in browser.events
            if e["method"] == "Network.requestWillBeSent"
        }
        assert f"{server.url}/pixel.png" in requests  # (Chromium may also ask for /favicon.ico here)
    finally:
        browser.close()
