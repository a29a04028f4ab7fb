"""Screenshots of every page as people see it, on a laptop, a projector and a phone, after drawing a digit.

python -m bench.screenshots                                   # laptop and phone, into docs/screenshots/
python -m bench.screenshots --screens projector --output /tmp/shots
python -m bench.screenshots --language pt-BR --output /tmp/shots-pt    # the pages in Brazilian Portuguese

Each screen is one browser session, as a person would use it: a 7 drawn on the draw page (with a finger on the
phone), then every page of the menu in turn, a short number written on Write a number, and the class's phone page
(on the phone). A phone sends a few drawings to the class first, so the Classroom page has some to show. On the
laptop the draw page is shown once more with a 0 drawn small in a corner (the README's small-digit example).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from PIL import Image

from bench import browser
from bench.strokes import server_env
from digitlab.classroom.joining import JOIN_PATH
from digitlab.config import ROOT_DIR
from digitlab.navigation import PAGES

OUTPUT_DIR = ROOT_DIR / "docs" / "screenshots"
NUMBER = "170"
# Drawings a phone sends to the class before the tour, where it is not asked for a digit it knows how to draw.
CLASS_DRAWINGS = (7, 1, 0, 7)
PALETTE_COLOURS = 256
MAX_BYTES = 300_000
# How tall the main column's content is: Streamlit scrolls that column, not the window.
MAIN_HEIGHT = "() => document.querySelector('[data-testid=stMain]').scrollHeight"


def menu_paths() -> dict[str, str]:
    """{a page's name in file names: its path after the app's address} for every page of the menu, in menu order."""
    names = [page.file.removesuffix(".py").split("_", 1)[1] for page in PAGES]
    return {name.lower(): "" if page is PAGES[0] else name for name, page in zip(names, PAGES, strict=True)}


def tour(page, screen: str) -> Iterator[str]:
    """Draw a 7, then open every page of the menu in one session, Write a number last (the number written there
    would take the 7's place on the network pages); yields each page's name once it is shown."""
    touch = bool(browser.SCREENS[screen].get("has_touch"))
    browser.drawing_surface(page, 120_000)
    browser.draw_digit(page, 7, touch)
    browser.prediction_text(page)
    browser.wait_until_idle(page)
    pages = menu_paths()
    for name in [*(name for name in pages if name != "write_a_number"), "write_a_number"]:
        if pages[name]:
            browser.open_from_menu(page, pages[name])
        if name == "write_a_number":
            browser.drawing_surface(page)
            for stroke in browser.number_strokes(NUMBER):
                (browser.touch_stroke if touch else browser.draw_stroke)(page, stroke)
            page.locator(".st-key-number").get_by_text(NUMBER).wait_for(timeout=30_000)
            browser.wait_until_idle(page)
        yield name


def send_class_drawings(page, url: str, digits: Sequence[int] = CLASS_DRAWINGS) -> None:
    """A phone joins the class and sends one drawing for each of `digits`: the digit it is asked for where
    DIGIT_STROKES has it, else that one of `digits` (a misread for the class's gallery)."""
    page.goto(url)  # a fresh server's first page must be its main page (see the README's Classroom section)
    browser.drawing_surface(page, 120_000)
    page.goto(f"{url}/{JOIN_PATH}")
    for digit in digits:
        browser.drawing_surface(page, 120_000)
        browser.wait_until_idle(page)
        asked = int(page.locator(".prompt b").inner_text())
        browser.draw_digit(page, asked if asked in browser.DIGIT_STROKES else digit, touch=True)
        page.get_by_text("press Send").wait_for(timeout=30_000)
        page.get_by_role("button", name="Send").tap()
        page.locator(".st-key-student_result").wait_for(timeout=30_000)
        # Send puts a fresh canvas where the drawing was; the old one stays on the page until the run ends.
        browser.wait_until_idle(page)


def full_page_screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls its main column, not the window, so the window grows to the column's
    height for the picture."""
    viewport = page.viewport_size
    height = 0
    # A taller window can lay the page out again (charts resize, images load): grow it until the column fits.
    for _ in range(5):
        needed = max(page.evaluate(MAIN_HEIGHT), viewport["height"])
        if needed == height:
            break
        height = needed
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(500)
    page.screenshot(path=path)
    page.set_viewport_size(viewport)
    save_small(path)


def save_small(path: Path) -> None:
    """Rewrite the PNG at `path` small enough to commit: a palette of 256 colours keeps text sharp; a picture still
    over MAX_BYTES (a phone's long page of feature maps, at twice its CSS pixels) is halved."""
    picture = Image.open(path).convert("RGB")
    picture.quantize(PALETTE_COLOURS, dither=Image.Dither.NONE).save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        half = picture.resize((picture.width // 2, picture.height // 2), Image.Resampling.LANCZOS)
        half.quantize(PALETTE_COLOURS, dither=Image.Dither.NONE).save(path, optimize=True)


def draw_small_digit(page) -> None:
    """On the draw page: clear the canvas and draw a 0 small in its top left corner, a quarter of its height."""
    page.get_by_role("button", name="Clear the canvas").click()
    page.get_by_text("The canvas is empty").wait_for(timeout=30_000)
    browser.draw_stroke(page, [(20 + (x - 85) * 0.3, 20 + (y - 50) * 0.3) for x, y in browser.DIGIT_STROKES[0][0]])
    browser.prediction_text(page)
    browser.wait_until_idle(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", nargs="+", choices=list(browser.SCREENS), default=["laptop", "phone"])
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR)
    parser.add_argument("--language", default="en", help="as ?lang= names it: en, pt-BR")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as classroom_dir:
        env = {**server_env(), "DIGITLAB_CLASSROOM_DIR": classroom_dir}
        with browser.running_app(env=env) as (url, _process), browser.chromium() as chromium:
            send_class_drawings(chromium.new_context(**browser.SCREENS["phone"]).new_page(), url)
            for screen in args.screens:
                context = chromium.new_context(**browser.SCREENS[screen])
                page = context.new_page()
                page.goto(f"{url}/?lang={args.language}")
                for name in tour(page, screen):
                    full_page_screenshot(page, args.output / f"{name}_{screen}.png")
                    print(f"{name}_{screen}.png", flush=True)
                if screen == "laptop" and args.language == "en":
                    browser.open_from_menu(page, "")
                    draw_small_digit(page)
                    full_page_screenshot(page, args.output / "small_digit_laptop.png")
                    print("small_digit_laptop.png", flush=True)
                if screen == "phone":
                    page.goto(f"{url}/{JOIN_PATH}?lang={args.language}")
                    browser.drawing_surface(page, 120_000)
                    browser.wait_until_idle(page)
                    full_page_screenshot(page, args.output / f"join_{screen}.png")
                    print(f"join_{screen}.png", flush=True)
                context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
