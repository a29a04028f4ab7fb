"""The real app in headless Chromium: draw with the mouse, read the live prediction."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench import browser

pytestmark = pytest.mark.browser

# One stroke across a drawn 1 that leaves the network not sure what it is.
SCRIBBLE = [(30, 30), (250, 250), (30, 250), (250, 30), (140, 20), (140, 260)]


def test_drawing_a_digit_shows_its_prediction(app_url, page):
    page.goto(app_url)
    browser.drawing_surface(page)
    assert page.get_by_text("The canvas is empty").is_visible()

    for stroke in browser.DIGIT_STROKES[7]:
        browser.draw_stroke(page, stroke)
    text = browser.prediction_text(page)

    assert browser.predicted_digit(text) == 7, text
    assert "confident" in text
    page.get_by_text("What the model sees").wait_for(timeout=30_000)  # rendered later in the same rerun
    assert browser.page_errors(page) == []


def test_each_stroke_updates_the_prediction_and_clear_resets(app_url, page):
    page.goto(app_url)
    for stroke in browser.DIGIT_STROKES[1]:
        browser.draw_stroke(page, stroke)
    first = browser.prediction_text(page)
    assert browser.predicted_digit(first) == 1, first

    # A second stroke turns the "1" into a "7"-like shape: a new answer arrives without pressing anything.
    browser.draw_stroke(page, [(80, 52), (150, 50)])
    second = browser.wait_for_new_prediction(page, first)
    assert second != first

    page.get_by_role("button", name="Clear the canvas").click()
    page.get_by_text("The canvas is empty").wait_for(timeout=30_000)
    assert page.locator(browser.PREDICTION_SELECTOR).count() == 0
    assert browser.page_errors(page) == []


def ink_pixels(page) -> int:
    """How many dark pixels the canvas shows (its drawing layer)."""
    return page.locator("canvas.dc-canvas.lower-canvas").evaluate(
        """canvas => {
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let dark = 0;
            for (let i = 0; i < pixels.length; i += 4) dark += pixels[i] < 128;
            return dark;
        }"""
    )


def ink_shown(page, expected: int, timeout_ms: float = 10_000) -> int:
    """`ink_pixels` once it is within 1 % of `expected`, or after `timeout_ms`: the canvas draws a drawing it is
    given a moment after it appears, and its edges may be smoothed a little differently."""
    for _ in range(int(timeout_ms / 250)):
        if abs((shown := ink_pixels(page)) - expected) <= expected / 100:
            return shown
        page.wait_for_timeout(250)
    return ink_pixels(page)


def test_a_drawing_is_on_the_canvas_again_after_a_visit_to_another_page(app_url, page):
    page.goto(app_url)
    browser.drawing_surface(page)
    for stroke in browser.DIGIT_STROKES[1]:
        browser.draw_stroke(page, stroke)
    first = browser.prediction_text(page)
    drawn = ink_pixels(page)
    assert browser.predicted_digit(first) == 1 and drawn > 0, first

    browser.open_from_menu(page, "Feature_maps")
    browser.open_from_menu(page, "")
    browser.drawing_surface(page)
    assert browser.prediction_text(page) == first
    assert abs(ink_shown(page, drawn) - drawn) <= drawn / 100  # the answer shown is the drawing's on the canvas

    # A stroke more is read with the 1 it joins: the crossbar of a 7, not a lone dash.
    browser.draw_stroke(page, [(80, 52), (150, 50)])
    second = browser.wait_for_new_prediction(page, first)
    assert browser.predicted_digit(second) == 7, second
    assert ink_pixels(page) > drawn
    # Undo takes back that stroke, then each of the 1's, drawn before the visit, down to an empty canvas; redo
    # brings them back.
    undo, redo = page.get_by_role("button", name="Undo"), page.get_by_role("button", name="Redo")
    page.locator(".dc-root").hover()  # the toolbar shows itself under the pointer
    undo.click()
    assert browser.wait_for_new_prediction(page, second) == first
    assert abs(ink_shown(page, drawn) - drawn) <= drawn / 100
    for _stroke in browser.DIGIT_STROKES[1]:
        undo.click()
    page.get_by_text("The canvas is empty").wait_for(timeout=30_000)
    assert ink_shown(page, 0) == 0
    for _stroke in browser.DIGIT_STROKES[1]:
        redo.click()
    assert browser.wait_for_new_prediction(page, "") == first
    # The toolbar's bin empties the canvas, the restored drawing too.
    page.get_by_role("button", name="Reset canvas & history").click()
    page.get_by_text("The canvas is empty").wait_for(timeout=30_000)
    assert ink_shown(page, 0) == 0
    assert browser.page_errors(page) == []


def test_a_small_digit_in_a_corner_is_read_from_its_strokes(app_url, page):
    """Drawn a quarter of the canvas high with the default pen, a 0's loop nearly closes in the picture; the page
    reads the strokes the canvas sends and redraws them with a thinner pen."""
    page.goto(app_url)
    browser.drawing_surface(page)
    small_zero = [(20 + (x - 85) * 0.3, 20 + (y - 50) * 0.3) for x, y in browser.DIGIT_STROKES[0][0]]
    browser.draw_stroke(page, small_zero)
    text = browser.prediction_text(page)

    assert browser.predicted_digit(text) == 0, text
    page.get_by_text("Your 1 stroke, redrawn with a pen 3 px wide").wait_for(timeout=30_000)
    assert page.get_by_text("The pen is thick").count() == 0
    assert browser.page_errors(page) == []


def test_taps_on_the_canvas_ask_for_a_digit(app_url, page):
    """Two clicks, one over the other, that the network alone would read as a 1."""
    page.goto(app_url)
    browser.drawing_surface(page)
    for tap in [(140, 90), (140, 190)]:
        browser.draw_stroke(page, [tap])
    page.get_by_text("Dots alone are not a digit").wait_for(timeout=30_000)
    browser.wait_until_idle(page)
    assert page.locator(browser.PREDICTION_SELECTOR).count() == 0
    assert browser.page_errors(page) == []


def test_on_a_phone_the_toolbar_is_there_for_a_finger_to_undo_a_stroke(app_url, new_context):
    """A finger cannot hover over the canvas, which is what shows the toolbar to a mouse."""
    page = new_context(**browser.PHONE).new_page()
    page.goto(app_url)
    canvas = browser.drawing_surface(page)
    # Where the canvas is at every frame, from before the first stroke to the end. Streamlit scrolls its own
    # container, not the window, and nothing here scrolls it.
    canvas.evaluate(
        """canvas => {
          window.canvasTops = new Set();
          const look = () => {
            window.canvasTops.add(Math.round(canvas.getBoundingClientRect().top));
            requestAnimationFrame(look);
          };
          look();
        }"""
    )
    for stroke in browser.DIGIT_STROKES[1]:
        browser.touch_stroke(page, stroke)
    browser.prediction_text(page)
    browser.wait_until_idle(page)
    undo = page.get_by_role("button", name="Undo")
    assert (
        undo.is_visible() and undo.evaluate("button => getComputedStyle(button.closest('.dc-toolbar')).opacity") != "0"
    )
    toolbar = undo.bounding_box()
    assert toolbar["y"] + toolbar["height"] <= canvas.bounding_box()["y"]  # above the canvas, not over it
    assert toolbar["height"] >= 28  # a fingertip's target
    browser.touch_stroke(page, SCRIBBLE)
    page.get_by_text("Not sure").wait_for(timeout=30_000)
    undo.tap()
    page.get_by_text("Not sure").wait_for(state="detached", timeout=30_000)
    undo.tap()
    page.get_by_text("The canvas is empty").wait_for(timeout=30_000)
    browser.wait_until_idle(page)
    # Still above the canvas with the button tapped (focused): the next stroke starts where the toolbar was.
    assert undo.bounding_box()["y"] + toolbar["height"] <= canvas.bounding_box()["y"]
    # The answer is above the canvas. Through its first drawing and from empty to sure, to not sure and back, the
    # canvas stayed where it was: one that moved would move under the finger's next stroke.
    assert len(canvas.evaluate("() => [...window.canvasTops]")) == 1
    assert browser.page_errors(page) == []


def test_a_page_is_idle_once_its_first_pictures_are_drawn(app_url, chromium_browser):
    # End to end, in fresh sessions, where the pictures' code is loaded only after the script has finished (in some
    # sessions only; the next test checks the wait itself).
    for _session in range(3):
        context = chromium_browser.new_context(viewport={"width": 1400, "height": 1100})
        try:
            page = context.new_page()
            page.goto(app_url)
            browser.drawing_surface(page)
            browser.draw_digit(page, 7)
            browser.prediction_text(page)
            browser.wait_until_idle(page)
            pictures = page.locator(".st-key-model_sees [data-testid=stImage] img").count()
        finally:
            context.close()

        assert pictures == 4


def test_a_loading_skeleton_keeps_the_page_busy(page):
    page.set_content(
        "<div data-testid=stApp data-test-script-state=notRunning>The app</div><div data-testid=stSkeleton></div>"
    )

    with pytest.raises(PlaywrightTimeoutError):
        browser.wait_until_idle(page, timeout_ms=500)
    page.evaluate("() => document.querySelector('[data-testid=stSkeleton]').remove()")
    browser.wait_until_idle(page, timeout_ms=5_000)
