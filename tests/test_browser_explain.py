"""The real app in headless Chromium: draw a digit, follow the answer's link to its explanation."""

import pytest

from bench import browser

pytestmark = pytest.mark.browser


def test_the_answer_links_to_its_explanation(app_url, page):
    page.goto(app_url)
    for stroke in browser.DIGIT_STROKES[7]:
        browser.draw_stroke(page, stroke)
    assert browser.predicted_digit(browser.prediction_text(page)) == 7

    page.get_by_role("link", name="Why? Explain this answer").click()
    page.get_by_text("What each preparation step is worth").wait_for(timeout=60_000)
    browser.wait_until_idle(page)
    assert page.get_by_text("Showing your drawing from the Draw page").is_visible()
    assert page.get_by_role("heading", name="Why 7").is_visible()
    assert page.get_by_text("Grad-CAM: where conv_4 found evidence for a 7").is_visible()
    assert page.locator(".st-key-reading_tutorial").is_visible()
    assert browser.page_errors(page) == []

    # Back on the draw page, the drawing is still there.
    page.get_by_role("link", name="Draw a digit").click()
    assert browser.predicted_digit(browser.prediction_text(page)) == 7
