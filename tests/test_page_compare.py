"""The model selector on every page, the pages' adaptation to a plain dense network, and the Compare models page.

The classic networks come from `trained_zoo` (one epoch on synthetic digits, in a temporary model folder);
the bundled model is the real one.
"""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from digitlab import config
from digitlab.catalog import BUNDLED, CLASSICS, title
from digitlab.data import load_samples, to_float_images
from tests import conftest
from tests.conftest import PAGES, texts

COMPARE, FEATURE_MAPS, POOLING, FILTERS, CONFUSION = (
    PAGES[name] for name in ("Compare_models", "Feature_maps", "Pooling", "Filters", "Confusion_matrix")
)


@pytest.fixture
def zoo_models(trained_zoo, monkeypatch):
    """Point the app at the temporary zoo (the bundled model stays the real one)."""
    monkeypatch.setattr(config, "MODEL_DIR", trained_zoo)
    return trained_zoo


@pytest.fixture(scope="module")
def drawn_three():
    images, labels = load_samples(config.SAMPLES_PATH)
    return to_float_images(images[np.flatnonzero(labels == 3)[0]])


def run_page(path, model: str | None = None, image=None) -> AppTest:
    state = {config.STATE_IMAGE: image} | ({config.STATE_MODEL: model} if model is not None else {})
    return conftest.run_page(path, **state)


def test_selector_lists_the_bundled_model_first_and_defaults_to_it(zoo_models, drawn_three):
    app = run_page(FEATURE_MAPS, image=drawn_three)
    assert not app.exception
    selector = app.sidebar.selectbox(key="_model_choice")
    assert selector.options == [title(name) for name in [BUNDLED, *CLASSICS]]
    assert selector.value == BUNDLED


def test_choosing_the_mlp_explains_it_has_no_feature_maps(zoo_models, drawn_three):
    app = run_page(FEATURE_MAPS, image=drawn_three)
    app.sidebar.selectbox(key="_model_choice").set_value("mlp").run()
    assert not app.exception
    assert app.session_state[config.STATE_MODEL] == "mlp"
    message = " ".join(info.value for info in app.info)
    assert "has no convolution or pooling layers, so it has no feature maps" in message
    assert "Filters" in texts(app)
    assert not app.subheader  # no layer rows


def test_choosing_a_cnn_shows_its_own_layers(zoo_models, drawn_three):
    app = run_page(FEATURE_MAPS, image=drawn_three)
    app.sidebar.selectbox(key="_model_choice").set_value("lenet-like").run()
    assert not app.exception
    assert [element.value for element in app.subheader] == ["conv_1", "pool_1", "conv_2", "pool_2"]
    assert "24×24×32" in texts(app) and "4×4×64" in texts(app)


def test_pooling_page_explains_the_mlp_has_no_pooling(zoo_models, drawn_three):
    app = run_page(POOLING, "mlp", drawn_three)
    assert not app.exception
    assert "no pooling layers" in " ".join(info.value for info in app.info)


def test_filters_page_shows_the_mlp_first_layer_weights(zoo_models, drawn_three):
    app = run_page(FILTERS, "mlp", drawn_three)
    assert not app.exception
    assert "one weight per pixel" in texts(app)
    assert "most active on this input" in texts(app)
    assert len(app.get("image")) >= 2  # the input and the weight images


def test_filters_page_of_a_single_conv_network(zoo_models, drawn_three):
    app = run_page(FILTERS, "cnn-small", drawn_three)
    assert not app.exception
    assert "32 filters of 3×3" in texts(app)
    assert "single convolution layer" in texts(app)


def test_confusion_page_shows_the_selected_models_evaluation(zoo_models):
    app = run_page(CONFUSION, "cnn-two-conv")
    assert not app.exception
    assert title("cnn-two-conv") in texts(app)
    assert [metric.label for metric in app.metric][:2] == ["Test accuracy", "Correct"]
    assert "of 100" in app.metric[1].value  # the synthetic test set, not MNIST's 10,000
    assert not app.warning


def test_confusion_page_says_how_to_make_a_missing_evaluation(zoo_models, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(zoo_models, tmp_path / "models")
    (tmp_path / "models" / "zoo" / "mlp.evaluation.npz").unlink()
    monkeypatch.setattr(config, "MODEL_DIR", tmp_path / "models")
    app = run_page(CONFUSION, "mlp")
    assert not app.exception
    assert "python train.py --arch mlp" in " ".join(info.value for info in app.info)


def test_unknown_choice_falls_back_to_the_bundled_model(zoo_models, drawn_three):
    app = run_page(FEATURE_MAPS, "no-such-model", drawn_three)
    assert not app.exception
    assert app.sidebar.selectbox(key="_model_choice").value == BUNDLED


def test_compare_page_classifies_the_drawing_with_every_model(zoo_models, drawn_three):
    app = run_page(COMPARE, "cnn-small", drawn_three)
    assert not app.exception
    assert "your drawing" in " ".join(element.value for element in app.success)
    text = texts(app)
    for name in [BUNDLED, *CLASSICS]:
        assert f"**{title(name)}**" in text
    assert f"**{title('cnn-small')}** · in use" in text
    assert len(app.get("vega_lite_chart")) == 1 + len(CLASSICS) + 1  # comparison chart + one per model
    table = app.dataframe[0]
    assert set(table.value["name"]) >= {BUNDLED, *CLASSICS}
    # What the page asks about comes first, in view on a phone without scrolling sideways; the accuracies' numbers
    # start where their headings do, so a column cut short on a phone still shows its numbers.
    assert list(table.proto.column_order)[:3] == ["title", "drawn_accuracy", "mnist_accuracy"]
    columns = json.loads(table.proto.columns)
    assert columns["drawn_accuracy"]["alignment"] == columns["mnist_accuracy"]["alignment"] == "left"


def test_compare_page_without_a_drawing_uses_an_mnist_sample(zoo_models):
    app = run_page(COMPARE)
    assert not app.exception
    assert "Nothing drawn yet" in " ".join(info.value for info in app.info)
    assert f"**{title('mlp')}**" in texts(app)


def test_compare_page_chart_switches_measure(zoo_models, drawn_three):
    app = run_page(COMPARE, image=drawn_three)
    app.get("button_group")[0].set_value("parameters").run()
    assert not app.exception
    assert app.session_state["compare_measure"] == "parameters"


def test_compare_page_with_only_the_bundled_model(tmp_path, monkeypatch, drawn_three):
    monkeypatch.setattr(config, "MODEL_DIR", tmp_path)
    app = run_page(COMPARE, image=drawn_three)
    assert not app.exception
    assert "python train.py --arch NAME" in " ".join(info.value for info in app.info)
