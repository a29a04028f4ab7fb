"""What the network computes for one image: every layer's activations, its kernels, pooling worked through.

Numbers only; `digitlab.visualize` turns them into pictures. Layers are addressed by name, and the activation
models are built from names (`keras.Model(model.inputs, [model.get_layer(name).output ...])`).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass

import keras
import numpy as np

from digitlab.model import PREDICT_BATCH, predict_batch

VISIBLE_LAYER_TYPES = (keras.layers.Conv2D, keras.layers.MaxPooling2D)

# One activation model per Keras model: built on first use, dropped with the model.
_EXTRACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LAYER_EXTRACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# --- Layers and activations -----------------------------------------------------------------------------------


def visible_layers(model: keras.Model) -> list[str]:
    """Names of the convolution and pooling layers, in model order."""
    return [layer.name for layer in model.layers if isinstance(layer, VISIBLE_LAYER_TYPES)]


def conv_layers(model: keras.Model) -> list[str]:
    """Names of the convolution layers, in model order."""
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def pool_layers(model: keras.Model) -> list[str]:
    """Names of the max-pooling layers, in model order."""
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]


def input_layer_name(model: keras.Model, layer_name: str) -> str:
    """Name of the layer whose output feeds `layer_name` (for a pool layer: the conv layer it pools)."""
    source = model.get_layer(layer_name).input
    return next(layer.name for layer in model.layers if layer.output is source)


def _extractor(model: keras.Model) -> tuple[list[str], keras.Model, dict]:
    """(output names, a model from the input to every conv and pool output and conv input, a memo)."""
    if model not in _EXTRACTORS:
        names = visible_layers(model) + [f"{name}:input" for name in conv_layers(model)]
        outputs = [model.get_layer(name).output for name in visible_layers(model)]
        outputs += [model.get_layer(name).input for name in conv_layers(model)]
        _EXTRACTORS[model] = (names, keras.Model(model.inputs[0], outputs), {})
    return _EXTRACTORS[model]


def _activations(model: keras.Model, image: np.ndarray) -> dict[str, np.ndarray]:
    """Every extractor output for one image, batch axis removed; the last image's are remembered."""
    image = np.asarray(image, dtype=np.float32)
    names, extractor, memo = _extractor(model)
    last = memo.get("last")  # one read and one write: safe when sessions' threads interleave
    if last is not None and np.array_equal(last[0], image):
        return last[1]
    # predict_on_batch runs a compiled function, many times faster than an eager call once it is traced.
    outputs = predict_batch(extractor, image.reshape(1, *image.shape[:2], 1))
    activations = {name: np.asarray(out)[0] for name, out in zip(names, outputs, strict=True)}
    memo["last"] = (image.copy(), activations)
    return activations


def feature_maps(model: keras.Model, image: np.ndarray) -> OrderedDict[str, np.ndarray]:
    """float32 (28, 28) in [0, 1] -> {layer name: float32 (h, w, c) activations} for every conv and pool layer."""
    activations = _activations(model, image)
    return OrderedDict((name, activations[name]) for name in visible_layers(model))


def pre_activations(model: keras.Model, image: np.ndarray) -> OrderedDict[str, np.ndarray]:
    """float32 (28, 28) in [0, 1] -> {conv layer name: float32 (h, w, c) responses before the ReLU}.

    Recomputed from each conv layer's input with its own kernel and bias, so negative responses show.
    """
    activations = _activations(model, image)
    result = OrderedDict()
    for name in conv_layers(model):
        layer = model.get_layer(name)
        inputs = activations[f"{name}:input"][None]
        response = keras.ops.conv(
            inputs, layer.kernel, strides=layer.strides, padding=layer.padding, dilation_rate=layer.dilation_rate
        )
        if layer.use_bias:
            response = response + layer.bias
        result[name] = keras.ops.convert_to_numpy(response)[0]
    return result


def conv_kernels(model: keras.Model, layer_name: str) -> np.ndarray:
    """The learned kernels of a conv layer: float32 (k, k, in_channels, out_channels)."""
    return keras.ops.convert_to_numpy(model.get_layer(layer_name).kernel)


def describe_shape(shape: tuple[int | None, ...]) -> str:
    """(26, 26, 32) or (None, 26, 26, 32) -> "26×26×32"."""
    return "×".join(str(size) for size in shape if size is not None)


def negative_share(response: np.ndarray) -> float:
    """Share of values below zero in any array: what a ReLU sets to zero."""
    return float(np.mean(np.asarray(response) < 0))


def strongest_channel(maps: np.ndarray) -> int:
    """Index of the channel of float (h, w, c) with the largest total activation."""
    return int(np.argmax(maps.reshape(-1, maps.shape[-1]).sum(axis=0)))


def most_mixed_channel(response: np.ndarray) -> int:
    """Index of the channel of float (h, w, c) pre-activations with the most of both signs: a clear ReLU example."""
    flat = response.reshape(-1, response.shape[-1])
    positive, negative = np.clip(flat, 0, None).sum(axis=0), np.clip(-flat, 0, None).sum(axis=0)
    return int(np.argmax(np.minimum(positive, negative)))


# --- Pooling --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolingExample:
    """A small block of a real feature map and its max pooling, for the worked example."""

    patch: np.ndarray  # float32 (size, size): the block of the feature map
    top: int  # row of the block in the feature map, a multiple of the pool size
    left: int  # column of the block, a multiple of the pool size
    argmax: np.ndarray  # int (size/pool, size/pool, 2): (row, col) in `patch` of each window's maximum
    pooled: np.ndarray  # float32 (size/pool, size/pool): each window's maximum

    @property
    def pool(self) -> int:
        """Side of a pooling window."""
        return self.patch.shape[0] // self.pooled.shape[0]


def max_pool(feature_map: np.ndarray, pool: int = 2) -> np.ndarray:
    """float (h, w) -> (h // pool, w // pool): the maximum of each pool x pool window, stride pool."""
    height, width = (size // pool * pool for size in feature_map.shape[:2])
    blocks = feature_map[:height, :width].reshape(height // pool, pool, width // pool, pool)
    return blocks.max(axis=(1, 3))


def pooling_example(feature_map: np.ndarray, size: int = 4, pool: int = 2) -> PoolingExample:
    """The size x size block of float (h, w), aligned to the pooling windows, with the most activation."""
    height, width = (extent // pool * pool for extent in feature_map.shape[:2])
    corners = [(top, left) for top in range(0, height - size + 1, pool) for left in range(0, width - size + 1, pool)]
    top, left = max(
        corners, key=lambda corner: feature_map[corner[0] : corner[0] + size, corner[1] : corner[1] + size].sum()
    )
    patch = np.asarray(feature_map[top : top + size, left : left + size], dtype=np.float32)
    windows = size // pool
    flat = patch.reshape(windows, pool, windows, pool).transpose(0, 2, 1, 3).reshape(windows, windows, pool * pool)
    offsets = flat.argmax(axis=-1)
    rows = np.arange(windows)[:, None] * pool + offsets // pool
    cols = np.arange(windows)[None, :] * pool + offsets % pool
    return PoolingExample(
        patch=patch, top=top, left=left, argmax=np.stack([rows, cols], axis=-1), pooled=flat.max(axis=-1)
    )


# --- Filters --------------------------------------------------------------------------------------------------


def kernel_norms(kernels: np.ndarray) -> np.ndarray:
    """float (k, k, in, out) -> float32 (out,): the L2 norm of each filter's weights."""
    return np.sqrt((np.asarray(kernels, dtype=np.float32) ** 2).sum(axis=(0, 1, 2)))


def slice_norms(kernels: np.ndarray) -> np.ndarray:
    """float (k, k, in, out) -> float32 (out, in): how strongly each filter weighs each input channel (L2 norm)."""
    return np.sqrt((np.asarray(kernels, dtype=np.float32) ** 2).sum(axis=(0, 1))).T


# --- Dense networks --------------------------------------------------------------------------------------------


def first_dense_layer(model: keras.Model) -> str:
    """Name of the first Dense layer, in model order."""
    return next(layer.name for layer in model.layers if isinstance(layer, keras.layers.Dense))


def dense_weight_images(model: keras.Model, layer_name: str) -> np.ndarray:
    """A Dense layer fed by the flattened image -> float32 (units, 28, 28): each neuron's weight on each pixel."""
    kernel = keras.ops.convert_to_numpy(model.get_layer(layer_name).kernel)
    side = int(round(np.sqrt(kernel.shape[0])))
    return np.ascontiguousarray(kernel.T.reshape(-1, side, side))


def dense_activations(model: keras.Model, layer_name: str, image: np.ndarray) -> np.ndarray:
    """float32 (28, 28) in [0, 1] -> float32 (units,): the layer's output (after its activation) for the image."""
    return layer_outputs(model, layer_name, np.asarray(image)[None])[0]


def layer_outputs(model: keras.Model, layer_name: str, images: np.ndarray) -> np.ndarray:
    """float32 (N, 28, 28) in [0, 1] -> float32 (N, ...): one layer's output for each image, fed in slices."""
    if model not in _LAYER_EXTRACTORS:
        _LAYER_EXTRACTORS[model] = {}
    extractors = _LAYER_EXTRACTORS[model]
    if layer_name not in extractors:
        extractors[layer_name] = keras.Model(model.inputs[0], model.get_layer(layer_name).output)
    images = np.asarray(images, dtype=np.float32)[..., None]
    outputs = [
        np.asarray(predict_batch(extractors[layer_name], images[start : start + PREDICT_BATCH]))
        for start in range(0, len(images), PREDICT_BATCH)
    ]
    return np.concatenate(outputs).astype(np.float32)


def output_layer(model: keras.Model) -> keras.layers.Dense:
    """The last Dense layer: the one that gives each digit its score (its logit)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][-1]


def last_hidden_layer(model: keras.Model) -> str:
    """Name of the last hidden layer: the one whose output the output layer reads (dropout, an identity when
    predicting, is looked through)."""
    name = input_layer_name(model, output_layer(model).name)
    while isinstance(model.get_layer(name), keras.layers.Dropout):
        name = input_layer_name(model, name)
    return name


def strongest_units(activations: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` largest values of float (units,), largest first."""
    return np.argsort(-np.asarray(activations), kind="stable")[:count]
