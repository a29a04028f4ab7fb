"""In headless Chromium: draw, pick another model in the sidebar, and open the Compare models page."""

import pytest

from bench import browser
from digitlab import catalog
from digitlab.catalog import title


@pytest.mark.browser
def test_another_model_carries_over_to_the_compare_page(app_url, page):
    names = catalog.available_models()
    if len(names) < 2:
        pytest.skip("no classic network in model/zoo: train one with `python train.py --arch mlp`")
    other = "mlp" if "mlp" in names else names[1]
    page.goto(app_url)
    browser.draw_stroke(page, browser.DIGIT_STROKES[7][0])
    browser.prediction_text(page)

    browser.choose_model(page, title(other))
    assert browser.prediction_text(page)  # the drawing is kept and read by the chosen model
    assert browser.page_errors(page) == []

    page.get_by_role("link", name="Compare models").click()  # a client-side switch keeps the session state
    page.get_by_text("Every model on one drawing").wait_for(timeout=60_000)
    browser.wait_until_idle(page)
    assert page.get_by_text("your drawing").count() == 1
    assert page.get_by_text(f"{title(other)} · in use").count() == 1
    for name in names:
        assert page.locator(f".st-key-compare_{name}").count() == 1, name
    assert browser.page_errors(page) == []
