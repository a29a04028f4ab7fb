"""The browser parts: cold start, stroke-to-prediction latency, server memory and concurrent sessions.

Each stroke is drawn on an empty canvas and timed from releasing the mouse until the prediction box is on
the page; the canvas is then reset with its toolbar button, which empties the page again. A stroke on a
canvas that already holds a drawing could leave the text unchanged, and nothing on the page would tell.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import cycle, islice

from bench import browser
from bench.strokes import server_env

VIEWPORT = {"width": 1400, "height": 1100}
RESET_TITLE = "Reset canvas & history"
# Generous: the first prediction of a cold server includes loading TensorFlow and the model.
FIRST_PREDICTION_TIMEOUT_MS = 120_000
PREDICTION_TIMEOUT_MS = 30_000


@dataclass
class AppRun:
    """What one app did in the browser: times in ms (cold start in s), memory in bytes, errors as texts."""

    cold_start_s: float = float("nan")
    stroke_ms: list[float] = field(default_factory=list)
    concurrent_ms: list[float] = field(default_factory=list)
    concurrent_sessions: int = 0
    errors: list[str] = field(default_factory=list)
    concurrent_errors: list[str] = field(default_factory=list)
    rss_loaded: int = 0
    rss_after: int = 0
    peak_rss: int = 0
    predictions: int = 0


def stroke_sequence(count: int) -> list[list[tuple[float, float]]]:
    """`count` single strokes cycling through the browser driver's digits."""
    strokes = [stroke for digit_strokes in browser.DIGIT_STROKES.values() for stroke in digit_strokes]
    return list(islice(cycle(strokes), count))


def measure_app(
    script: str, strokes: int, sessions: int, strokes_per_session: int, backend: str | None = None, options=()
) -> AppRun:
    """Start `streamlit run script` cold (on Keras `backend`, default the app's own, with more server `options`),
    then time strokes in one session and in concurrent sessions."""
    import psutil

    run = AppRun(concurrent_sessions=sessions)
    env = server_env(backend)
    # The server outlives the first browser: the concurrent sessions use Playwright's async API.
    with ExitStack() as server_context:
        with browser.chromium() as chromium:
            page = chromium.new_context(viewport=VIEWPORT).new_page()
            page.on("pageerror", lambda error: run.errors.append(str(error)))
            start = time.perf_counter()
            url, process = server_context.enter_context(browser.running_app(script, env=env, options=options))
            page.goto(url)
            browser.draw_stroke(page, stroke_sequence(1)[0])
            page.locator(browser.PREDICTION_SELECTOR).wait_for(timeout=FIRST_PREDICTION_TIMEOUT_MS)
            run.cold_start_s = time.perf_counter() - start
            server = psutil.Process(process.pid)
            run.rss_loaded = server.memory_info().rss
            clear_canvas(page)
            for points in stroke_sequence(strokes):
                run.stroke_ms.append(time_stroke(page, points))
                run.errors.extend(browser.page_errors(page))
                clear_canvas(page)
        asyncio.run(concurrent_sessions(url, sessions, strokes_per_session, run))
        run.predictions = 1 + strokes + sessions * strokes_per_session
        run.rss_after = server.memory_info().rss
        run.peak_rss = peak_rss(process.pid) or max(run.rss_loaded, run.rss_after)
    return run


def time_stroke(page, points) -> float:
    """Draw one stroke on an empty canvas; ms from releasing the mouse to the prediction on the page."""
    browser.draw_stroke(page, points)
    released = time.perf_counter()
    page.locator(browser.PREDICTION_SELECTOR).wait_for(timeout=PREDICTION_TIMEOUT_MS)
    return (time.perf_counter() - released) * 1000


def clear_canvas(page) -> None:
    """Reset the canvas with its toolbar button and wait until the prediction has left the page."""
    page.get_by_title(RESET_TITLE).click()
    page.locator(browser.PREDICTION_SELECTOR).wait_for(state="detached", timeout=PREDICTION_TIMEOUT_MS)


def peak_rss(pid: int) -> int | None:
    """A process' peak resident memory in bytes (Linux VmHWM), or None where unavailable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


async def concurrent_sessions(url: str, sessions: int, strokes: int, run: AppRun) -> None:
    """`sessions` browser contexts drawing at the same time; fills run.concurrent_ms and concurrent_errors."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=browser.chromium_path(), args=browser.CHROMIUM_FLAGS
        )
        start_line = asyncio.Barrier(sessions)
        outcomes = await asyncio.gather(
            *(drawing_session(chromium, url, strokes, start_line) for _ in range(sessions)), return_exceptions=True
        )
        await chromium.close()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            run.concurrent_errors.append(f"{type(outcome).__name__}: {outcome}")
        else:
            times, errors = outcome
            run.concurrent_ms.extend(times)
            run.concurrent_errors.extend(errors)


async def shown_exception(page) -> str:
    """' (the page shows: <first line>)' when the page shows an exception or error box, else ''."""
    try:
        shown = await page.locator(browser.ERROR_SELECTOR).all_inner_texts()
    except Exception:  # the page itself is gone
        return ""
    return f" (the page shows: {shown[0].strip().splitlines()[0]})" if shown and shown[0].strip() else ""


async def drawing_session(chromium, url: str, strokes: int, start_line: asyncio.Barrier) -> tuple[list, list]:
    """One user: load the page, wait for the others, then draw and clear `strokes` times; (ms list, errors)."""
    context = await chromium.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    canvas = page.locator("canvas.upper-canvas")
    prediction = page.locator(browser.PREDICTION_SELECTOR)
    times = []
    step = "page load"
    try:
        await page.goto(url)
        # As browser.drawing_surface: draw only once the component is ready (toolbar and Fabric's upper canvas).
        await page.get_by_role("button", name="Undo").first.wait_for(timeout=FIRST_PREDICTION_TIMEOUT_MS)
        await canvas.wait_for(timeout=FIRST_PREDICTION_TIMEOUT_MS)
    except Exception as error:
        errors.append(f"{step}: {type(error).__name__}: {str(error).splitlines()[0]}")
        canvas = None
    # Every session reaches the start line, even one that failed to load: the others would wait forever.
    await start_line.wait()
    if canvas is None:
        await context.close()
        return times, errors
    try:
        for number, points in enumerate(stroke_sequence(strokes), start=1):
            step = f"stroke {number}"
            await browser.draw_stroke_async(page, canvas, points)
            released = time.perf_counter()
            await prediction.wait_for(timeout=PREDICTION_TIMEOUT_MS)
            times.append((time.perf_counter() - released) * 1000)
            errors.extend(await page.locator(browser.ERROR_SELECTOR).all_inner_texts())
            step = f"reset after stroke {number}"
            await page.get_by_title(RESET_TITLE).click()
            await prediction.wait_for(state="detached", timeout=PREDICTION_TIMEOUT_MS)
    except Exception as error:  # a timeout or a crashed page is an error of this session, not of the run
        cause = await shown_exception(page)
        errors.append(f"{step}: {type(error).__name__}: {str(error).splitlines()[0]}{cause}")
    finally:
        await context.close()
    return times, errors
