"""Why did the network say that: where it looked in the drawing, which training digits it reads the drawing like,
and what each step of preparing the drawing is worth.

- `grad_cam`: the last convolution layer's feature maps, each weighted by how much the digit's score rises with
  it (the mean gradient), as in the keras-io Grad-CAM example.
- `occlusion`: how far the digit's probability falls when a patch of the input is blanked out.
- `input_times_weight`: for a network of dense layers, each pixel's ink times the weight the network gives it
  for the digit (exact for ReLU layers: the weight along the path this input takes).
- `nearest_digits`: the MNIST training digits nearest to the drawing in the network's last hidden layer
  (`digitlab.neighbours`).
- `compare_readings`: the drawing read with parts of the draw page's path turned off (`digitlab.reading`).

Gradients are taken with the backend's own automatic differentiation (JAX serves the app, TensorFlow trains),
on Keras models built from layer names.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import partial

import keras
import numpy as np
from keras import ops
from scipy import ndimage

from digitlab.activations import conv_layers, feature_maps, layer_outputs, output_layer
from digitlab.config import IMAGE_SIZE
from digitlab.data import to_float_images
from digitlab.model import predict_proba, predict_readings, taking_turns
from digitlab.neighbours import NeighbourIndex, model_index
from digitlab.preprocess import Preprocessed, Steps
from digitlab.reading import DRAW_PAGE, ReadingOptions, read_drawing

# Occlusion: a square patch of this side, moved this many pixels at a time, is covered with the background.
# (In MNIST's white on black, grey would add faint ink where there was none.)
OCCLUSION_PATCH = 6
OCCLUSION_STRIDE = 2
OCCLUSION_FILL = 0.0
# A saliency map's top region: the square window of this side that holds the most of it (about one part of a
# digit: a loop, a bar, a tail).
REGION = 7
NEIGHBOURS = 8
# The steps of the draw page's path that can be turned off, in the order they run (see `options_without`).
STEPS = ("strokes", "crop", "fit", "centre", "normalise")
TUTORIAL_READING = ReadingOptions(whole_canvas=True)

# Per model: the Keras models and compiled gradient functions the explanations use, built on first use.
_PARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Per model: the last image's occlusion results (the page asks for two digits of one drawing).
_OCCLUSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# --- Where the network looked ---------------------------------------------------------------------------------


def grad_cam(model: keras.Model, image: np.ndarray, digit: int) -> np.ndarray:
    """float32 (28, 28) in [0, 1] -> float32 (28, 28) in [0, 1]: Grad-CAM of `digit` on the last convolution layer,
    1 where the layer's evidence for the digit is strongest, placed over the pixels each of its positions sees.

    ValueError for a model without convolution layers (see `input_times_weight`).
    """
    layers = conv_layers(model)
    if not layers:
        raise ValueError(f"{model.name} has no convolution layer: Grad-CAM does not apply")
    maps = feature_maps(model, image)[layers[-1]]
    gradient = _score_gradient(model, "from_maps", maps[None], digit)[0]
    # The keras-io recipe: each map weighted by its mean gradient, summed, ReLU, scaled to a maximum of 1.
    weights = ops.mean(gradient, axis=(0, 1))
    heatmap = ops.convert_to_numpy(ops.relu(ops.matmul(maps, weights))).astype(np.float32)
    peak = float(heatmap.max())
    heatmap = heatmap / peak if peak > 0 else heatmap
    return np.clip(on_pixels(heatmap, *_map_geometry(model, layers[-1])), 0.0, 1.0).astype(np.float32)


def occlusion(model: keras.Model, image: np.ndarray, digit: int) -> np.ndarray:
    """float32 (28, 28) in [0, 1] -> float32 (28, 28) in [0, 1]: how far the digit's probability falls, on average,
    when an OCCLUSION_PATCH-pixel square over each pixel is blanked out (a rise counts as 0)."""
    corners, changes = _occlusion_changes(model, image)
    return _average_over_patches(corners, np.maximum(changes[:, digit], 0.0))


def occlusion_rise(model: keras.Model, image: np.ndarray, digit: int) -> np.ndarray:
    """float32 (28, 28) in [0, 1] -> float32 (28, 28) in [0, 1]: how far the digit's probability rises, on average,
    when a square over each pixel is blanked out: the ink that stands in the way of that digit."""
    corners, changes = _occlusion_changes(model, image)
    return _average_over_patches(corners, np.maximum(-changes[:, digit], 0.0))


def input_times_weight(model: keras.Model, image: np.ndarray, digit: int) -> np.ndarray:
    """float32 (28, 28) in [0, 1] -> float32 (28, 28): each pixel's value times the gradient of the digit's score
    with respect to it. For a network of dense layers and ReLUs the gradient is the weight the network gives that
    pixel on this input's path, so the map adds up to the score (less the biases'). Positive: evidence for the
    digit; negative: against it."""
    image = np.asarray(image, dtype=np.float32)
    gradient = _score_gradient(model, "from_input", image[None, ..., None], digit)[0, ..., 0]
    return (image * gradient).astype(np.float32)


def top_region(saliency: np.ndarray, size: int = REGION) -> tuple[int, int]:
    """(top, left) of the size x size window of float (28, 28) holding the most saliency (the first of equals)."""
    sums = np.lib.stride_tricks.sliding_window_view(np.asarray(saliency, dtype=np.float64), (size, size))
    flat = int(np.argmax(sums.sum(axis=(-1, -2))))
    return divmod(flat, sums.shape[1])


def regions_agree(first: tuple[int, int], second: tuple[int, int], size: int = REGION) -> bool:
    """True when two size x size windows (top, left) share at least half their area."""
    rows, cols = (max(0, size - abs(a - b)) for a, b in zip(first, second, strict=True))
    return rows * cols >= size * size / 2


def on_pixels(values: np.ndarray, offset: np.ndarray, stride: np.ndarray) -> np.ndarray:
    """A map float (h, w) whose entry (i, j) sits over input pixel offset + stride * (i, j) -> float32 (28, 28),
    interpolated between entries and fading to 0 one stride beyond its outermost ones."""
    pixels = np.arange(IMAGE_SIZE, dtype=np.float64)
    rows, cols = np.meshgrid((pixels - offset[0]) / stride[0], (pixels - offset[1]) / stride[1], indexing="ij")
    spread = ndimage.map_coordinates(np.asarray(values, np.float64), [rows, cols], order=1, mode="grid-constant")
    return spread.astype(np.float32)


def _map_geometry(model: keras.Model, layer_name: str) -> tuple[np.ndarray, np.ndarray]:
    """(offset, stride), each float (2,) for rows and columns: the input pixel that entry (i, j) of the layer's
    output is centred over is offset + stride * (i, j). Followed through the convolution and pooling layers."""
    offset, stride = np.zeros(2), np.ones(2)
    for layer in model.layers:
        window = _sliding_window(layer)
        if window is not None:
            size, steps = window
            before = np.zeros(2)
            if layer.padding == "same":  # the rows and columns padded before the first, as the backends pad
                size_in, size_out = np.array(layer.input.shape[1:3]), np.array(layer.output.shape[1:3])
                before = np.maximum((size_out - 1) * steps + size - size_in, 0) // 2
            offset = offset + stride * ((size - 1) / 2 - before)
            stride = stride * steps
        if layer.name == layer_name:
            return offset, stride
    raise ValueError(f"no layer {layer_name!r}")


def _sliding_window(layer: keras.layers.Layer) -> tuple[np.ndarray, np.ndarray] | None:
    """(window size, strides), each int (2,), of a convolution or pooling layer; None for any other layer."""
    if isinstance(layer, keras.layers.Conv2D):
        return np.array(layer.kernel_size), np.array(layer.strides)
    if isinstance(layer, keras.layers.MaxPooling2D | keras.layers.AveragePooling2D):
        return np.array(layer.pool_size), np.array(layer.strides)
    return None


def _occlusion_changes(model: keras.Model, image: np.ndarray) -> tuple[list[tuple[int, int]], np.ndarray]:
    """([(top, left) of each patch], float32 (patches, 10): how far each probability falls with that patch covered,
    negative for a rise); the last image's are remembered."""
    image = np.asarray(image, dtype=np.float32)
    last = _OCCLUSIONS.get(model)
    if last is not None and np.array_equal(last[0], image):
        return last[1]
    positions = range(0, IMAGE_SIZE - OCCLUSION_PATCH + 1, OCCLUSION_STRIDE)
    corners = [(top, left) for top in positions for left in positions]
    covered = np.repeat(image[None], len(corners) + 1, axis=0)
    for copy, (top, left) in zip(covered[1:], corners, strict=True):
        copy[top : top + OCCLUSION_PATCH, left : left + OCCLUSION_PATCH] = OCCLUSION_FILL
    probabilities = predict_proba(model, covered)  # the image itself first, then every covered copy, in one batch
    result = (corners, probabilities[0] - probabilities[1:])
    _OCCLUSIONS[model] = (image.copy(), result)
    return result


def _average_over_patches(corners: list[tuple[int, int]], values: np.ndarray) -> np.ndarray:
    """One value per patch (top, left) -> float32 (28, 28): each pixel's mean over the patches covering it."""
    total = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    count = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    for (top, left), value in zip(corners, values, strict=True):
        total[top : top + OCCLUSION_PATCH, left : left + OCCLUSION_PATCH] += value
        count[top : top + OCCLUSION_PATCH, left : left + OCCLUSION_PATCH] += 1
    return total / np.maximum(count, 1)


# --- Gradients of a digit's score -----------------------------------------------------------------------------


def _score_gradient(model: keras.Model, start: str, inputs: np.ndarray, digit: int) -> np.ndarray:
    """The gradient of `digit`'s score (the output layer before its softmax) with respect to `inputs`, float32 like
    them: the model's input (`start` "from_input") or its last convolution layer's output ("from_maps")."""
    part = _part(model, start)
    dense = output_layer(model)
    one_hot = np.eye(dense.units, dtype=np.float32)[digit]
    inputs = np.asarray(inputs, dtype=np.float32)
    backend = keras.backend.backend()
    with taking_turns():
        if backend == "jax":
            gradient = _jax_gradient(model, start)(
                [variable.value for variable in part.trainable_variables],
                [variable.value for variable in part.non_trainable_variables],
                [variable.value for variable in dense.trainable_variables],
                inputs,
                one_hot,
            )
        elif backend == "tensorflow":
            import tensorflow as tf

            watched = tf.constant(inputs)
            with tf.GradientTape() as tape:
                tape.watch(watched)
                score = _score(part(watched, training=False), dense.trainable_variables, one_hot)
            gradient = tape.gradient(score, watched)
        else:
            raise NotImplementedError(f"explanations need gradients, written for JAX and TensorFlow, not {backend}")
    return np.asarray(gradient, dtype=np.float32)


def _score(hidden, dense_variables: list, one_hot: np.ndarray):
    """The output layer's score of the one-hot digit, before any activation, summed over the batch."""
    kernel, *bias = dense_variables
    logits = ops.matmul(hidden, kernel) + (bias[0] if bias else 0.0)
    return ops.sum(logits * one_hot)


def _part(model: keras.Model, start: str) -> keras.Model:
    """The model from `start` (see `_score_gradient`) to the output layer's input, built from layer names."""
    parts = _PARTS.setdefault(model, {})
    if start not in parts:
        source = model.inputs[0] if start == "from_input" else model.get_layer(conv_layers(model)[-1]).output
        parts[start] = keras.Model(source, output_layer(model).input)
    return parts[start]


def _jax_gradient(model: keras.Model, start: str):
    """The compiled JAX function (part's variables, output layer's variables, inputs, one-hot) -> gradient."""
    import jax

    parts = _PARTS.setdefault(model, {})
    key = f"{start}:jax"
    if key not in parts:
        part = _part(model, start)

        def score(trainable, non_trainable, dense_variables, inputs, one_hot):
            hidden, _ = part.stateless_call(trainable, non_trainable, inputs, training=False)
            return _score(hidden, dense_variables, one_hot)

        parts[key] = jax.jit(jax.grad(score, argnums=3))
    return parts[key]


# --- What the network reads the drawing like ------------------------------------------------------------------


def nearest_digits(
    model: keras.Model, image: np.ndarray, k: int = NEIGHBOURS, index: NeighbourIndex | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float32 (28, 28) in [0, 1] -> (images float32 (k, 28, 28) in [0, 1], labels int (k,), distances float32 (k,)):
    the training digits nearest to it in the model's last hidden layer, nearest first, from `index` (default: the
    index written beside the model's file; `neighbours.IndexNotFoundError` when it is missing or stale)."""
    index = index if index is not None else model_index(model)
    representation = layer_outputs(model, index.layer, np.asarray(image, dtype=np.float32)[None]).reshape(1, -1)
    distances, indices = index.nearest(representation, k)
    chosen = indices[0]
    return to_float_images(index.images[chosen]), index.labels[chosen].astype(np.int64), distances[0]


def majority_label(labels: Iterable[int]) -> int:
    """The most common of labels given nearest first; a tie goes to the label met first."""
    labels = list(labels)
    counts = Counter(labels)
    best = max(counts.values())
    return next(label for label in labels if counts[label] == best)


# --- What each preparation step is worth ----------------------------------------------------------------------


def options_without(off: Iterable[str]) -> ReadingOptions:
    """The draw page's path with the named STEPS turned off."""
    off = set(off)
    if off - set(STEPS):
        raise ValueError(f"unknown steps {sorted(off - set(STEPS))}: expected some of {STEPS}")
    steps = Steps(**{name: name not in off for name in STEPS[1:]})
    return ReadingOptions(strokes="strokes" not in off, steps=steps)


def compare_readings(
    model: keras.Model,
    image_data: np.ndarray | None,
    json_data: Mapping | None,
    variants: Mapping[str, ReadingOptions],
    shape: tuple[int, int] | None = None,
) -> dict[str, tuple[Preprocessed | None, np.ndarray]]:
    """The drawing (as `read_drawing` takes it) read every way of `variants` and classified in one batch:
    {name: (the prepared steps or None, float32 (10,) probabilities, NaN where nothing was read)}."""
    readings = [read_drawing(image_data, json_data, shape, options) for options in variants.values()]
    probabilities = predict_readings(partial(predict_proba, model), readings)
    return dict(zip(variants, zip(readings, probabilities, strict=True), strict=True))


def reading_variants(off: Iterable[str] = ()) -> dict[str, ReadingOptions]:
    """Today's path ("today"), each of STEPS turned off on its own, the tutorials' way ("tutorial"), and, when
    `off` names some steps, all of those off at once ("combined")."""
    variants = {"today": DRAW_PAGE, **{name: options_without([name]) for name in STEPS}, "tutorial": TUTORIAL_READING}
    off = list(off)
    return variants | ({"combined": options_without(off)} if off else {})
