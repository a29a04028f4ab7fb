"""The classic networks: layers, shapes and parameter counts exactly as issue 7 lists them."""

import numpy as np
import pytest

from digitlab.architectures import ARCHITECTURES, BASELINE, BUNDLED, RECIPES, describe_recipes, title
from digitlab.model import build_model, predict_proba


def dense(inputs: int, units: int) -> int:
    return inputs * units + units


def conv(kernel: int, channels_in: int, filters: int) -> int:
    return kernel * kernel * channels_in * filters + filters


# Parameter counts from the issue's layer lists (valid convolutions: 28 -> 26 for 3x3, 28 -> 24 for 5x5).
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


def test_every_issue_architecture_is_known():
    assert ARCHITECTURES == [BUNDLED, "mlp", "cnn-small", "cnn-two-conv", "lenet-like", "cnn-rmsprop", BASELINE]


def test_layers_are_named_like_the_bundled_model(built):
    name, model = built
    assert [layer.name for layer in model.layers] == EXPECTED_LAYERS[name]


def test_parameter_counts_follow_the_issue(built):
    name, model = built
    assert model.count_params() == EXPECTED_PARAMETERS[name]


def test_dropout_rates_follow_the_issue(built):
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


def test_recipes_follow_the_issue():
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


def test_every_architecture_has_a_title_and_a_help_line():
    text = describe_recipes()
    for name in ARCHITECTURES:
        assert title(name)
        assert f"{name}:" in text
