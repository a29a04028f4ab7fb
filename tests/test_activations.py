"""What the network computes for one image: activations, pre-activations, pooling, kernels."""

import keras
import numpy as np

from digitlab import activations
from tests.conftest import CONV_AND_POOL, numpy_max_pool_2x2


def test_feature_maps_cover_every_conv_and_pool_layer_in_model_order(tiny_model, digit_image):
    maps = activations.feature_maps(tiny_model, digit_image)
    assert list(maps) == CONV_AND_POOL
    assert activations.conv_layers(tiny_model) == ["conv_1", "conv_2", "conv_3", "conv_4"]
    assert activations.pool_layers(tiny_model) == ["pool_1", "pool_2"]


def test_activation_shapes_equal_layer_output_shapes(tiny_model, digit_image):
    maps = activations.feature_maps(tiny_model, digit_image)
    for name, activation in maps.items():
        assert activation.shape == tuple(tiny_model.get_layer(name).output.shape[1:])
        assert activation.dtype == np.float32


def test_each_pooling_output_is_a_2x2_stride_2_maximum_of_its_input(tiny_model, digit_image):
    maps = activations.feature_maps(tiny_model, digit_image)
    for pool_name, conv_name in [("pool_1", "conv_2"), ("pool_2", "conv_4")]:
        assert activations.input_layer_name(tiny_model, pool_name) == conv_name
        np.testing.assert_allclose(maps[pool_name], numpy_max_pool_2x2(maps[conv_name]), rtol=0, atol=1e-6)


def test_conv_kernels_equal_the_layer_weights(tiny_model):
    for name in activations.conv_layers(tiny_model):
        kernels = activations.conv_kernels(tiny_model, name)
        weights = tiny_model.get_layer(name).get_weights()[0]
        assert kernels.shape == weights.shape
        np.testing.assert_array_equal(kernels, weights)
    assert activations.conv_kernels(tiny_model, "conv_1").shape == (3, 3, 1, 32)


def test_relu_of_the_pre_activations_gives_the_feature_maps(tiny_model, digit_image):
    maps = activations.feature_maps(tiny_model, digit_image)
    responses = activations.pre_activations(tiny_model, digit_image)
    assert list(responses) == activations.conv_layers(tiny_model)
    for name, response in responses.items():
        np.testing.assert_allclose(np.maximum(response, 0), maps[name], atol=1e-5)
    assert 0 < activations.negative_share(responses["conv_1"]) < 1


def test_first_layer_pre_activation_is_the_numpy_cross_correlation(tiny_model, digit_image):
    layer = tiny_model.get_layer("conv_1")
    kernel, bias = (keras.ops.convert_to_numpy(weight) for weight in (layer.kernel, layer.bias))
    expected = np.zeros((26, 26, 32), dtype=np.float32)
    for row in range(26):
        for col in range(26):
            patch = digit_image[row : row + 3, col : col + 3]
            expected[row, col] = np.einsum("ij,ijo->o", patch, kernel[:, :, 0, :]) + bias
    np.testing.assert_allclose(activations.pre_activations(tiny_model, digit_image)["conv_1"], expected, atol=1e-5)


def test_feature_maps_follow_the_image(tiny_model, digit_image):
    first = activations.feature_maps(tiny_model, digit_image)["conv_1"].copy()
    other = activations.feature_maps(tiny_model, digit_image[::-1].copy())["conv_1"]
    again = activations.feature_maps(tiny_model, digit_image)["conv_1"]
    assert not np.allclose(first, other)
    np.testing.assert_array_equal(first, again)


def test_pooling_example_picks_the_most_active_aligned_block():
    feature_map = np.zeros((12, 12), dtype=np.float32)
    feature_map[6:10, 4:8] = np.arange(16, dtype=np.float32).reshape(4, 4) + 1
    example = activations.pooling_example(feature_map)
    assert (example.top, example.left) == (6, 4)
    np.testing.assert_array_equal(example.patch, feature_map[6:10, 4:8])
    np.testing.assert_array_equal(example.pooled, [[6, 8], [14, 16]])
    np.testing.assert_array_equal(example.argmax, [[[1, 1], [1, 3]], [[3, 1], [3, 3]]])


def test_pooling_example_windows_and_maxima_are_consistent():
    rng = np.random.default_rng(0)
    feature_map = rng.random((24, 24)).astype(np.float32)
    example = activations.pooling_example(feature_map)
    assert example.top % 2 == 0 and example.left % 2 == 0 and example.pool == 2
    for row in range(2):
        for col in range(2):
            window = example.patch[2 * row : 2 * row + 2, 2 * col : 2 * col + 2]
            assert example.pooled[row, col] == window.max()
            assert example.patch[tuple(example.argmax[row, col])] == window.max()
            assert 2 * row <= example.argmax[row, col, 0] < 2 * row + 2
            assert 2 * col <= example.argmax[row, col, 1] < 2 * col + 2


def test_pooling_example_agrees_with_the_pool_layer(tiny_model, digit_image):
    maps = activations.feature_maps(tiny_model, digit_image)
    channel = activations.strongest_channel(maps["conv_2"])
    example = activations.pooling_example(maps["conv_2"][..., channel])
    pooled = maps["pool_1"][example.top // 2 : example.top // 2 + 2, example.left // 2 : example.left // 2 + 2, channel]
    np.testing.assert_allclose(example.pooled, pooled, atol=1e-6)


def test_max_pool_halves_and_keeps_maxima():
    values = np.arange(36, dtype=np.float32).reshape(6, 6)
    np.testing.assert_array_equal(activations.max_pool(values), numpy_max_pool_2x2(values[..., None])[..., 0])


def test_kernel_and_slice_norms():
    kernels = np.zeros((3, 3, 2, 4), dtype=np.float32)
    kernels[0, 0, 0, 1] = 3.0
    kernels[1, 1, 1, 1] = 4.0
    kernels[:, :, 1, 3] = 1.0
    np.testing.assert_allclose(activations.kernel_norms(kernels), [0, 5, 0, 3])
    assert activations.slice_norms(kernels).shape == (4, 2)
    np.testing.assert_allclose(activations.slice_norms(kernels)[1], [3, 4])


def test_channel_choices():
    maps = np.zeros((4, 4, 3), dtype=np.float32)
    maps[..., 2] = 1.0
    assert activations.strongest_channel(maps) == 2
    response = np.stack([np.ones((4, 4)), np.full((4, 4), -1.0), np.array([[1.0, -1.0] * 2] * 4)], axis=-1)
    assert activations.most_mixed_channel(response) == 2
