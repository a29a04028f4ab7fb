"""Draw on the main page in headless Chromium, then open each inside-the-network page from the sidebar."""

import pytest

from bench import browser

# Sidebar link -> a text that only appears once the page has run to its end.
PAGES = {"Feature maps": "From maps to a digit", "Pooling": "Worked example", "Filters": "Deeper layers"}


@pytest.mark.browser
def test_network_pages_show_the_maps_of_the_drawing(app_url, page):
    page.goto(app_url)
    browser.draw_stroke(page, browser.DIGIT_STROKES[7][0])
    browser.prediction_text(page)
    for link, marker in PAGES.items():
        page.get_by_role("link", name=link).click()  # a client-side switch keeps the session state
        page.get_by_text(marker).first.wait_for(timeout=60_000)
        browser.wait_until_idle(page)
        assert page.get_by_text("your drawing").count() == 1, link
        assert page.locator("[data-testid='stImage'] img").count() >= 3, link
        assert browser.page_errors(page) == [], link
