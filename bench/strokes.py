"""The server's work per stroke, and a class drawing at once.

Both apps say which stroke an answer is for (the caption "Your N stroke..."), so a stroke's answer is known to
have arrived even when the prediction's text does not change.

- `server_cpu_per_stroke`: strokes drawn one after another on one canvas in one session (no page loads); the
  server process's CPU time from each stroke to its answer, per stroke.
- `drawing_class`: many sessions (lightweight browser contexts in one Chromium), each drawing a stroke every
  couple of seconds for a while, as a class does; stroke-to-answer times, strokes without an answer, the
  server's peak memory, and the CPU the server and the whole machine used meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from itertools import cycle

import psutil

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
                browser.draw_stroke(page, next(shapes))
                on_canvas += 1
                page.get_by_text(answer_mark(on_canvas)).first.wait_for(timeout=ANSWER_TIMEOUT_MS)
                browser.wait_until_idle(page)
                cost.cpu_ms.append(1000 * (_cpu_seconds(server.cpu_times()) - before))
                if on_canvas == STROKES_PER_DRAWING:
                    clear(page, on_canvas)
                    on_canvas = 0
    cost.cpu_ms = cost.cpu_ms[1:]
    return cost


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
        watching = asyncio.create_task(_watch_memory(server, run))
        start = time.perf_counter() + interval
        server_before, machine_before = _cpu_seconds(server.cpu_times()), _cpu_seconds(psutil.cpu_times())
        await asyncio.gather(
            *(_draw(page, start + random.Random(index).uniform(0, interval), seconds, interval, run)
              for index, page in enumerate(pages) if page is not None)
        )  # fmt: skip
        run.drawing_s = time.perf_counter() - start + interval
        run.server_cpu_s = _cpu_seconds(server.cpu_times()) - server_before
        run.machine_cpu_s = _cpu_seconds(psutil.cpu_times()) - machine_before
        watching.cancel()
        await chromium.close()


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


def _cpu_seconds(times) -> float:
    """User and system CPU seconds of a process's or the machine's `cpu_times()`."""
    return times.user + times.system


async def _watch_memory(server, run: ClassRun) -> None:
    while True:
        run.peak_rss = max(run.peak_rss, server.memory_info().rss)
        await asyncio.sleep(MEMORY_SAMPLE_S)
