"""The Confusion matrix page under AppTest, reading artifacts of a tiny model written in a temporary folder."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from digitlab import config, ui
from digitlab.i18n import a_digit
from tests import conftest
from tests.conftest import PAGES, texts
from tests.test_evaluate import write_tiny_artifacts


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory, tiny_model):
    return write_tiny_artifacts(tmp_path_factory.mktemp("page"), tiny_model)


@pytest.fixture
def page_paths(artifacts, monkeypatch, tmp_path):
    """Point the page at the tiny model's artifacts, and at a metadata file the test may fill."""
    monkeypatch.setattr(config, "EVALUATION_PATH", artifacts["npz"])
    monkeypatch.setattr(config, "EVALUATION_SUMMARY_PATH", artifacts["summary_path"])
    monkeypatch.setattr(config, "MODEL_PATH", artifacts["model"])
    monkeypatch.setattr(config, "METADATA_PATH", tmp_path / "metadata.json")
    ui.get_metadata.clear()
    yield tmp_path / "metadata.json"
    ui.get_metadata.clear()


def run_page() -> AppTest:
    return conftest.run_page(PAGES["Confusion_matrix"])


def test_page_shows_accuracy_heatmap_and_metrics(page_paths, artifacts):
    app = run_page()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Test accuracy"] == f"{100 * artifacts['summary']['accuracy']:.2f}%"
    assert len(app.get("vega_lite_chart")) == 1
    assert len(app.dataframe) == 2  # per-class metrics, most confused pairs
    assert "Recall** (sensitivity)" in texts(app) and "Precision** (purity)" in texts(app)
    assert not app.warning


def test_selecting_a_cell_shows_its_images(page_paths, artifacts):
    pair = artifacts["summary"]["confused_pairs"][-1]
    app = run_page()
    app.selectbox(key="cell_true").select(pair["true"])
    app.selectbox(key="cell_predicted").select(pair["predicted"])
    app.run()
    assert not app.exception
    taken = f"**{pair['count']:,}** test images of {a_digit(pair['true'])} were taken for {a_digit(pair['predicted'])}"
    assert taken in texts(app)
    assert len(app.get("image")) == min(pair["count"], 24)


def test_most_confused_pair_is_selected_at_first(page_paths, artifacts):
    pair = artifacts["summary"]["confused_pairs"][0]
    app = run_page()
    assert (app.selectbox(key="cell_true").value, app.selectbox(key="cell_predicted").value) == (
        pair["true"],
        pair["predicted"],
    )
    assert len(app.get("image")) > 0


def test_row_normalised_view_renders(page_paths):
    app = run_page()
    app.toggle(key="normalised").set_value(True).run()
    assert not app.exception
    assert len(app.get("vega_lite_chart")) == 1


def test_artifacts_of_another_model_show_a_warning(page_paths, artifacts, monkeypatch, tmp_path):
    other = tmp_path / "other.keras"
    other.write_bytes(artifacts["model"].read_bytes() + b"retrained")
    monkeypatch.setattr(config, "MODEL_PATH", other)
    app = run_page()
    assert not app.exception
    warning = " ".join(element.value for element in app.warning)
    assert "don't match the model" in warning and "python -m digitlab.evaluate --write" in warning


def test_missing_artifacts_explain_how_to_make_them(page_paths, monkeypatch, tmp_path):
    monkeypatch.setattr(config, "EVALUATION_PATH", tmp_path / "absent.npz")
    app = run_page()
    assert not app.exception
    assert "python -m digitlab.evaluate --write" in " ".join(element.value for element in app.info)
    assert not app.metric


def test_cross_validation_is_shown_when_in_the_metadata(page_paths):
    folds = [{"fold": k, "accuracy": 0.98 + k / 1000, "train_size": 40_000, "test_size": 20_000} for k in (1, 2, 3)]
    kfold = {"k": 3, "folds": folds, "mean_accuracy": 0.982, "std_accuracy": 0.0008, "images": 60_000}
    page_paths.write_text(json.dumps({"kfold": {**kfold, "settings": {"epochs": 15}}}))
    app = run_page()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["3-fold cross-validation"] == "98.20% ± 0.08%"
    assert len(app.dataframe) == 3
