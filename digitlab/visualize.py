"""Looking inside the network: activation maps, learned kernels, and images ready to display."""

from __future__ import annotations

from collections import OrderedDict

import keras
import numpy as np

VISIBLE_LAYER_TYPES = (keras.layers.Conv2D, keras.layers.MaxPooling2D)


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Repeat each pixel of a (h, w) or (h, w, c) array `factor` times along both axes (hard edges)."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def visible_layers(model: keras.Model) -> list[str]:
    """Names of the convolution and pooling layers, in model order."""
    return [layer.name for layer in model.layers if isinstance(layer, VISIBLE_LAYER_TYPES)]


def feature_maps(model: keras.Model, image: np.ndarray) -> OrderedDict[str, np.ndarray]:
    """float32 (28, 28) in [0, 1] -> {layer name: float32 (h, w, c) activations} for every conv and pool layer."""
    names = visible_layers(model)
    extractor = keras.Model(model.inputs, [model.get_layer(name).output for name in names])
    outputs = extractor(np.asarray(image, dtype=np.float32)[None, ..., None], training=False)
    return OrderedDict((name, keras.ops.convert_to_numpy(out)[0]) for name, out in zip(names, outputs))


def conv_kernels(model: keras.Model, layer_name: str) -> np.ndarray:
    """The learned kernels of a conv layer: float32 (k, k, in_channels, out_channels)."""
    return keras.ops.convert_to_numpy(model.get_layer(layer_name).kernel)
