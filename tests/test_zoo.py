"""train.py --arch: a one-epoch smoke run of every classic network and of the baseline, and the comparison table."""

import json

import numpy as np
import pytest

import train
from digitlab import zoo
from digitlab.architectures import BASELINE, BUNDLED, RECIPES
from digitlab.data import file_sha256
from digitlab.evaluate import load_artifacts
from digitlab.model import load_model, predict_proba


@pytest.mark.parametrize("name", list(RECIPES))
def test_smoke_training_writes_model_metadata_and_evaluation(trained_zoo, synthetic_mnist, name):
    files = zoo.model_files(name, trained_zoo)
    metadata = json.loads(files.metadata.read_text())
    model = load_model(files.model)
    assert metadata["arch"] == name and metadata["epochs_run"] == 1
    assert metadata["parameters"] == model.count_params()
    assert metadata["size_bytes"] == files.model.stat().st_size
    assert metadata["model_sha256"] == file_sha256(files.model)
    assert metadata["data"]["sha256"] == file_sha256(synthetic_mnist)
    assert metadata["settings"]["batch_size"] == RECIPES[name].batch_size
    assert metadata["predict_ms"]["p50"] > 0 and metadata["training_seconds"] >= 0
    # The reported test accuracy is the saved model's, and its evaluation describes the same file.
    with np.load(synthetic_mnist) as data:
        x_test, y_test = data["x_test"] / np.float32(255), data["y_test"]
    assert metadata["test_accuracy"] == pytest.approx(np.mean(predict_proba(model, x_test).argmax(axis=1) == y_test))
    evaluation = load_artifacts(files.evaluation, files.evaluation_summary)
    assert evaluation.summary["model_sha256"] == metadata["model_sha256"]


def test_saved_models_carry_no_optimizer_state(trained_zoo):
    files = zoo.model_files("mlp", trained_zoo)
    weights_only = 4 * json.loads(files.metadata.read_text())["parameters"]
    assert files.model.stat().st_size < 1.1 * weights_only


def test_training_is_reproducible(trained_zoo, synthetic_mnist, tmp_path):
    argv = ["--arch", "cnn-small", "--data", str(synthetic_mnist), "--epochs", "1", "--output-dir", str(tmp_path)]
    assert train.main([*argv, "--quiet"]) == 0
    again = load_model(zoo.model_files("cnn-small", tmp_path).model)
    first = load_model(zoo.model_files("cnn-small", trained_zoo).model)
    for a, b in zip(first.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_baseline_writes_its_numbers_only(synthetic_mnist, tmp_path):
    argv = ["--arch", BASELINE, "--data", str(synthetic_mnist), "--limit", "300", "--output-dir", str(tmp_path)]
    assert train.main(argv) == 0
    result = json.loads((tmp_path / "zoo" / f"{BASELINE}.json").read_text())
    assert result["train_size"] == 300 and 0 <= result["test_accuracy"] <= 1
    assert result["parameters"] > 0 and result["predict_ms"]["p50"] > 0
    assert [path.name for path in (tmp_path / "zoo").iterdir()] == [f"{BASELINE}.json"]


def test_kfold_is_refused_for_a_classic_network(synthetic_mnist, tmp_path, capsys):
    argv = ["--arch", "mlp", "--kfold", "3", "--data", str(synthetic_mnist), "--output-dir", str(tmp_path)]
    assert train.main(argv) == 2
    assert "--kfold" in capsys.readouterr().err


def test_help_lists_every_architecture_and_its_recipe(capsys):
    with pytest.raises(SystemExit):
        train.main(["--help"])
    text = capsys.readouterr().out
    assert "--arch" in text
    for name, recipe in RECIPES.items():
        assert f"{name}: " in text and f"batch {recipe.batch_size}, {recipe.epochs} epochs" in text


def test_available_models_lists_the_bundled_one_first(trained_zoo, tmp_path):
    assert zoo.available_models(trained_zoo) == [BUNDLED, *RECIPES]
    assert zoo.available_models(tmp_path) == [BUNDLED]


def test_comparison_rows_read_metadata_and_benchmark(trained_zoo):
    zoo.write_benchmark(
        {"mlp": {"accuracy": 0.5, "predict_ms": {"p50": 0.3}, "model_sha256": "stale"},
         "lenet-like": {"accuracy": 0.75, "predict_ms": {"p50": 0.4}}},
        trained_zoo / "zoo" / "benchmark.json",
    )  # fmt: skip
    rows = {row["name"]: row for row in zoo.comparison_rows(trained_zoo)}
    assert set(RECIPES) <= set(rows)
    metadata = json.loads(zoo.model_files("lenet-like", trained_zoo).metadata.read_text())
    lenet = rows["lenet-like"]
    assert lenet["parameters"] == metadata["parameters"] and lenet["mnist_accuracy"] == metadata["test_accuracy"]
    assert lenet["drawn_accuracy"] == 0.75 and lenet["predict_ms"] == 0.4
    assert rows["mlp"]["drawn_accuracy"] is None and "stale" in rows["mlp"]["note"]
    small = json.loads(zoo.model_files("cnn-small", trained_zoo).metadata.read_text())
    assert rows["cnn-small"]["predict_ms"] == small["predict_ms"]["p50"]  # timed at training, not benchmarked


def test_shared_predictors_agree_with_the_app_pipeline(trained_zoo, canvas_factory):
    from digitlab.pendigits import canvas_predictor

    models = {name: load_model(zoo.model_files(name, trained_zoo).model) for name in ("mlp", "cnn-small")}
    blank = np.full((280, 280, 4), 255, np.uint8)
    canvases = np.stack([canvas_factory(shape=shape) for shape in ("seven", "one", "zero")] + [blank])
    shared = zoo.shared_canvas_predictors(models)
    for name, model in models.items():
        np.testing.assert_array_equal(shared[name](canvases), canvas_predictor(model)(canvases))
    assert shared["mlp"](canvases)[-1] == -1


def test_bundled_weights_stay_under_25_mb():
    files = [zoo.model_files(name).model for name in zoo.available_models()]
    assert sum(path.stat().st_size for path in files) < 25e6
