"""Which models exist, where their files live, and the comparison table of the Compare models page."""

import json

import pytest

from digitlab import catalog
from digitlab.catalog import ARCHITECTURES, BASELINE, BUNDLED, CLASSICS, title
from tests.conftest import ROOT_DIR


def test_available_models_lists_the_bundled_one_first(trained_zoo, tmp_path):
    assert catalog.available_models(trained_zoo) == [BUNDLED, *CLASSICS]
    assert catalog.available_models(tmp_path) == [BUNDLED]


def test_comparison_rows_read_metadata_and_benchmark(trained_zoo):
    catalog.write_benchmark(
        {"mlp": {"accuracy": 0.5, "predict_ms": {"p50": 0.3}, "model_sha256": "stale"},
         "lenet-like": {"accuracy": 0.75, "predict_ms": {"p50": 0.4}}},
        trained_zoo / "zoo" / "benchmark.json",
    )  # fmt: skip
    rows = {row["name"]: row for row in catalog.comparison_rows(trained_zoo)}
    assert set(CLASSICS) <= set(rows)
    metadata = json.loads(catalog.model_files("lenet-like", trained_zoo).metadata.read_text())
    lenet = rows["lenet-like"]
    assert lenet["parameters"] == metadata["parameters"] and lenet["mnist_accuracy"] == metadata["test_accuracy"]
    assert lenet["drawn_accuracy"] == 0.75 and lenet["predict_ms"] == 0.4
    assert rows["mlp"]["drawn_accuracy"] is None and "stale" in rows["mlp"]["note"]
    small = json.loads(catalog.model_files("cnn-small", trained_zoo).metadata.read_text())
    assert rows["cnn-small"]["predict_ms"] == small["predict_ms"]["p50"]  # timed at training, not benchmarked


def test_bundled_weights_stay_under_25_mb():
    files = [catalog.model_files(name).model for name in catalog.available_models()]
    assert sum(path.stat().st_size for path in files) < 25e6


def test_every_architecture_is_known_and_titled():
    assert ARCHITECTURES == [BUNDLED, "mlp", "cnn-small", "cnn-two-conv", "lenet-like", "cnn-rmsprop", BASELINE]
    assert all(title(name) for name in ARCHITECTURES)


def test_bundled_files_default_to_the_model_folder_and_follow_another():
    files = catalog.model_files(BUNDLED)
    assert files.model == ROOT_DIR / "model" / "digitlab_cnn.keras" and files.train_command == "python train.py"
    moved = catalog.model_files(BUNDLED, ROOT_DIR / "elsewhere")
    assert moved.metadata == ROOT_DIR / "elsewhere" / "metadata.json"
    assert catalog.model_files("mlp").evaluation.name == "mlp.evaluation.npz"
    with pytest.raises(KeyError, match="unknown model"):
        catalog.model_files("resnet")
