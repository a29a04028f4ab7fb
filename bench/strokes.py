"""The server's work per stroke, and a class drawing at once.

Both apps say which stroke an answer is for (the caption "Your N stroke..."), so a stroke's answer is known to
have arrived even when the prediction's text does not change.

- `server_cpu_per_stroke`: strokes drawn one after another on one canvas in one session (no page loads); the
  server process's CPU time from each stroke to its answer, per stroke.
- `drawing_class`: many sessions (lightweight browser contexts in one Chromium), each drawing a stroke every
  couple of seconds for a while, as a class does; stroke-to-answer times, strokes without an answer, the
  server's peak memory, and the CPU the server and the whole machine used meanwhile.
- `replayed_class`: the same class with the server alone on the machine, as in a classroom, where every person
  draws on a device of their own. A real browser draws a drawing once while its messages to the server are
  recorded; then every session replays them over a websocket of its own, as that browser sent them, and fetches
  the pictures each answer shows, as the browser does. 30 browsers drawing on the server's 2 cores need more CPU
  than the machine has, so `drawing_class` measures them as much as the server.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import urllib.request
from dataclasses import dataclass, field
from functools import partial
from itertools import cycle

import psutil
import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import browser
from digitlab.config import ROOT_DIR

VIEWPORT = {"width": 1280, "height": 900}
RESET_TITLE = "Reset canvas & history"
# A drawing is cleared after this many strokes and started again, as a person does.
STROKES_PER_DRAWING = 4
ANSWER_TIMEOUT_MS = 30_000
LOAD_TIMEOUT_MS = 180_000
# The caption an app shows once it has read the drawing's n-th stroke.
ANSWER_MARK = "Your {count} stroke"
# How often the server's memory is sampled during the class.
MEMORY_SAMPLE_S = 0.5


def server_env(backend: str | None = None) -> dict:
    """The environment the benchmark's servers run in: the repository importable, Keras on `backend`."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT_DIR), os.environ.get("PYTHONPATH")]))}
    return env | ({"KERAS_BACKEND": backend} if backend else {})


def strokes() -> cycle:
    """The browser driver's digit strokes, round and round, each nudged so no two strokes are the same."""
    shapes = [stroke for digit_strokes in browser.DIGIT_STROKES.values() for stroke in digit_strokes]
    return cycle(
        [[(x + dx, y + dy) for x, y in stroke] for dx, dy in ((0, 0), (9, 4), (-7, 6), (5, -8)) for stroke in shapes]
    )


def answer_mark(count: int) -> str:
    return ANSWER_MARK.format(count=count)


@dataclass
class StrokeCost:
    """Server CPU time per stroke (ms) of one session drawing stroke after stroke."""

    cpu_ms: list[float] = field(default_factory=list)


def server_cpu_per_stroke(
    script: str, count: int, backend: str | None = None, options=(), path: str = "", env: dict | None = None
) -> StrokeCost:
    """Start `script`, draw `count` strokes on one canvas of its page at `path` (cleared every STROKES_PER_DRAWING
    strokes, outside the measure) and take the server's CPU time from each stroke until its answer is on the page."""
    cost = StrokeCost()
    with browser.running_app(script, env={**server_env(backend), **(env or {})}, options=options) as (url, process):
        server = psutil.Process(process.pid)
        with browser.chromium() as chromium:
            page = chromium.new_context(viewport=VIEWPORT).new_page()
            page.goto(f"{url}/{path}" if path else url)
            browser.drawing_surface(page, LOAD_TIMEOUT_MS)
            shapes = strokes()
            on_canvas = 0
            for _ in range(count + 1):  # the first stroke warms the server up and is not counted
                before = _cpu_seconds(server.cpu_times())
                on_canvas += 1
                draw_until_answered(page, next(shapes), on_canvas)
                cost.cpu_ms.append(1000 * (_cpu_seconds(server.cpu_times()) - before))
                if on_canvas == STROKES_PER_DRAWING:
                    clear(page, on_canvas)
                    on_canvas = 0
    cost.cpu_ms = cost.cpu_ms[1:]
    return cost


def draw_until_answered(page, points, count: int) -> None:
    """Draw a stroke through `points` and wait until the page shows the answer for its `count` strokes."""
    browser.draw_stroke(page, points)
    page.get_by_text(answer_mark(count)).first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    browser.wait_until_idle(page)


def clear(page, on_canvas: int) -> None:
    """Reset the canvas with its toolbar button and wait until the page has forgotten its `on_canvas` strokes."""
    page.get_by_title(RESET_TITLE).click()
    page.get_by_text(answer_mark(on_canvas)).first.wait_for(state="detached", timeout=ANSWER_TIMEOUT_MS)
    browser.wait_until_idle(page)


@dataclass
class ClassRun:
    """What a class of sessions did: answer times (ms), strokes drawn and answered, errors, peak memory."""

    sessions: int = 0
    answer_ms: list[float] = field(default_factory=list)
    drawn: int = 0
    errors: list[str] = field(default_factory=list)
    peak_rss: int = 0
    # CPU seconds while the class drew, of the server and of the whole machine (the browsers drawing included),
    # and how long it drew: what share of the machine the server needed, and whether the machine was saturated.
    server_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0
    drawing_s: float = 0.0

    @property
    def unanswered(self) -> int:
        return self.drawn - len(self.answer_ms)

    @property
    def strokes_per_second(self) -> float:
        """Strokes drawn per second while the class drew: short of the plan when the people could not keep up."""
        return self.drawn / self.drawing_s if self.drawing_s else 0.0


def drawing_class(
    script: str, sessions: int, seconds: float, interval: float, backend: str | None = None, options=()
) -> ClassRun:
    """Start `script`; `sessions` people each draw a stroke every `interval` seconds for `seconds` seconds."""
    run = ClassRun(sessions=sessions)
    with browser.running_app(script, env=server_env(backend), options=options) as (url, process):
        asyncio.run(_class(url, psutil.Process(process.pid), sessions, seconds, interval, run))
    return run


async def _class(url: str, server, sessions: int, seconds: float, interval: float, run: ClassRun) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=browser.chromium_path(), args=browser.CHROMIUM_FLAGS
        )
        pages = await asyncio.gather(*(_open(chromium, url, run) for _ in range(sessions)))
        await _measured(
            server, run, interval,
            lambda start: [_draw(page, start + _offset(index, interval), seconds, interval, run)
                           for index, page in enumerate(pages) if page is not None],
        )  # fmt: skip
        await chromium.close()


async def _measured(server, run: ClassRun, interval: float, people) -> None:
    """Run the coroutines `people(start)` gives, each person starting within `interval` of `start`; meanwhile take
    the server's peak memory, and the CPU time the server and the whole machine used."""
    watching = asyncio.create_task(_watch_memory(server, run))
    start = time.perf_counter() + interval
    server_before, machine_before = _cpu_seconds(server.cpu_times()), _cpu_seconds(psutil.cpu_times())
    await asyncio.gather(*people(start))
    run.drawing_s = time.perf_counter() - start + interval
    run.server_cpu_s = _cpu_seconds(server.cpu_times()) - server_before
    run.machine_cpu_s = _cpu_seconds(psutil.cpu_times()) - machine_before
    watching.cancel()


def _offset(person: int, interval: float) -> float:
    """When, within the first `interval`, a person draws their first stroke: the same in every run."""
    return random.Random(person).uniform(0, interval)


async def _open(chromium, url: str, run: ClassRun):
    """A session's page, loaded and ready to draw; None (and an error) when it did not load."""
    page = await (await chromium.new_context(viewport=VIEWPORT)).new_page()
    try:
        await page.goto(url, timeout=LOAD_TIMEOUT_MS)
        await page.get_by_role("button", name="Undo").first.wait_for(timeout=LOAD_TIMEOUT_MS)
        await page.locator("canvas.upper-canvas").wait_for(timeout=LOAD_TIMEOUT_MS)
    except Exception as error:
        run.errors.append(f"page load: {type(error).__name__}: {str(error).splitlines()[0]}")
        return None
    return page


async def _draw(page, start: float, seconds: float, interval: float, run: ClassRun) -> None:
    """One person: a stroke every `interval` seconds from `start` for `seconds`, each answer timed."""
    shapes = strokes()
    canvas = page.locator("canvas.upper-canvas")
    on_canvas, tick = 0, start
    while tick < start + seconds:
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
        tick += interval
        try:
            if on_canvas == STROKES_PER_DRAWING:
                await page.get_by_title(RESET_TITLE).click()
                await page.get_by_text(answer_mark(on_canvas)).first.wait_for(
                    state="detached", timeout=ANSWER_TIMEOUT_MS
                )
                on_canvas = 0
            await browser.draw_stroke_async(page, canvas, next(shapes), steps=4)
            released = time.perf_counter()
            run.drawn += 1
            on_canvas += 1
            await page.get_by_text(answer_mark(on_canvas)).first.wait_for(timeout=ANSWER_TIMEOUT_MS)
            run.answer_ms.append(1000 * (time.perf_counter() - released))
        except Exception as error:  # a timeout: this stroke got no answer; the person carries on
            run.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")


@dataclass
class Recording:
    """What a browser sent the server, as websocket messages: loading the page, each stroke of one drawing (one
    message each, the canvas's strokes and picture in it), and the canvas's reset."""

    load: list[bytes]
    strokes: list[bytes]
    reset: list[bytes]


def record_drawing(url: str) -> Recording:
    """Open `url` in headless Chromium, draw STROKES_PER_DRAWING strokes and reset the canvas, recording what the
    page sends the server."""
    sent: list[bytes] = []
    with browser.chromium() as chromium:
        page = chromium.new_context(viewport=VIEWPORT).new_page()
        page.on("websocket", lambda socket: socket.on("framesent", lambda message: sent.append(message)))
        page.goto(url)
        browser.drawing_surface(page, LOAD_TIMEOUT_MS)
        browser.wait_until_idle(page)
        load, shapes, stroke_messages = len(sent), strokes(), []
        for count in range(1, STROKES_PER_DRAWING + 1):
            before = len(sent)
            draw_until_answered(page, next(shapes), count)
            if len(sent) != before + 1:
                raise RuntimeError(f"a stroke sent {len(sent) - before} messages to the server, not one")
            stroke_messages.append(sent[before])
        before = len(sent)
        clear(page, STROKES_PER_DRAWING)
    return Recording(load=sent[:load], strokes=stroke_messages, reset=sent[before:])


def replayed_class(
    script: str, sessions: int, seconds: float, interval: float, backend: str | None = None, options=()
) -> ClassRun:
    """Start `script`, record a browser drawing on it, then `sessions` people each replay a stroke of it every
    `interval` seconds for `seconds` seconds, over websockets of their own; the browser is closed meanwhile."""
    run = ClassRun(sessions=sessions)
    with browser.running_app(script, env=server_env(backend), options=options) as (url, process):
        recording = record_drawing(url)
        asyncio.run(_replayed_class(url, psutil.Process(process.pid), recording, sessions, seconds, interval, run))
    return run


async def _replayed_class(
    url: str, server, recording: Recording, sessions: int, seconds: float, interval: float, run: ClassRun
) -> None:
    connections = await asyncio.gather(*(_connect(url, recording, run) for _ in range(sessions)))
    try:
        await _measured(
            server, run, interval,
            lambda start: [_replay(connection, recording, start + _offset(index, interval), seconds, interval, run)
                           for index, connection in enumerate(connections) if connection is not None],
        )  # fmt: skip
    finally:
        failed = await asyncio.gather(*(connection.close() for connection in connections if connection is not None))
        run.errors.extend(error for errors in failed for error in errors)


class _Connection:
    """One session's websocket to the server, which fetches the pictures of every answer as a browser would."""

    def __init__(self, url: str, socket):
        self.url, self.socket, self.fetching = url, socket, set()
        self.failed_fetches: list[str] = []

    async def until(self, found) -> None:
        """Read the server's messages until one satisfies `found(message, its bytes)`."""
        while True:
            raw = await self.socket.recv()
            message = ForwardMsg()
            message.ParseFromString(raw)
            self._fetch_pictures(message)
            if found(message, raw):
                return

    async def run_to_end(self, messages: list[bytes]) -> None:
        """Send `messages` and wait until the script run they start has finished."""
        for message in messages:
            await self.socket.send(message)
        await self.until(_script_finished)

    def _fetch_pictures(self, message: ForwardMsg) -> None:
        if message.WhichOneof("type") == "delta" and message.delta.new_element.WhichOneof("type") == "imgs":
            for image in message.delta.new_element.imgs.imgs:
                task = asyncio.create_task(asyncio.to_thread(_fetch, self.url + image.url))
                self.fetching.add(task)
                task.add_done_callback(self._fetched)

    def _fetched(self, task: asyncio.Task) -> None:
        self.fetching.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failed_fetches.append(f"picture: {type(task.exception()).__name__}: {task.exception()}")

    async def close(self) -> list[str]:
        """Wait for the pictures still loading, close the socket; the pictures that failed to load."""
        await asyncio.gather(*self.fetching, return_exceptions=True)
        await self.socket.close()
        return self.failed_fetches


async def _connect(url: str, recording: Recording, run: ClassRun) -> _Connection | None:
    """A session of its own, its page loaded as the recorded browser loaded it; None (and an error) on failure."""
    try:
        socket = await websockets.connect(
            url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], max_size=None
        )
        connection = _Connection(url, socket)
        await asyncio.wait_for(connection.run_to_end(recording.load), LOAD_TIMEOUT_MS / 1000)
    except Exception as error:
        run.errors.append(f"page load: {type(error).__name__}: {error}")
        return None
    return connection


async def _replay(
    connection: _Connection, recording: Recording, start: float, seconds: float, interval: float, run: ClassRun
) -> None:
    """One person: the recording's next stroke every `interval` seconds from `start` for `seconds`, each answer
    timed until the message that carries it arrives; the canvas is reset after the recording's last stroke."""
    tick, count = start, 0
    while tick < start + seconds:
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
        tick += interval
        step = "the reset"
        try:
            if count == len(recording.strokes):
                await asyncio.wait_for(connection.run_to_end(recording.reset), ANSWER_TIMEOUT_MS / 1000)
                count = 0
            step = f"stroke {count + 1}"
            await connection.socket.send(recording.strokes[count])
            sent = time.perf_counter()
            run.drawn += 1
            count += 1
            answered = partial(_carries, answer_mark(count).encode())
            await asyncio.wait_for(connection.until(answered), ANSWER_TIMEOUT_MS / 1000)
            run.answer_ms.append(1000 * (time.perf_counter() - sent))
            await asyncio.wait_for(connection.until(_script_finished), ANSWER_TIMEOUT_MS / 1000)
        except TimeoutError:  # this stroke got no answer; the person carries on
            run.errors.append(f"{step}: no answer within {ANSWER_TIMEOUT_MS / 1000:.0f} s")
        except Exception as error:
            run.errors.append(f"{step}: {type(error).__name__}: {error}")


def _script_finished(message: ForwardMsg, raw: bytes) -> bool:
    return message.WhichOneof("type") == "script_finished"


def _carries(text: bytes, message: ForwardMsg, raw: bytes) -> bool:
    """Whether the message carries `text` (UTF-8, as protobuf stores strings): the answer's mark."""
    return text in raw


def _fetch(url: str) -> None:
    with urllib.request.urlopen(url, timeout=ANSWER_TIMEOUT_MS / 1000) as response:
        response.read()


def _cpu_seconds(times) -> float:
    """User and system CPU seconds of a process's or the machine's `cpu_times()`."""
    return times.user + times.system


async def _watch_memory(server, run: ClassRun) -> None:
    while True:
        run.peak_rss = max(run.peak_rss, server.memory_info().rss)
        await asyncio.sleep(MEMORY_SAMPLE_S)
