"""The Confusion matrix page in headless Chromium: heatmap, accuracy, and selecting a cell by click and by selectbox."""

import re

import pytest
from playwright.sync_api import expect

from bench import browser
from digitlab.config import EVALUATION_PATH, EVALUATION_SUMMARY_PATH
from digitlab.evaluate import EXAMPLES_PER_CLASS, load_artifacts
from digitlab.i18n import a_digit

pytestmark = pytest.mark.browser

CHART = "[data-testid='stVegaLiteChart']"


@pytest.fixture(scope="module")
def summary():
    if not (EVALUATION_PATH.is_file() and EVALUATION_SUMMARY_PATH.is_file()):
        pytest.skip("no evaluation artifacts in model/: run python -m digitlab.evaluate --write")
    return load_artifacts().summary


def open_page(page, app_url):
    page.goto(f"{app_url}/Confusion_matrix")
    page.get_by_text("Test accuracy").first.wait_for(timeout=60_000)
    page.locator(f"{CHART} path[aria-roledescription='rect mark']").first.wait_for(timeout=30_000)


def cell(page, true: int, predicted: int):
    """The heatmap's rectangle for one cell (Streamlit draws Vega-Lite as SVG with aria labels)."""
    return page.locator(f"{CHART} path[aria-label^='Predicted digit: {predicted}; True digit: {true};']")


def heading(page, true: int, predicted: int) -> str:
    """The sentence above a cell's images; one image reads 'test image ... was', several 'test images ... were'."""
    verb = "recognised correctly" if true == predicted else f"taken for {a_digit(predicted)}"
    text = page.get_by_text(re.compile(f"test (image|images) of {a_digit(true)} (was|were) {verb}"))
    text.wait_for(timeout=30_000)
    return text.inner_text()


def test_page_shows_heatmap_and_accuracy(page, app_url, summary):
    open_page(page, app_url)
    assert page.locator(f"{CHART} path[aria-roledescription='rect mark']").count() >= 100
    # Each digit labels its own row and column, the first ones too (a chart theme may push them to the edge).
    first_cell = cell(page, 0, 0).bounding_box()
    labels = page.locator(f"{CHART} g.role-axis-label text", has_text=re.compile("^0$"))
    boxes = [label.bounding_box() for label in labels.all()]
    centres = [(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2) for box in boxes]
    assert any(abs(x - (first_cell["x"] + first_cell["width"] / 2)) <= 2 for x, _ in centres)
    assert any(abs(y - (first_cell["y"] + first_cell["height"] / 2)) <= 2 for _, y in centres)
    assert page.get_by_text(f"{100 * summary['accuracy']:.2f}%").first.is_visible()
    assert browser.page_errors(page) == []


def test_clicking_a_cell_shows_its_images(page, app_url, summary):
    pair = summary["confused_pairs"][-1] if summary["confused_pairs"] else {"true": 3, "predicted": 3}
    open_page(page, app_url)
    box = cell(page, pair["true"], pair["predicted"]).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # where a person clicks

    assert heading(page, pair["true"], pair["predicted"]).startswith(f"{pair['count']:,}")
    assert page.get_by_role("combobox", name="True digit").input_value() == str(pair["true"])
    expect(page.locator("[data-testid='stImage'] img")).to_have_count(min(pair["count"], 24), timeout=30_000)
    assert browser.page_errors(page) == []


def test_selectboxes_select_a_cell(page, app_url, summary):
    open_page(page, app_url)
    for name, digit in [("True digit", 5), ("Predicted digit", 5)]:
        page.get_by_role("combobox", name=name).click()
        page.get_by_role("option", name=str(digit), exact=True).click()
    count = summary["confusion_matrix"][5][5]
    assert heading(page, 5, 5).startswith(f"{count:,}")
    # A diagonal cell shows the few correct examples stored per digit.
    expect(page.locator("[data-testid='stImage'] img")).to_have_count(min(count, EXAMPLES_PER_CLASS), timeout=30_000)
    assert browser.page_errors(page) == []
