"""The Explain page under Streamlit's AppTest: with a drawing, with an MNIST sample digit, with the MLP, without
an index; and the draw page's link to it."""

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from bench.browser import DIGIT_STROKES
from digitlab import neighbours
from digitlab.config import STATE_CANVAS_JSON, STATE_CANVAS_RGBA, STATE_IMAGE, STATE_MODEL
from digitlab.drawing import Stroke
from digitlab.i18n import a_digit
from digitlab.reading import read_drawing
from tests.conftest import PAGES, drawing_state, run_page, texts

# One card per way of reading the drawing: today's path, each of the five steps off, the tutorials' way.
READING_CARDS = 7


def seven() -> dict:
    """The session state the draw page leaves after a 7 was drawn: the canvas's strokes and the model input."""
    state = drawing_state([Stroke(np.array(points, dtype=float), 18.0) for points in DIGIT_STROKES[7]])
    return {**state, STATE_IMAGE: read_drawing(state[STATE_CANVAS_RGBA], state[STATE_CANVAS_JSON]).image}


def ranked_digits(state: dict) -> list[int]:
    """The bundled model's digits for the drawing in `state`, most probable first: what the page must explain."""
    from digitlab.model import load_model, predict_proba

    probabilities = predict_proba(load_model(), state[STATE_IMAGE][None])[0]
    return [int(digit) for digit in np.argsort(-probabilities, kind="stable")]


def explain_page(**state) -> AppTest:
    return run_page(PAGES["Explain"], **state)


def image_captions(app: AppTest) -> str:
    return " ".join(image.caption for element in app.get("image") for image in element.proto.imgs)


def reading_cards(app: AppTest) -> list[str]:
    """The titles of the cards of the preparation steps, in page order."""
    return [text.value[2:-2] for text in app.markdown if re.fullmatch(r"\*\*[^*]+\*\*", text.value)]


def test_page_explains_a_drawing_three_ways():
    state = seven()
    answer, runner_up = ranked_digits(state)[:2]
    assert answer == 7
    app = explain_page(**state)
    assert not app.exception
    text = texts(app)
    assert "your drawing" in text and "<span class='compare-digit'>7</span>" in text
    assert [header.value for header in app.header] == [
        "Where the network looked", "What it thinks your drawing looks like", "What each preparation step is worth",
    ]  # fmt: skip
    assert [subheader.value.split(" (")[0] for subheader in app.subheader] == ["Why 7", f"Why not {runner_up}"]
    assert text.count("Grad-CAM: where `conv_4` found evidence") == 2 and "Occlusion: how far" in text
    assert "of the 8 are 7s" in text
    assert reading_cards(app) == [
        "Today's path", "Without reading the strokes", "Without cropping", "Without fitting into 20×20",
        "Without centring by mass", "Without stroke width", "The tutorials' way",
    ]  # fmt: skip
    # The drawing, four saliency pictures, the nearest digits, and the model input of every card.
    assert len(app.get("image")) == 1 + 4 + 1 + READING_CARDS


def test_another_digit_can_be_asked_about():
    state = seven()
    runner_up, other = ranked_digits(state)[1:3]
    app = explain_page(**state)
    app.segmented_control(key=f"explain_other_7_{runner_up}").set_value(other).run()
    assert not app.exception
    assert [subheader.value.split(" (")[0] for subheader in app.subheader] == ["Why 7", f"Why not {other}"]
    assert f"stands in the way of {a_digit(other)}" in texts(app)


def test_steps_can_be_turned_off_together():
    app = explain_page(**seven())
    app.get("button_group")[1].set_value(["crop", "fit"]).run()
    assert not app.exception
    assert reading_cards(app)[-1] == "Your combination"
    assert "Without cropping, fitting into 20×20." in texts(app)


def test_before_anything_is_drawn_an_mnist_digit_is_explained():
    app = explain_page()
    assert not app.exception
    text = texts(app)
    assert "Nothing drawn yet" in text and "MNIST test digit: a 7" in image_captions(app)
    assert "Why 7" in [subheader.value.split(" (")[0] for subheader in app.subheader]
    assert "of the 8 are 7s" in text
    assert "This part needs a drawing of your own" in text and not reading_cards(app)


def test_for_the_mlp_grad_cam_does_not_apply_and_the_page_says_so():
    app = explain_page(**seven(), **{STATE_MODEL: "mlp"})
    assert not app.exception
    text = texts(app)
    assert "Grad-CAM does not apply to MLP (2×512)" in text and "Grad-CAM:" not in text
    assert text.count("Input × weight: how each pixel's ink") == 2 and "Occlusion: how far" in text
    assert "hidden layer (`dense_2`)" in text
    assert len(reading_cards(app)) == READING_CARDS


def test_without_an_index_the_page_says_how_to_make_it(monkeypatch):
    monkeypatch.setattr(neighbours, "INDEX_SUFFIX", ".missing.npz")
    app = explain_page(**seven())
    assert not app.exception
    assert "No nearest digits to show" in texts(app) and neighbours.REGENERATE_COMMAND in texts(app)
    assert len(reading_cards(app)) == READING_CARDS  # the rest of the page is there


@pytest.mark.parametrize("state, linked", [(seven, True), (dict, False)], ids=["a drawing", "an empty canvas"])
def test_the_draw_page_links_its_answer_to_the_explanation(state, linked):
    app = run_page(**state())
    assert not app.exception
    links = [(link.proto.page, link.proto.label) for link in app.get("page_link")]
    assert links == ([("Explain", "Why? Explain this answer")] if linked else [])
