"""The inside-the-network pages under Streamlit's AppTest, with and without a drawing in session state."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitlab import ui
from digitlab.config import SAMPLES_PATH, STATE_IMAGE, STATE_SAMPLE
from digitlab.data import load_samples, to_float_images
from tests import conftest
from tests.conftest import PAGES, texts

NETWORK_PAGES = ("Feature_maps", "Pooling", "Filters")


@pytest.fixture(scope="module")
def drawn_digit():
    """A float32 (28, 28) model input as the drawing page stores it: an MNIST 3."""
    images, labels = load_samples(SAMPLES_PATH)
    return to_float_images(images[np.flatnonzero(labels == 3)[0]])


def run_page(name: str, image=None, **state) -> AppTest:
    """One of the network pages ("Feature_maps", "Pooling", "Filters") with `image` as the drawing."""
    return conftest.run_page(PAGES[name], **{STATE_IMAGE: image, **state})


def image_count(app: AppTest) -> int:
    return len(app.get("image"))


def image_captions(app: AppTest) -> str:
    return " ".join(image.caption for element in app.get("image") for image in element.proto.imgs)


def test_page_names_sort_in_sidebar_order():
    assert sorted(path.name for path in PAGES.values()) == [path.name for path in PAGES.values()]


@pytest.mark.parametrize("name", NETWORK_PAGES)
def test_page_shows_the_drawing(name, drawn_digit):
    app = run_page(name, drawn_digit)
    assert not app.exception
    assert "your drawing" in texts(app)
    assert "The model's input" in image_captions(app)
    assert image_count(app) >= 3


@pytest.mark.parametrize("name", NETWORK_PAGES)
def test_page_without_drawing_shows_a_sample_digit(name):
    app = run_page(name)
    assert not app.exception
    assert "Nothing drawn yet" in texts(app)
    assert "MNIST test digit: a 7" in image_captions(app)
    assert image_count(app) >= 3


def test_sample_choice_is_remembered_in_session_state():
    images, labels = load_samples(SAMPLES_PATH)
    index = int(np.flatnonzero(labels == 4)[2])
    app = run_page("Pooling", **{STATE_SAMPLE: index})
    assert not app.exception
    assert app.session_state["_sample_digit"] == 4 and app.session_state["_sample_example"] == 3
    app.slider(key="_sample_example").set_value(5).run()
    assert not app.exception
    assert app.session_state[STATE_SAMPLE] == int(np.flatnonzero(labels == 4)[4])


def test_without_drawing_or_samples_the_page_asks_for_a_drawing(monkeypatch):
    monkeypatch.setattr(ui, "get_samples", lambda: None)
    app = run_page("Feature_maps")
    assert not app.exception
    assert "Draw a digit" in texts(app)


def test_feature_maps_page_lists_every_layer_with_its_shape(drawn_digit):
    app = run_page("Feature_maps", drawn_digit)
    assert [element.value for element in app.subheader] == ["conv_1", "conv_2", "pool_1", "conv_3", "conv_4", "pool_2"]
    text = texts(app)
    for shape in ["26×26×32", "24×24×32", "12×12×32", "10×10×64", "8×8×64", "4×4×64"]:
        assert shape in text
    assert "ReLU set" in text and "Softmax" in text


def test_feature_maps_page_enlarges_a_pooling_channel(drawn_digit):
    app = run_page("Feature_maps", drawn_digit)
    app.selectbox(key="closer_layer").set_value("pool_2").run()
    assert not app.exception
    assert "after pooling" in image_captions(app)


def test_pooling_page_works_through_an_example_for_each_layer(drawn_digit):
    app = run_page("Pooling", drawn_digit)
    assert "24×24×32 → 12×12×32" in texts(app)
    assert any("<table" in element.value for element in app.markdown)
    app.radio(key="pool_layer").set_value("pool_2").run()
    assert not app.exception
    assert "8×8×64 → 4×4×64" in texts(app)


def test_filters_page_shows_every_conv_layer(drawn_digit):
    app = run_page("Filters", drawn_digit)
    assert "32 filters of 3×3" in texts(app)
    for layer in ["conv_3", "conv_4"]:
        app.radio(key="filters_layer").set_value(layer).run()
        assert not app.exception
        assert f"{layer}: 64 filters" in texts(app)
