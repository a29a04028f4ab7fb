"""Classroom mode in the real app: a phone joins, draws a digit with its finger, sends it, and the projector counts
it."""

import pytest

from bench import browser
from bench.strokes import server_env
from digitlab.i18n import a_digit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def class_app_url(tmp_path_factory, chromium_browser):
    """The real app with a class database of its own."""
    folder = tmp_path_factory.mktemp("class")
    with browser.running_app(env={**server_env(), "DIGITLAB_CLASSROOM_DIR": str(folder)}) as (url, _process):
        yield url


def test_a_phone_draws_with_its_finger_sends_and_the_projector_counts_it(class_app_url, chromium_browser):
    projector = chromium_browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    projector.goto(f"{class_app_url}/Classroom")
    projector.get_by_text("No drawings yet").wait_for(timeout=120_000)

    phone = chromium_browser.new_context(**browser.PHONE).new_page()
    phone.goto(f"{class_app_url}/join")
    canvas = browser.drawing_surface(phone, 120_000)
    browser.wait_until_idle(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= browser.PHONE["viewport"]["width"]
    # A finger moving up over the heading scrolls the page; over the canvas it draws, and the page stays put.
    before = browser.scroll_offset(phone)
    browser.touch_stroke(phone, [(100, 300), (100, 100), (100, 20)], phone.locator("h1"))
    assert browser.scroll_offset(phone) > before
    canvas.scroll_into_view_if_needed()
    before = browser.scroll_offset(phone)
    assert before > 0  # scrolled: a stroke moving down would scroll the page back up if the canvas let it
    for stroke in browser.DIGIT_STROKES[7]:
        browser.touch_stroke(phone, stroke)
    phone.get_by_text("Your 1 stroke").wait_for(timeout=30_000)
    assert browser.scroll_offset(phone) == before

    asked = phone.locator(".prompt b").inner_text()
    phone.get_by_role("button", name="Send").tap()
    result = phone.locator(".st-key-student_result")
    result.wait_for(timeout=30_000)
    assert f"You drew {a_digit(int(asked))}" in result.inner_text()  # "an 8": the prompt is random
    assert browser.page_errors(phone) == []

    # The projector reads the class again every few seconds, without a reload.
    projector.locator("[data-testid='stMetric']", has_text="Drawings").get_by_text("1", exact=True).wait_for(
        timeout=30_000
    )
    assert browser.page_errors(projector) == []
