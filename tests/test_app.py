"""The drawing page under Streamlit's AppTest, with the canvas drawing injected through session state."""

import numpy as np
import pytest

from digitlab import config, ui
from digitlab.config import STATE_CANVAS_JSON, STATE_CANVAS_RGBA, STATE_IMAGE
from digitlab.drawing import Stroke
from digitlab.drawn.canvas import draw_on_canvas
from digitlab.drawn.synthetic import make_nondigits
from tests.conftest import drawing_state, ellipse, make_canvas, run_page, texts


def run_app(picture=None) -> object:
    """The draw page with a picture on the canvas whose strokes cannot be read (the page reads the picture)."""
    return run_page() if picture is None else run_page(**{STATE_CANVAS_RGBA: picture, STATE_CANVAS_JSON: None})


def test_blank_canvas_has_no_prediction():
    app = run_app()
    assert not app.exception
    assert "canvas is empty" in texts(app)
    assert "class='big-digit'" not in texts(app)
    assert app.session_state[STATE_IMAGE] is None


def test_white_canvas_counts_as_blank():
    app = run_app(np.full((280, 280, 4), 255, np.uint8))
    assert not app.exception
    assert "canvas is empty" in texts(app)


def test_a_dot_asks_for_a_bigger_drawing():
    dot = np.full((280, 280, 4), 255, np.uint8)
    dot[135:145, 135:145, :3] = 0
    app = run_app(dot)
    assert not app.exception
    assert "too small" in texts(app)
    assert "class='big-digit'" not in texts(app)


def test_taps_ask_for_a_digit_instead_of_an_answer():
    """Two taps, one over the other: the model alone would call them a 1."""
    app = run_page(**drawing_state([Stroke(np.array([[140.0, y]]), 18.0) for y in (90.0, 190.0)]))
    assert not app.exception
    assert "Dots alone are not a digit" in texts(app)
    assert "class='big-digit'" not in texts(app) and app.session_state[STATE_IMAGE] is None


def test_drawn_digit_shows_prediction_chart_and_model_input():
    app = run_app(make_canvas())
    assert not app.exception
    assert "class='big-digit'" in texts(app) or "Not sure" in texts(app)
    image = app.session_state[STATE_IMAGE]
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert "What the model sees" in [header.value for header in app.subheader]
    captions = [caption for image in app.get("image") for caption in image.captions]
    assert len(captions) == 4 and captions[-1].startswith("Centred by mass in 28×28")
    assert len(app.get("vega_lite_chart")) == 1  # the probability bars


@pytest.mark.parametrize("shape, digit", [("seven", 7), ("one", 1), ("zero", 0)])
def test_bundled_model_reads_clear_drawings(shape, digit):
    app = run_app(make_canvas(shape=shape))
    assert f"<div class='big-digit'>{digit}</div>" in texts(app)


def test_a_small_drawing_read_from_its_picture_with_a_thick_pen_gets_a_hint():
    """Without readable strokes the page reads the picture, where a wide pen closes a small digit's loops."""
    small = run_app(make_canvas(shape="zero", box=(0.1, 0.1, 0.2, 0.3), width=18))
    assert not small.exception
    assert "pen is thick for a drawing this small" in texts(small)
    assert "class='big-digit'" in texts(small) or "Not sure" in texts(small)
    assert "pen is thick" not in texts(run_app(make_canvas(shape="zero")))


def test_the_strokes_of_a_small_digit_are_redrawn_with_a_thinner_pen():
    """Where the canvas sends its strokes, a small 0 drawn with the default pen keeps its loop: no thick-pen note."""
    app = run_page(**drawing_state([Stroke(ellipse((30, 35), (9, 16)).round(), 18.0)]))
    assert not app.exception
    captions = [caption for image in app.get("image") for caption in image.captions]
    assert captions[0] == "Your 1 stroke, redrawn with a pen 3 px wide (280×280)"
    assert "pen is thick" not in texts(app)
    assert "<div class='big-digit'>0</div>" in texts(app)


def test_missing_model_explains_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "MODEL_PATH", tmp_path / "missing.keras")
    ui.get_model.clear()
    try:
        app = run_app(make_canvas())
        assert not app.exception
        message = " ".join(error.value for error in app.error)
        assert "missing.keras" in message and "python train.py" in message
    finally:
        ui.get_model.clear()


def test_clear_button_forgets_the_drawing():
    app = run_app(make_canvas())
    app.button[0].click().run()
    assert not app.exception
    assert app.session_state[STATE_CANVAS_RGBA] is None and app.session_state[STATE_CANVAS_JSON] is None
    assert "canvas is empty" in texts(app)


def test_a_scribble_is_not_announced_as_a_digit():
    blob = draw_on_canvas(make_nondigits("filled_blob", 1, seed=5)[0], stroke_width=20).picture
    app = run_app(blob)
    assert not app.exception
    assert "Not sure: this may not be a digit" in texts(app)
    assert "class='big-digit'" not in texts(app)
    assert "best guess" in texts(app)
