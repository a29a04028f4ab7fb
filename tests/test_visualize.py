"""Activation extraction, pooling, kernels and the pictures of the inside-the-network pages."""

import keras
import numpy as np
import pytest

from digitlab import visualize

CONV_AND_POOL = ["conv_1", "conv_2", "pool_1", "conv_3", "conv_4", "pool_2"]


@pytest.fixture(scope="module")
def digit_image():
    """A float32 (28, 28) image with a bright diagonal stroke and a bar, values in [0, 1]."""
    image = np.zeros((28, 28), dtype=np.float32)
    for i in range(6, 22):
        image[i, 28 - i - 2 : 28 - i + 1] = 1.0
    image[6:9, 8:20] = 0.8
    return image


def numpy_max_pool_2x2(feature_maps: np.ndarray) -> np.ndarray:
    """Reference 2x2, stride-2 max pooling of (h, w, c), written with explicit loops."""
    height, width, channels = feature_maps.shape
    pooled = np.zeros((height // 2, width // 2, channels), dtype=feature_maps.dtype)
    for row in range(height // 2):
        for col in range(width // 2):
            pooled[row, col] = feature_maps[2 * row : 2 * row + 2, 2 * col : 2 * col + 2].max(axis=(0, 1))
    return pooled


def test_feature_maps_cover_every_conv_and_pool_layer_in_model_order(tiny_model, digit_image):
    maps = visualize.feature_maps(tiny_model, digit_image)
    assert list(maps) == CONV_AND_POOL
    assert visualize.conv_layers(tiny_model) == ["conv_1", "conv_2", "conv_3", "conv_4"]
    assert visualize.pool_layers(tiny_model) == ["pool_1", "pool_2"]


def test_activation_shapes_equal_layer_output_shapes(tiny_model, digit_image):
    maps = visualize.feature_maps(tiny_model, digit_image)
    for name, activation in maps.items():
        assert activation.shape == tuple(tiny_model.get_layer(name).output.shape[1:])
        assert activation.dtype == np.float32


def test_each_pooling_output_is_a_2x2_stride_2_maximum_of_its_input(tiny_model, digit_image):
    maps = visualize.feature_maps(tiny_model, digit_image)
    for pool_name, conv_name in [("pool_1", "conv_2"), ("pool_2", "conv_4")]:
        assert visualize.input_layer_name(tiny_model, pool_name) == conv_name
        np.testing.assert_allclose(maps[pool_name], numpy_max_pool_2x2(maps[conv_name]), rtol=0, atol=1e-6)


def test_conv_kernels_equal_the_layer_weights(tiny_model):
    for name in visualize.conv_layers(tiny_model):
        kernels = visualize.conv_kernels(tiny_model, name)
        weights = tiny_model.get_layer(name).get_weights()[0]
        assert kernels.shape == weights.shape
        np.testing.assert_array_equal(kernels, weights)
    assert visualize.conv_kernels(tiny_model, "conv_1").shape == (3, 3, 1, 32)


def test_relu_of_the_pre_activations_gives_the_feature_maps(tiny_model, digit_image):
    maps = visualize.feature_maps(tiny_model, digit_image)
    responses = visualize.pre_activations(tiny_model, digit_image)
    assert list(responses) == visualize.conv_layers(tiny_model)
    for name, response in responses.items():
        np.testing.assert_allclose(np.maximum(response, 0), maps[name], atol=1e-5)
    assert 0 < visualize.negative_share(responses["conv_1"]) < 1


def test_first_layer_pre_activation_is_the_numpy_cross_correlation(tiny_model, digit_image):
    layer = tiny_model.get_layer("conv_1")
    kernel, bias = (keras.ops.convert_to_numpy(weight) for weight in (layer.kernel, layer.bias))
    expected = np.zeros((26, 26, 32), dtype=np.float32)
    for row in range(26):
        for col in range(26):
            patch = digit_image[row : row + 3, col : col + 3]
            expected[row, col] = np.einsum("ij,ijo->o", patch, kernel[:, :, 0, :]) + bias
    np.testing.assert_allclose(visualize.pre_activations(tiny_model, digit_image)["conv_1"], expected, atol=1e-5)


def test_feature_maps_follow_the_image(tiny_model, digit_image):
    first = visualize.feature_maps(tiny_model, digit_image)["conv_1"].copy()
    other = visualize.feature_maps(tiny_model, digit_image[::-1].copy())["conv_1"]
    again = visualize.feature_maps(tiny_model, digit_image)["conv_1"]
    assert not np.allclose(first, other)
    np.testing.assert_array_equal(first, again)


def test_pooling_example_picks_the_most_active_aligned_block():
    feature_map = np.zeros((12, 12), dtype=np.float32)
    feature_map[6:10, 4:8] = np.arange(16, dtype=np.float32).reshape(4, 4) + 1
    example = visualize.pooling_example(feature_map)
    assert (example.top, example.left) == (6, 4)
    np.testing.assert_array_equal(example.patch, feature_map[6:10, 4:8])
    np.testing.assert_array_equal(example.pooled, [[6, 8], [14, 16]])
    np.testing.assert_array_equal(example.argmax, [[[1, 1], [1, 3]], [[3, 1], [3, 3]]])


def test_pooling_example_windows_and_maxima_are_consistent():
    rng = np.random.default_rng(0)
    feature_map = rng.random((24, 24)).astype(np.float32)
    example = visualize.pooling_example(feature_map)
    assert example.top % 2 == 0 and example.left % 2 == 0 and example.pool == 2
    for row in range(2):
        for col in range(2):
            window = example.patch[2 * row : 2 * row + 2, 2 * col : 2 * col + 2]
            assert example.pooled[row, col] == window.max()
            assert example.patch[tuple(example.argmax[row, col])] == window.max()
            assert 2 * row <= example.argmax[row, col, 0] < 2 * row + 2
            assert 2 * col <= example.argmax[row, col, 1] < 2 * col + 2


def test_pooling_example_agrees_with_the_pool_layer(tiny_model, digit_image):
    maps = visualize.feature_maps(tiny_model, digit_image)
    channel = visualize.strongest_channel(maps["conv_2"])
    example = visualize.pooling_example(maps["conv_2"][..., channel])
    pooled = maps["pool_1"][example.top // 2 : example.top // 2 + 2, example.left // 2 : example.left // 2 + 2, channel]
    np.testing.assert_allclose(example.pooled, pooled, atol=1e-6)


def test_max_pool_halves_and_keeps_maxima():
    values = np.arange(36, dtype=np.float32).reshape(6, 6)
    np.testing.assert_array_equal(visualize.max_pool(values), numpy_max_pool_2x2(values[..., None])[..., 0])


def test_kernel_and_slice_norms():
    kernels = np.zeros((3, 3, 2, 4), dtype=np.float32)
    kernels[0, 0, 0, 1] = 3.0
    kernels[1, 1, 1, 1] = 4.0
    kernels[:, :, 1, 3] = 1.0
    np.testing.assert_allclose(visualize.kernel_norms(kernels), [0, 5, 0, 3])
    assert visualize.slice_norms(kernels).shape == (4, 2)
    np.testing.assert_allclose(visualize.slice_norms(kernels)[1], [3, 4])


def test_channel_choices():
    maps = np.zeros((4, 4, 3), dtype=np.float32)
    maps[..., 2] = 1.0
    assert visualize.strongest_channel(maps) == 2
    response = np.stack([np.ones((4, 4)), np.full((4, 4), -1.0), np.array([[1.0, -1.0] * 2] * 4)], axis=-1)
    assert visualize.most_mixed_channel(response) == 2


def test_value_range_is_centred_at_zero_for_kernels():
    assert visualize.value_range(np.array([-0.2, 0.5]), centred=True) == (-0.5, 0.5)
    assert visualize.value_range(np.array([0.1, 0.4]))[0] == 0.0


def test_colourise_maps_the_range_onto_the_palette():
    colours = visualize.colourise(np.array([-1.0, 0.0, 1.0, 2.0]), -1.0, 1.0, visualize.BLUE_WHITE_RED)
    assert colours.dtype == np.uint8 and colours.shape == (4, 3)
    np.testing.assert_array_equal(colours[0], visualize.BLUE_WHITE_RED[0])
    np.testing.assert_array_equal(colours[1], visualize.BLUE_WHITE_RED[5])  # zero is white
    np.testing.assert_array_equal(colours[3], visualize.BLUE_WHITE_RED[-1])  # clipped
    assert visualize.colourise(np.zeros((2, 2)), 0.0, 0.0).shape == (2, 2, 3)  # flat map: no division by zero


def test_pictures_are_rgb_images(tiny_model, digit_image):
    maps = visualize.feature_maps(tiny_model, digit_image)
    kernels = visualize.conv_kernels(tiny_model, "conv_1")
    pictures = [
        visualize.channel_grid(maps["conv_1"], *visualize.value_range(maps["conv_1"])),
        visualize.kernel_response_grid(kernels, maps["conv_1"]),
        visualize.filter_slices(visualize.conv_kernels(tiny_model, "conv_3"), 5),
        *visualize.relu_pictures(visualize.pre_activations(tiny_model, digit_image)["conv_1"][..., 0], 200),
    ]
    for picture in pictures:
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[-1] == 3


def test_pooling_pictures_have_the_same_size(tiny_model, digit_image):
    maps = visualize.feature_maps(tiny_model, digit_image)
    before, after = maps["conv_4"][..., 0], maps["pool_2"][..., 0]
    before_picture, after_picture, bar = visualize.pooling_pictures(
        before, after, 420, visualize.pooling_example(before)
    )
    assert before_picture.shape == after_picture.shape
    assert 400 <= before_picture.shape[0] <= 420 and bar.dtype == np.uint8


def test_describe_shape():
    assert visualize.describe_shape((None, 26, 26, 32)) == "26×26×32"
