"""The Write a number page in headless Chromium: write a number with the mouse, read it live."""

import pytest

from bench import browser
from tests.conftest import number_paths, polyline

pytestmark = pytest.mark.browser

NUMBER_SELECTOR = ".st-key-number"


def test_writing_a_three_digit_number_with_the_mouse_reads_it(app_url, page):
    page.goto(f"{app_url}/Write_a_number")
    browser.drawing_surface(page)
    assert page.get_by_text("The canvas is empty").is_visible()

    for stroke in number_paths("704", left=60, top=50):
        browser.draw_stroke(page, stroke.points.tolist())
    page.locator(NUMBER_SELECTOR).get_by_text("704").wait_for(timeout=30_000)

    drawing = page.locator(".number-drawing svg")
    assert drawing.locator("rect").count() == 1 + 3  # the canvas, then a box per digit
    assert page.get_by_text("3 digits, each read with confidence").is_visible()
    assert browser.page_errors(page) == []


def test_a_dash_written_before_a_number_is_its_minus_sign(app_url, page):
    page.goto(f"{app_url}/Write_a_number")
    browser.drawing_surface(page)
    browser.draw_stroke(page, polyline((20, 130), (70, 130)).tolist())  # level with the middle of the 4 (54-206)
    for stroke in number_paths("41", left=110, top=50):
        browser.draw_stroke(page, stroke.points.tolist())
    page.locator(NUMBER_SELECTOR).get_by_text("\N{MINUS SIGN}41", exact=True).wait_for(timeout=30_000)

    drawing = page.locator(".number-drawing svg")
    assert drawing.locator("rect").count() == 1 + 3  # the canvas, the sign and the two digits
    assert drawing.get_by_text("\N{MINUS SIGN}", exact=True).count() == 1
    assert page.get_by_text("The dash before the digits is read as a minus sign.").is_visible()
    assert page.locator(".st-key-_piece button").count() == 2  # only the digits can be picked
    assert browser.page_errors(page) == []


def test_the_first_digit_is_read_before_the_second_is_written(app_url, page):
    page.goto(f"{app_url}/Write_a_number")
    strokes = number_paths("41", left=60, top=50)
    for stroke in strokes[:2]:  # the 4's two strokes
        browser.draw_stroke(page, stroke.points.tolist())
    page.locator(NUMBER_SELECTOR).get_by_text("4", exact=True).wait_for(timeout=30_000)
    browser.draw_stroke(page, strokes[2].points.tolist())
    page.locator(NUMBER_SELECTOR).get_by_text("41", exact=True).wait_for(timeout=30_000)
    assert browser.page_errors(page) == []


def test_a_number_is_on_the_canvas_again_after_a_visit_to_another_page(app_url, page):
    page.goto(f"{app_url}/Write_a_number")
    browser.drawing_surface(page)
    strokes = number_paths("704", left=60, top=50)
    for stroke in strokes[:-1]:  # 70 and the 4's first stroke
        browser.draw_stroke(page, stroke.points.tolist())
    browser.wait_until_idle(page)

    browser.open_from_menu(page, "Explain")
    browser.open_from_menu(page, "Write_a_number")
    browser.drawing_surface(page)
    # The number is written on where it was left: the 4's second stroke joins its first.
    browser.draw_stroke(page, strokes[-1].points.tolist())
    page.locator(NUMBER_SELECTOR).get_by_text("704", exact=True).wait_for(timeout=30_000)
    assert browser.page_errors(page) == []


def test_every_digit_of_a_long_number_can_be_picked_without_scrolling(app_url, page):
    page.goto(f"{app_url}/Write_a_number")
    browser.drawing_surface(page)
    for stroke in number_paths("7041704", left=30, top=50, pitch=110):
        browser.draw_stroke(page, stroke.points.tolist())
    page.locator(NUMBER_SELECTOR).get_by_text("7041704", exact=True).wait_for(timeout=30_000)
    browser.wait_until_idle(page)
    picker = page.locator(".st-key-_piece")
    options = picker.locator("button")
    assert options.count() == 7
    box = picker.bounding_box()
    for index in range(7):
        option = options.nth(index).bounding_box()
        assert box["x"] <= option["x"] and option["x"] + option["width"] <= box["x"] + box["width"] + 1, index
    assert picker.evaluate("p => [...p.querySelectorAll('*')].every(e => e.scrollWidth <= e.clientWidth + 1)")
