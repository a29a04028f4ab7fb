"""Drive DigitLab in headless Chromium: start the app, draw strokes, read the prediction.

Shared by the browser tests and the benchmarks. Needs Playwright's Python package and a Chromium
binary (Debian's `chromium`; Playwright's own browser download is not needed).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO
from urllib.parse import urlsplit

import psutil

from digitlab.config import ROOT_DIR

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PREDICTION_SELECTOR = ".st-key-prediction"
# What Streamlit shows for an exception in the script, or an st.error box.
ERROR_SELECTOR = "[data-testid='stException'], [data-testid='stAlertContentError']"
SERVER_START_TIMEOUT = 60.0
# How much of the end of a server's output `server_log_tails` reads: many times the lines it keeps.
LOG_TAIL_BYTES = 64 * 1024
# The output file of each app server `running_app` runs now, by process id.
RUNNING_LOGS: dict[int, IO[str]] = {}


def chromium_path() -> str:
    """Path of the Chromium binary: $CHROMIUM_PATH, else the first chromium on PATH."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise FileNotFoundError("Chromium not found: install it (`apt-get install chromium`) or set CHROMIUM_PATH")
    return path


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(
    script: str = "app.py", port: int | None = None, env: dict | None = None, options: Sequence[str] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `streamlit run script` on localhost (with more command-line `options`), on `port` or, where none is
    given, on a port the system picks as the server listens (one chosen beforehand could be taken in between by
    another server, whose app the caller would then use); yields (url, process) once the server is healthy."""
    process, log = start_app(script, port or 0, env, options)
    RUNNING_LOGS[process.pid] = log
    try:
        url = f"http://127.0.0.1:{wait_until_healthy(process, log, port or None)}"
        yield url, process
    finally:
        del RUNNING_LOGS[process.pid]
        stop_app(process, log)


def server_log_tails(lines: int = 40) -> dict[int, str]:
    """The last `lines` lines that each app server running now has written, by process id; a server whose output
    cannot be read (it is stopping) is left out."""
    tails = {}
    for pid, log in list(RUNNING_LOGS.items()):
        try:
            # The server writes through the same file offset: read at a position, leaving it where the server writes.
            size = os.fstat(log.fileno()).st_size
            start = max(0, size - LOG_TAIL_BYTES)
            text = os.pread(log.fileno(), size - start, start).decode(errors="replace")
        except (OSError, ValueError):
            continue
        tails[pid] = "".join(text.splitlines(keepends=True)[-lines:])
    return tails


def start_app(script: str, port: int, env: dict | None, options: Sequence[str]) -> tuple[subprocess.Popen, IO[str]]:
    """`streamlit run script` on localhost:`port`, started; its output goes to the returned file."""
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.serverAddress", "localhost",
        "--server.fileWatcherType", "none", *options,
    ]  # fmt: skip
    # The server's output goes to a file, not a pipe: nobody reads a pipe while the app runs, and a server
    # that logs more than the pipe holds would block in the middle of a session.
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        command, cwd=ROOT_DIR, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    return process, log


def stop_app(process: subprocess.Popen, log: IO[str]) -> None:
    """Stop the app's server, killing it if it does not stop within 10 s, and close its log."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def wait_until_healthy(
    process: subprocess.Popen, log: IO[str], port: int | None = None, timeout: float = SERVER_START_TIMEOUT
) -> int:
    """Block until the Streamlit server `process` listens (on `port`, where given) and answers its health check
    there; returns its port. Raise, with its output in `log`, if it dies or times out."""
    deadline = time.monotonic() + timeout
    listening: set[int] = set()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"streamlit exited early:\n{log.read()}")
        # A process that exits after poll() is not reaped yet: it lists no sockets, and the next poll() sees it.
        listening = listening_ports(process)
        if listening and (port is None or port in listening):
            found = port or min(listening)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{found}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return found
            except OSError:
                pass
        time.sleep(0.2)
    log.seek(0)
    where = f"on port {port}" if port else "on any port"
    raise TimeoutError(
        f"streamlit did not answer {where} within {timeout:.0f} s (listening on {sorted(listening)}):\n{log.read()}"
    )


def listening_ports(process: subprocess.Popen) -> set[int]:
    """The TCP ports `process` listens on."""
    connections = psutil.Process(process.pid).net_connections(kind="tcp")
    return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium browser driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def drawing_surface(page, timeout_ms: float = 60_000):
    """The canvas element that receives the pen (Fabric's upper canvas), once the component is ready.

    The toolbar appears after the pen handlers are attached: a stroke drawn before that is lost.
    """
    page.get_by_role("button", name="Undo").wait_for(timeout=timeout_ms)
    canvas = page.locator("canvas.upper-canvas")
    canvas.wait_for(timeout=timeout_ms)
    return canvas


def draw_stroke(page, points: Sequence[tuple[float, float]], steps: int = 6) -> None:
    """Draw one stroke with the mouse through `points`, given in canvas pixels (a canvas shown smaller than it is,
    to fit a narrow screen, is drawn on at its displayed size)."""
    surface = drawing_surface(page)
    box = surface.bounding_box()
    x0, y0, scale = box["x"], box["y"], box["width"] / surface.evaluate("canvas => canvas.width")
    page.mouse.move(x0 + points[0][0] * scale, y0 + points[0][1] * scale)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x0 + x * scale, y0 + y * scale, steps=steps)
    page.mouse.up()


async def draw_stroke_async(page, canvas, points: Sequence[tuple[float, float]], steps: int = 6) -> None:
    """`draw_stroke` for Playwright's async API, on the `canvas` locator (a canvas shown at its own size)."""
    box = await canvas.bounding_box()
    await page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    await page.mouse.down()
    for x, y in points[1:]:
        await page.mouse.move(box["x"] + x, box["y"] + y, steps=steps)
    await page.mouse.up()


# A phone in portrait, for the student page of classroom mode: Playwright context options.
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
# The screens people see the app on, as Playwright context options: a laptop, a classroom projector, a phone.
SCREENS = {
    "laptop": {"viewport": {"width": 1280, "height": 800}},
    "projector": {"viewport": {"width": 1920, "height": 1080}},
    "phone": {**PHONE, "viewport": {"width": 390, "height": 844}},
}
# Touch moves between two points of a stroke, as a finger's path is sampled.
TOUCH_STEPS = 4
# After a stroke, long enough for a scroll it started to show.
TOUCH_SETTLE_MS = 300


def touch_events(points: Sequence[tuple[float, float]], origin: tuple[float, float], scale: float = 1.0) -> list[dict]:
    """The Chrome DevTools touch events of one finger stroke through `points` (pixels from `origin`, shown `scale`
    times their size)."""
    path = [(origin[0] + x * scale, origin[1] + y * scale) for x, y in points]
    events = [{"type": "touchStart", "touchPoints": [{"x": path[0][0], "y": path[0][1]}]}]
    for (x0, y0), (x1, y1) in zip(path, path[1:], strict=False):
        for step in range(1, TOUCH_STEPS + 1):
            share = step / TOUCH_STEPS
            point = {"x": x0 + (x1 - x0) * share, "y": y0 + (y1 - y0) * share}
            events.append({"type": "touchMove", "touchPoints": [point]})
    return events + [{"type": "touchEnd", "touchPoints": []}]


def touch_stroke(page, points: Sequence[tuple[float, float]], element=None) -> None:
    """Draw one stroke with a finger through `points`, in pixels of `element`, or by default in canvas pixels of the
    drawing canvas (drawn on at its displayed size, as `draw_stroke` does)."""
    if element is None:
        element = drawing_surface(page)
        scale = element.bounding_box()["width"] / element.evaluate("canvas => canvas.width")
    else:
        scale = 1.0
    box = element.bounding_box()
    session = page.context.new_cdp_session(page)
    for event in touch_events(points, (box["x"], box["y"]), scale):
        session.send("Input.dispatchTouchEvent", event)
    session.detach()
    page.wait_for_timeout(TOUCH_SETTLE_MS)


def scroll_offset(page) -> float:
    """How far the page has scrolled: the window and every scrolled element inside it, added up."""
    return page.evaluate(
        "() => window.scrollY + [...document.querySelectorAll('*')].reduce((sum, e) => sum + e.scrollTop, 0)"
    )


def prediction_text(page, timeout_ms: float = 30_000) -> str:
    """The text of the prediction container, waiting for it to appear."""
    container = page.locator(PREDICTION_SELECTOR)
    container.wait_for(timeout=timeout_ms)
    return container.inner_text()


def predicted_digit(text: str) -> int | None:
    """The first digit in the prediction container's text, as our checks read it."""
    match = re.search(r"\d", text)
    return int(match.group()) if match else None


def wait_for_new_prediction(page, previous: str, timeout_ms: float = 30_000) -> str:
    """Wait until the prediction text differs from `previous` and no rerun is pending; returns it."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        container = page.locator(PREDICTION_SELECTOR)
        if container.count():
            text = container.inner_text()
            if text != previous:
                return text
        page.wait_for_timeout(10)
    raise TimeoutError("no new prediction appeared")


def choose_model(page, label: str, timeout_ms: float = 30_000) -> None:
    """Pick a model by its title in the sidebar's model selector, and wait until the page has rerun with it."""
    selector = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    selector.click()
    page.get_by_role("option", name=label).click()
    field = selector.get_by_role("combobox")  # the selectbox shows its value in a text input
    deadline = time.monotonic() + timeout_ms / 1000
    while field.input_value() != label:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the model selector did not switch to {label!r}")
        page.wait_for_timeout(50)
    wait_until_idle(page, timeout_ms)


# The app when its script is not running: the page holds only what the last run sent.
IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_until_idle(page, timeout_ms: float = 60_000) -> None:
    """Wait until the app's script has finished running, every element it sent is drawn and every image on the page
    has loaded."""
    page.wait_for_timeout(200)  # let a rerun triggered just now start
    page.locator(IDLE_SELECTOR).wait_for(timeout=timeout_ms)
    # Streamlit loads an element's code the first time a page shows one of its kind (an image, a chart), and shows a
    # skeleton in its place until then: after the script has finished, so a page can be idle with pictures to come.
    page.wait_for_function(
        """() => !document.querySelector('[data-testid=stSkeleton]')
            && [...document.images].every(image => image.complete && image.naturalWidth)""",
        timeout=timeout_ms,
    )


def page_errors(page) -> list[str]:
    """Texts of Streamlit exception and error boxes shown on the page."""
    return page.locator(ERROR_SELECTOR).all_inner_texts()


# Strokes of a few digits in a 280x280 canvas, drawn the way a person would.
DIGIT_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    1: [[(150, 50), (150, 120), (148, 180), (146, 235)]],
    7: [[(80, 60), (140, 58), (205, 60), (185, 110), (160, 165), (135, 230)]],
    0: [[(140, 50), (100, 70), (85, 140), (100, 210), (140, 230), (180, 210), (195, 140), (180, 70), (140, 50)]],
}


def draw_digit(page, digit: int, touch: bool = False) -> None:
    """Draw `digit` of DIGIT_STROKES on the page's canvas with the mouse, or with a finger where `touch`."""
    for stroke in DIGIT_STROKES[digit]:
        (touch_stroke if touch else draw_stroke)(page, stroke)


def number_strokes(digits: str, pitch: float = 150, scale: float = 0.8) -> list[list[tuple[float, float]]]:
    """The strokes of `digits` (each one of DIGIT_STROKES) written in a row, `pitch` canvas pixels apart and shrunk
    by `scale`: a number for the Write a number page's canvas."""
    return [
        [(x * scale + index * pitch, y * scale) for x, y in stroke]
        for index, digit in enumerate(digits)
        for stroke in DIGIT_STROKES[int(digit)]
    ]


def open_from_menu(page, path: str, timeout_ms: float = 120_000) -> None:
    """Open the app's page at `path` (what follows the app's address; "" for the draw page) through the menu, as a
    click on it does: in the same session, so a drawing carries over. Works with the menu folded away (a phone)."""
    page.locator(f"[data-testid=stSidebarNavLink][href$='/{path}']").dispatch_event("click")
    page.wait_for_url(lambda url: urlsplit(url).path.endswith(f"/{path}"), timeout=timeout_ms)  # a ?lang= may follow
    wait_until_idle(page, timeout_ms)
