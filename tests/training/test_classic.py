"""The classic networks: their layers, shapes and parameter counts as the tutorials define them, and
`train.py --arch`: a one-epoch smoke run of every classic network and of the baseline."""

import json

import numpy as np
import pytest

import train
from digitlab.catalog import ARCHITECTURES, BASELINE, CLASSICS, model_files
from digitlab.evaluate import load_artifacts
from digitlab.model import build_model, load_model, predict_proba
from digitlab.neighbours import describe_index
from digitlab.provenance import file_sha256
from digitlab.training.classic import RECIPES, describe_recipes


def dense(inputs: int, units: int) -> int:
    return inputs * units + units


def conv(kernel: int, channels_in: int, filters: int) -> int:
    return kernel * kernel * channels_in * filters + filters


# Parameter counts from the tutorials' layer lists (valid convolutions: 28 -> 26 for 3x3, 28 -> 24 for 5x5).
EXPECTED_PARAMETERS = {
    "mlp": dense(784, 512) + dense(512, 512) + dense(512, 10),
    "cnn-small": conv(3, 1, 32) + dense(13 * 13 * 32, 128) + dense(128, 10),
    "cnn-two-conv": conv(3, 1, 32) + conv(3, 32, 32) + dense(12 * 12 * 32, 128) + dense(128, 10),
    "lenet-like": conv(5, 1, 32) + conv(5, 32, 64) + dense(4 * 4 * 64, 1000) + dense(1000, 10),
    "cnn-rmsprop": conv(3, 1, 32) + conv(3, 32, 64) + dense(12 * 12 * 64, 256) + dense(256, 10),
}
EXPECTED_LAYERS = {
    "mlp": ["image", "flatten", "dense_1", "dropout_1", "dense_2", "dropout_2", "probabilities"],
    "cnn-small": ["image", "conv_1", "pool_1", "flatten", "dense_1", "dropout_1", "probabilities"],
    "cnn-two-conv": ["image", "conv_1", "conv_2", "pool_1", "dropout_1", "flatten", "dense_1", "dropout_2",
                     "probabilities"],
    "lenet-like": ["image", "conv_1", "pool_1", "conv_2", "pool_2", "flatten", "dense_1", "probabilities"],
    "cnn-rmsprop": ["image", "conv_1", "conv_2", "pool_1", "dropout_1", "flatten", "dense_1", "dropout_2",
                    "probabilities"],
}  # fmt: skip
DROPOUT_RATES = {
    "mlp": [0.2, 0.2],
    "cnn-small": [0.5],
    "cnn-two-conv": [0.25, 0.5],
    "lenet-like": [],
    "cnn-rmsprop": [0.25, 0.8],
}


@pytest.fixture(scope="module", params=list(RECIPES))
def built(request):
    return request.param, RECIPES[request.param].build()


def test_every_classic_network_has_a_recipe():
    assert list(RECIPES) == list(CLASSICS)


def test_layers_are_named_like_the_bundled_model(built):
    name, model = built
    assert [layer.name for layer in model.layers] == EXPECTED_LAYERS[name]


def test_parameter_counts_follow_the_tutorials(built):
    name, model = built
    assert model.count_params() == EXPECTED_PARAMETERS[name]


def test_dropout_rates_follow_the_tutorials(built):
    name, model = built
    assert [layer.rate for layer in model.layers if "dropout" in layer.name] == DROPOUT_RATES[name]


def test_input_and_softmax_output_fit_predict_proba(built):
    _, model = built
    assert model.input_shape == (None, 28, 28, 1)
    assert model.get_layer("probabilities").output.shape[1:] == (10,)
    probabilities = predict_proba(model, np.random.default_rng(0).random((3, 28, 28), dtype=np.float32))
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_lenet_pools_with_stride_two():
    model = RECIPES["lenet-like"].build()
    assert model.get_layer("pool_1").strides == (2, 2)
    assert model.get_layer("pool_2").output.shape[1:] == (4, 4, 64)


def test_recipes_follow_the_tutorials():
    assert (RECIPES["lenet-like"].batch_size, RECIPES["lenet-like"].epochs) == (128, 10)
    rmsprop = RECIPES["cnn-rmsprop"]
    assert (rmsprop.optimizer, rmsprop.learning_rate, rmsprop.keep_best) == ("rmsprop", 5e-4, True)
    assert RECIPES["cnn-small"].optimizer == "adam"
    assert type(rmsprop.make_optimizer()).__name__ == "RMSprop"


def test_bundled_model_keeps_its_architecture():
    model = build_model()
    convolutions = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert model.name == "digitlab_cnn" and convolutions == ["conv_1", "conv_2", "conv_3", "conv_4"]
    assert model.layers[-3:][0].name == "logits" and model.layers[-1].name == "probabilities"


def test_every_architecture_has_a_help_line():
    text = describe_recipes()
    for name in ARCHITECTURES:
        assert f"{name}:" in text


@pytest.mark.parametrize("name", list(RECIPES))
def test_smoke_training_writes_model_metadata_evaluation_and_index(trained_zoo, synthetic_mnist, name):
    files = model_files(name, trained_zoo)
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
    # So does its nearest-digit index.
    assert describe_index(files.model).startswith("current")


def test_saved_models_carry_no_optimizer_state(trained_zoo):
    files = model_files("mlp", trained_zoo)
    weights_only = 4 * json.loads(files.metadata.read_text())["parameters"]
    assert files.model.stat().st_size < 1.1 * weights_only


def test_training_is_reproducible(trained_zoo, synthetic_mnist, tmp_path):
    argv = ["--arch", "cnn-small", "--data", str(synthetic_mnist), "--epochs", "1", "--output-dir", str(tmp_path)]
    assert train.main([*argv, "--quiet"]) == 0
    again = load_model(model_files("cnn-small", tmp_path).model)
    first = load_model(model_files("cnn-small", trained_zoo).model)
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
