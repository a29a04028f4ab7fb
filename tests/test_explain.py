"""Explanations: saliency on models whose answer is known to depend on one region, the contracts on the real
architecture, the nearest digits, and the drawing read with parts of the path turned off."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from digitlab import explain
from digitlab.config import ROOT_DIR, SAMPLES_PATH
from digitlab.data import load_samples, to_float_images
from digitlab.drawing import Stroke, pencil_json
from digitlab.model import load_model, predict_proba
from digitlab.neighbours import build_index
from digitlab.reading import DRAW_PAGE, ReadingOptions, read_drawing

# The answer of the models below hangs on a horizontal bar in the top-left quarter; a vertical bar in the
# bottom-right quarter means nothing to them.
DIGIT = 3
BAR_ROW, BAR_COLUMNS = 6, (4, 13)
POST_COLUMN, POST_ROWS = 20, (14, 25)


def two_bars() -> np.ndarray:
    """float32 (28, 28): the horizontal bar that decides the answer and the vertical one that does not."""
    image = np.zeros((28, 28), np.float32)
    image[BAR_ROW, slice(*BAR_COLUMNS)] = 1.0
    image[slice(*POST_ROWS), POST_COLUMN] = 1.0
    return image


def in_bar_quarter(region: tuple[int, int]) -> bool:
    """A top region (top, left) whose centre lies in the top-left quarter, where the deciding bar is."""
    top, left = region
    return top + explain.REGION / 2 < 14 and left + explain.REGION / 2 < 14


@pytest.fixture(scope="module")
def bar_cnn() -> keras.Model:
    """A CNN built by hand: conv_1 finds horizontal strokes (filter 0) and vertical ones (filter 1); the score of
    DIGIT counts horizontal stroke only, so its answer depends on the horizontal bar alone."""
    inputs = keras.Input((28, 28, 1), name="image")
    maps = keras.layers.Conv2D(2, 3, activation="relu", name="conv_1")(inputs)
    flat = keras.layers.Flatten(name="flatten")(maps)
    logits = keras.layers.Dense(10, name="logits")(flat)
    model = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits))
    across = np.array([[-1, -1, -1], [2, 2, 2], [-1, -1, -1]], np.float32)
    model.get_layer("conv_1").set_weights([np.stack([across, across.T], axis=-1)[:, :, None, :], np.full(2, -2.0)])
    kernel = np.zeros((26, 26, 2, 10), np.float32)
    kernel[:, :, 0, DIGIT] = 0.5
    bias = np.zeros(10, np.float32)
    bias[DIGIT] = -8.0
    model.get_layer("logits").set_weights([kernel.reshape(-1, 10), bias])
    return model


@pytest.fixture(scope="module")
def bar_mlp() -> keras.Model:
    """A dense network built by hand whose score of DIGIT weighs only the pixels of the top-left quarter."""
    inputs = keras.Input((28, 28, 1), name="image")
    logits = keras.layers.Dense(10, name="logits")(keras.layers.Flatten(name="flatten")(inputs))
    model = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(logits))
    kernel = np.zeros((28, 28, 10), np.float32)
    kernel[:14, :14, DIGIT] = 1.0
    bias = np.zeros(10, np.float32)
    bias[DIGIT] = -3.0
    model.get_layer("logits").set_weights([kernel.reshape(-1, 10), bias])
    return model


def test_the_hand_built_models_answer_from_the_bar_alone(bar_cnn, bar_mlp):
    image, without_bar, without_post = two_bars(), two_bars(), two_bars()
    without_bar[BAR_ROW] = 0.0
    without_post[:, POST_COLUMN] = 0.0
    for model in (bar_cnn, bar_mlp):
        answers = predict_proba(model, np.stack([image, without_bar, without_post]))
        assert answers[0, DIGIT] > 0.95 and answers[2, DIGIT] == pytest.approx(answers[0, DIGIT])
        assert answers[1, DIGIT] < 0.05


def test_grad_cam_puts_the_deciding_region_on_top(bar_cnn):
    saliency = explain.grad_cam(bar_cnn, two_bars(), DIGIT)
    assert in_bar_quarter(explain.top_region(saliency))
    assert saliency[BAR_ROW, slice(*BAR_COLUMNS)].min() >= 0.5  # all of the bar lit, its ends half as much
    assert saliency[slice(*POST_ROWS), POST_COLUMN].max() == 0.0


def test_occlusion_puts_the_deciding_region_on_top(bar_cnn):
    saliency = explain.occlusion(bar_cnn, two_bars(), DIGIT)
    assert in_bar_quarter(explain.top_region(saliency))
    assert saliency[slice(*POST_ROWS), POST_COLUMN].max() == 0.0
    assert saliency.max() > 0.5  # covering the bar takes most of the probability away


def test_both_saliency_methods_agree_on_the_deciding_region(bar_cnn):
    image = two_bars()
    regions = [explain.top_region(method(bar_cnn, image, DIGIT)) for method in (explain.grad_cam, explain.occlusion)]
    assert explain.regions_agree(*regions)


def test_input_times_weight_puts_the_deciding_region_on_top_and_adds_up_to_the_score(bar_mlp):
    image = two_bars()
    contributions = explain.input_times_weight(bar_mlp, image, DIGIT)
    assert in_bar_quarter(explain.top_region(contributions))
    assert contributions[slice(*POST_ROWS), POST_COLUMN].max() == 0.0
    # One dense layer: the contributions add up to the score less its bias.
    score = np.log(predict_proba(bar_mlp, image[None])[0])
    assert contributions.sum() == pytest.approx(score[DIGIT] - score[0] + 3.0, abs=1e-3)


def test_occlusion_of_an_other_digit_shows_the_ink_in_its_way(bar_cnn):
    """Blanking out the bar makes every other digit likelier: the bar stands in the way of them all."""
    rise = explain.occlusion_rise(bar_cnn, two_bars(), 5)
    assert in_bar_quarter(explain.top_region(rise))
    assert explain.occlusion_rise(bar_cnn, two_bars(), DIGIT).max() == pytest.approx(0.0, abs=1e-6)


def test_grad_cam_does_not_apply_to_a_dense_network(bar_mlp):
    with pytest.raises(ValueError, match="no convolution layer"):
        explain.grad_cam(bar_mlp, two_bars(), DIGIT)


def test_each_position_of_the_last_conv_layer_sits_over_the_pixels_it_sees(tiny_model, bar_cnn):
    """conv_1..conv_4 with 2x2 pooling after conv_2: position i of conv_4 is centred over pixel 6.5 + 2i."""
    offset, stride = explain._map_geometry(tiny_model, "conv_4")
    np.testing.assert_allclose(offset, [6.5, 6.5])
    np.testing.assert_allclose(stride, [2, 2])
    offset, stride = explain._map_geometry(bar_cnn, "conv_1")
    np.testing.assert_allclose(offset, [1, 1])
    np.testing.assert_allclose(stride, [1, 1])


def test_padded_and_strided_layers_are_followed_too():
    inputs = keras.Input((28, 28, 1))
    same = keras.layers.Conv2D(1, 3, padding="same", name="same")(inputs)  # position i over pixel i
    strided = keras.layers.Conv2D(1, 3, strides=2, padding="same", name="strided")(same)  # over 2i..2i+2
    pooled = keras.layers.AveragePooling2D(2, name="pooled")(strided)  # over strided's 2i and 2i+1
    model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(pooled)))
    expected = {"same": ([0, 0], [1, 1]), "strided": ([1, 1], [2, 2]), "pooled": ([2, 2], [4, 4])}
    for name, (offset, stride) in expected.items():
        np.testing.assert_allclose(np.stack(explain._map_geometry(model, name)), [offset, stride], err_msg=name)


@pytest.mark.parametrize("method", [explain.grad_cam, explain.occlusion, explain.occlusion_rise])
def test_saliency_maps_keep_their_contract(method, tiny_model, digit_image):
    saliency = method(tiny_model, digit_image, 4)
    assert saliency.shape == (28, 28) and saliency.dtype == np.float32
    assert saliency.min() >= 0.0 and saliency.max() <= 1.0


def test_input_times_weight_is_zero_where_there_is_no_ink(tiny_model, digit_image):
    contributions = explain.input_times_weight(tiny_model, digit_image, 4)
    assert contributions.shape == (28, 28) and contributions.dtype == np.float32
    assert np.all(contributions[digit_image == 0] == 0) and np.any(contributions != 0)


def test_top_regions_agree_when_they_share_half_their_area():
    assert explain.regions_agree((0, 0), (0, 3)) and explain.regions_agree((5, 5), (7, 6))
    assert not explain.regions_agree((0, 0), (0, 4)) and not explain.regions_agree((0, 0), (10, 10))
    image = np.zeros((28, 28), np.float32)
    image[20:24, 1:5] = 1.0
    assert explain.top_region(image) == (17, 0)


def test_the_majority_label_breaks_ties_by_the_nearest():
    assert explain.majority_label([3, 9, 9, 3, 1]) == 3
    assert explain.majority_label([1, 9, 9, 3, 3]) == 9
    assert explain.majority_label([7] * 8) == 7


def test_the_nearest_digits_come_nearest_first_from_the_index(tiny_model):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (60, 28, 28)).astype(np.uint8)
    labels = np.repeat(np.arange(10), 6)
    index = build_index(tiny_model, images, labels, "sha", dimensions=8)
    found, found_labels, distances = explain.nearest_digits(tiny_model, to_float_images(images[17]), k=5, index=index)
    assert found.shape == (5, 28, 28) and found.dtype == np.float32 and found.max() <= 1.0
    np.testing.assert_array_equal(found[0], to_float_images(images[17]))  # itself, at distance 0
    assert found_labels[0] == labels[17] and distances[0] == pytest.approx(0, abs=1e-2)
    assert np.all(np.diff(distances) >= 0)


def test_the_bundled_model_reads_a_three_like_threes():
    images, labels = load_samples(SAMPLES_PATH)
    model = load_model()
    for sample in np.flatnonzero(labels == 3)[:3]:
        _, found, _ = explain.nearest_digits(model, to_float_images(images[sample]))
        assert explain.majority_label(found) == 3


def test_the_readings_compared_are_todays_each_step_off_and_the_tutorials(tiny_model):
    drawing = pencil_json([Stroke(np.array([[20.0, 20.0], [80.0, 20.0], [45.0, 95.0]]), 18.0)])
    variants = explain.reading_variants(["crop", "centre"])
    assert list(variants) == ["today", *explain.STEPS, "tutorial", "combined"]
    assert variants["today"] == DRAW_PAGE and variants["tutorial"] == ReadingOptions(whole_canvas=True)
    assert variants["combined"].steps.crop is False and variants["combined"].steps.centre is False
    assert variants["combined"].strokes and variants["combined"].steps.fit
    readings = explain.compare_readings(tiny_model, None, drawing, variants)
    today, probabilities = readings["today"]
    np.testing.assert_array_equal(today.image, read_drawing(None, drawing).image)
    np.testing.assert_allclose(probabilities, predict_proba(tiny_model, today.image[None])[0], atol=1e-6)
    assert not np.array_equal(readings["crop"][0].image, today.image)
    with pytest.raises(ValueError, match="unknown steps"):
        explain.options_without(["sharpen"])


def test_an_empty_canvas_reads_as_nothing_every_way(tiny_model):
    readings = explain.compare_readings(tiny_model, None, {"objects": []}, explain.reading_variants())
    assert all(steps is None and np.isnan(probabilities).all() for steps, probabilities in readings.values())


def test_explanations_agree_on_both_backends_and_sessions_can_explain_at_once(tmp_path):
    """The app explains on JAX, where a gradient reads the weights a prediction donates: sessions explaining and
    predicting at once must take turns. TensorFlow (training, these tests) gives the same maps."""
    images, labels = load_samples(SAMPLES_PATH)
    np.save(tmp_path / "image.npy", to_float_images(images[np.flatnonzero(labels == 9)[0]]))
    script = """
import sys, json, numpy as np
from concurrent.futures import ThreadPoolExecutor
from digitlab import explain
from digitlab.model import load_model, predict_proba
image, cnn, mlp = np.load(sys.argv[1]), load_model(), load_model("model/zoo/mlp.keras")
maps = {"grad_cam": explain.grad_cam(cnn, image, 9), "occlusion": explain.occlusion(cnn, image, 9),
        "input_times_weight": explain.input_times_weight(mlp, image, 9)}
def session(index):
    for _ in range(10):
        explain.grad_cam(cnn, np.roll(image, index, axis=1), 9 - index)
        predict_proba(cnn, image[None])
with ThreadPoolExecutor(4) as pool:
    list(pool.map(session, range(4)))
np.savez(sys.argv[2], **maps)
"""
    for backend in ("tensorflow", "jax"):
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "image.npy"), str(tmp_path / f"{backend}.npz")],
            cwd=ROOT_DIR, env={**os.environ, "KERAS_BACKEND": backend}, check=True, capture_output=True,
        )  # fmt: skip
    with np.load(tmp_path / "tensorflow.npz") as tensorflow, np.load(tmp_path / "jax.npz") as jax:
        for name in ("grad_cam", "occlusion", "input_times_weight"):
            np.testing.assert_allclose(tensorflow[name], jax[name], atol=1e-4, err_msg=name)
