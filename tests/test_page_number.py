"""The Write a number page under Streamlit's AppTest, with the wide canvas's drawing injected through session state."""

import json

import numpy as np
import pytest

from digitlab import config, i18n, ui
from digitlab.config import (
    DRAW_CANVAS,
    NUMBER_CANVAS,
    NUMBER_CANVAS_SHAPE,
    STATE_IMAGE,
    STATE_IMAGE_SOURCE,
    STATE_LANGUAGE,
    STATE_NUMBER_PIECE,
)
from digitlab.drawing import Stroke, pencil_json
from digitlab.numbers import read_number
from tests.conftest import PAGES, drawing_state, ellipse, number_paths, polyline, run_page, texts

PAGE = PAGES["Write_a_number"]


def written(text: str, picture: bool = False) -> dict:
    """The session state of the page's canvas with `text` written on it; with `picture`, its strokes unreadable."""
    state = drawing_state(number_paths(text), NUMBER_CANVAS_SHAPE, NUMBER_CANVAS)
    if picture:
        state[NUMBER_CANVAS.json] = {"objects": [{"type": "rect"}]}
    return state


def number_text(app) -> str:
    return " ".join(element.value for element in app.markdown if "class='number'" in element.value)


def test_an_empty_canvas_asks_for_a_number():
    app = run_page(PAGE)
    assert not app.exception
    assert "The canvas is empty" in texts(app)
    assert number_text(app) == ""


def test_a_written_number_is_shown_large_with_a_box_round_each_digit():
    app = run_page(PAGE, **written("704"))
    assert not app.exception
    assert ">704</div>" in number_text(app)
    drawing = next(element.value for element in app.markdown if "<svg" in element.value)
    assert drawing.count("<rect x=") == 1 + 3  # the canvas, then a box per digit
    assert "3 digits, each read with confidence" in texts(app)
    assert len(app.get("vega_lite_chart")) == 1  # the picked digit's probabilities


def test_the_picked_digits_chart_is_as_tall_as_the_draw_pages():
    # A shorter plot than the draw page's cuts its "Probability" axis title short.
    draw = run_page(PAGES["Draw_a_digit"], **drawing_state([Stroke(ellipse((140, 140), (60, 90)).round(), 18.0)]))
    number = run_page(PAGE, **written("704"))
    heights = [json.loads(app.get("vega_lite_chart")[0].proto.spec)["height"] for app in (draw, number)]
    assert heights[1] >= heights[0]


def test_the_picked_digit_goes_to_the_network_pages():
    app = run_page(PAGE, **written("704"))
    first = app.session_state[STATE_IMAGE]
    assert first.shape == (28, 28) and first.dtype == np.float32
    assert "digit 1 of your number" in str(app.session_state[STATE_IMAGE_SOURCE])
    app.segmented_control(key="_piece").set_value(2).run()
    assert not app.exception
    assert app.session_state[STATE_NUMBER_PIECE] == 2
    assert "digit 3 of your number" in str(app.session_state[STATE_IMAGE_SOURCE])
    assert not np.array_equal(app.session_state[STATE_IMAGE], first)
    shown = {key: app.session_state[key] for key in (STATE_IMAGE, STATE_IMAGE_SOURCE)}
    network = run_page(PAGES["Feature_maps"], **shown)
    assert not network.exception and "digit 3 of your number" in texts(network)
    # A switch of language on the network page says it in the new language.
    try:
        network = run_page(PAGES["Feature_maps"], **shown, **{STATE_LANGUAGE: "pt_BR"})
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    assert not network.exception and "dígito 3 do seu número" in texts(network)


def test_a_pick_beyond_a_shorter_number_falls_back_to_its_first_digit():
    app = run_page(PAGE, **written("70"), **{STATE_NUMBER_PIECE: 5})
    assert not app.exception
    assert app.session_state["_piece"] == 0 and "digit 1 of your number" in str(app.session_state[STATE_IMAGE_SOURCE])


def test_digits_that_touch_are_not_sure_and_the_page_says_why():
    touching = [Stroke(ellipse((120, 120), (40, 76)).round(), 12), Stroke(ellipse((200, 120), (40, 76)).round(), 12)]
    app = run_page(PAGE, **drawing_state(touching, NUMBER_CANVAS_SHAPE, NUMBER_CANVAS))
    assert not app.exception
    assert "<span class='not-sure'>?</span>" in number_text(app)
    assert "Not sure about 1 of the 1 pieces" in texts(app) and "seem to touch" in texts(app)
    assert "not sure</text>" in next(element.value for element in app.markdown if "<svg" in element.value)


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_a_dash_before_the_number_is_its_minus_sign_and_the_page_says_so(language):
    minus = Stroke(polyline((10, 120), (60, 120)), 12)
    app = run_page(
        PAGE, **drawing_state([minus, *number_paths("41", left=100)], NUMBER_CANVAS_SHAPE, NUMBER_CANVAS),
        **{STATE_LANGUAGE: language},
    )  # fmt: skip
    assert not app.exception
    assert ">\N{MINUS SIGN}41</div>" in number_text(app)
    with i18n.speaking(language):
        said = i18n._("The dash before the digits is read as a minus sign.")
    assert said in texts(app) and (language == "en") == (said.startswith("The dash"))
    drawing = next(element.value for element in app.markdown if "<svg" in element.value)
    assert drawing.count("<rect x=") == 1 + 3 and ">\N{MINUS SIGN}</text>" in drawing  # two digits and the sign
    # The digits to pick from are the two digits, the first picked: the sign is not one of them.
    assert app.segmented_control(key="_piece").options == ["1: 4", "2: 1"]
    first = read_number(None, pencil_json(number_paths("41", left=100))).steps[0].image
    np.testing.assert_array_equal(app.session_state[STATE_IMAGE], first)


def test_without_readable_strokes_the_picture_is_read():
    app = run_page(PAGE, **written("41", picture=True))
    assert not app.exception
    assert ">41</div>" in number_text(app)
    assert "data:image/png;base64," in next(element.value for element in app.markdown if "<svg" in element.value)


def test_clearing_forgets_only_the_number():
    draw_page = drawing_state(number_paths("7"))
    app = run_page(PAGE, **written("70"), **draw_page)
    app.button[0].click().run()
    assert not app.exception
    assert "The canvas is empty" in texts(app)
    assert app.session_state[NUMBER_CANVAS.json] is None and app.session_state[STATE_IMAGE] is None
    assert app.session_state[DRAW_CANVAS.json] == draw_page[DRAW_CANVAS.json]


@pytest.mark.parametrize("picture", [False, True])
def test_the_wide_canvas_starts_with_the_number_pen(picture):
    app = run_page(PAGE, **written("1", picture))
    assert app.slider(key="stroke_width").value == config.NUMBER_STROKE_WIDTH


def test_missing_model_explains_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "MODEL_PATH", tmp_path / "missing.keras")
    ui.get_model.clear()
    try:
        app = run_page(PAGE, **written("1"))
        assert not app.exception
        assert "missing.keras" in " ".join(error.value for error in app.error)
    finally:
        ui.get_model.clear()
