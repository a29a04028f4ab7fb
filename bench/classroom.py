"""Classroom mode under load: a class of phones (browser contexts with touch, in one Chromium) on the student page,
each drawing a digit with its finger and double-tapping Send at the same moment, round after round.

Reported: drawings sent, stored (counted in the class's database), lost, stored twice, what the projector's page
counts, and the time from tapping Send to the answer on the phone.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench import browser
from bench.strokes import ANSWER_TIMEOUT_MS, LOAD_TIMEOUT_MS, server_env, strokes
from digitlab.classroom import store
from digitlab.config import CLASSROOM_DB_NAME

RESULT_SELECTOR = ".st-key-student_result"
# The second tap of a double tap comes this soon after the first.
DOUBLE_TAP_MS = 80


@dataclass
class ClassroomRun:
    """What a class of phones did: drawings sent and answered, the database's and the projector's counts."""

    phones: int = 0
    sent: int = 0
    answer_ms: list[float] = field(default_factory=list)
    stored: int = 0
    distinct: int = 0
    projector: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.sent - self.distinct

    @property
    def duplicates(self) -> int:
        return self.stored - self.distinct


def sending_class(phones: int, rounds: int) -> ClassroomRun:
    """Start the app on an empty class database; `phones` phones each send `rounds` drawings, all at once."""
    run = ClassroomRun(phones=phones)
    with tempfile.TemporaryDirectory() as folder:
        env = {**server_env(), "DIGITLAB_CLASSROOM_DIR": folder}
        with browser.running_app(env=env) as (url, _process):
            asyncio.run(_class(url, phones, rounds, run))
        engine = sa.create_engine(f"sqlite:///{Path(folder) / CLASSROOM_DB_NAME}")
        answers = store.class_answers(engine, include_hidden=True)
        run.stored, run.distinct = len(answers), answers.key.nunique()
        engine.dispose()
    return run


async def _class(url: str, phones: int, rounds: int, run: ClassroomRun) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=browser.chromium_path(), args=browser.CHROMIUM_FLAGS
        )
        # The teacher opens the app first, as in a lesson, then the phones join.
        teacher = await (await chromium.new_context()).new_page()
        await teacher.goto(url, timeout=LOAD_TIMEOUT_MS)
        await teacher.locator("canvas.upper-canvas").wait_for(timeout=LOAD_TIMEOUT_MS)
        pages = [page for page in await asyncio.gather(*(_join(chromium, url, run) for _ in range(phones))) if page]
        start = asyncio.Barrier(len(pages)) if pages else None
        await asyncio.gather(*(_send_rounds(page, rounds, start, run) for page in pages))
        await teacher.goto(f"{url}/Classroom", timeout=LOAD_TIMEOUT_MS)
        metric = teacher.locator("[data-testid='stMetric']", has_text="Drawings").locator(
            "[data-testid='stMetricValue']"
        )
        await metric.wait_for(timeout=LOAD_TIMEOUT_MS)
        run.projector = int(await metric.inner_text())
        await chromium.close()


async def _join(chromium, url: str, run: ClassroomRun):
    page = await (await chromium.new_context(**browser.PHONE)).new_page()
    try:
        await page.goto(f"{url}/join", timeout=LOAD_TIMEOUT_MS)
        await page.locator("canvas.upper-canvas").wait_for(timeout=LOAD_TIMEOUT_MS)
        await page.get_by_role("button", name="Undo").first.wait_for(timeout=LOAD_TIMEOUT_MS)
    except Exception as error:
        run.errors.append(f"join: {type(error).__name__}: {str(error).splitlines()[0]}")
        return None
    return page


async def _send_rounds(page, rounds: int, start: asyncio.Barrier, run: ClassroomRun) -> None:
    """One phone: each round, draw a stroke with a finger, wait for the others, double-tap Send, time the answer."""
    shapes = strokes()
    canvas, send = page.locator("canvas.upper-canvas"), page.get_by_role("button", name="Send")
    session = await page.context.new_cdp_session(page)
    for _ in range(rounds):
        ready = False
        try:
            # After a Send the page shows a fresh canvas, and the old one stays beside it until the run ends; a stroke
            # drawn before the fresh canvas's pen handlers are on is lost.
            await page.locator(browser.IDLE_SELECTOR).wait_for(timeout=ANSWER_TIMEOUT_MS)
            await canvas.wait_for(timeout=ANSWER_TIMEOUT_MS)
            await page.get_by_role("button", name="Undo").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
            box = await canvas.bounding_box()
            for event in browser.touch_events(next(shapes), (box["x"], box["y"])):
                await session.send("Input.dispatchTouchEvent", event)
            await page.get_by_text("Your 1 stroke").wait_for(timeout=ANSWER_TIMEOUT_MS)
            ready = True
        except Exception as error:
            run.errors.append(f"draw: {type(error).__name__}: {str(error).splitlines()[0]}")
        await start.wait()  # every phone sends at the same moment
        if not ready:
            continue
        try:
            await send.tap()
            tapped = time.perf_counter()
            run.sent += 1
            await page.wait_for_timeout(DOUBLE_TAP_MS)
            await send.tap()  # the double tap: the same drawing, stored once
            await page.get_by_text("Your 1 stroke").wait_for(state="detached", timeout=ANSWER_TIMEOUT_MS)
            await page.locator(RESULT_SELECTOR).wait_for(timeout=ANSWER_TIMEOUT_MS)
            run.answer_ms.append(1000 * (time.perf_counter() - tapped))
            run.errors.extend(await page.locator(browser.ERROR_SELECTOR).all_inner_texts())
        except Exception as error:
            run.errors.append(f"send: {type(error).__name__}: {str(error).splitlines()[0]}")
