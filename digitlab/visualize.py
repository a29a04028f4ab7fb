"""Looking inside the network: activation maps, learned kernels, and images ready to display.

Numbers first (activations, pre-activations, pooling, kernel norms), then pictures: arrays are turned
into uint8 RGB images with a colour scale, channel numbers and a colour bar, so pages only show them.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import keras
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digitlab.model import predict_batch

VISIBLE_LAYER_TYPES = (keras.layers.Conv2D, keras.layers.MaxPooling2D)

# Colour scales as evenly spaced RGB anchors. Sequential: viridis, dark = 0, yellow = strongest.
VIRIDIS = np.array(
    [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
     [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]], dtype=np.float32,
)  # fmt: skip
# Diverging, centred at zero: blue negative, white zero, red positive (ColorBrewer RdBu, reversed).
BLUE_WHITE_RED = np.array(
    [[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
     [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]], dtype=np.float32,
)  # fmt: skip
# A stand-out colour for outlines and highlights (the app's accent).
HIGHLIGHT_RGB = (228, 87, 46)
BACKGROUND_RGB = (255, 255, 255)
TEXT_RGB = (17, 24, 39)
# Large enough to read on a projector once the image is scaled to the page width.
LABEL_SIZE = 18
TILE_GAP = 8
COLOUR_BAR_WIDTH = 26
# Odd, so that the middle of a centred scale (zero) is exactly one of the steps.
COLOUR_STEPS = 255

# One activation model per Keras model: built on first use, dropped with the model.
_EXTRACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
    # predict_on_batch runs a compiled function: ~1 ms against ~15 ms for an eager call, after a first trace.
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


def value_range(values: np.ndarray, centred: bool = False) -> tuple[float, float]:
    """(low, high) for a colour scale: (-m, m) with m = max |value| when centred, else (min(0, lowest), highest)."""
    values = np.asarray(values, dtype=np.float32)
    if centred:
        limit = float(np.abs(values).max()) if values.size else 0.0
        return -limit, limit
    return min(0.0, float(values.min())), float(values.max())


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


# --- Pictures -------------------------------------------------------------------------------------------------


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Repeat each pixel of a (h, w) or (h, w, c) array `factor` times along both axes (hard edges)."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def enlarge_to(image: np.ndarray, size: int) -> np.ndarray:
    """Enlarge (h, w[, c]) by the largest whole factor that keeps its longest side <= `size` (at least 1)."""
    return enlarge(image, max(1, size // max(image.shape[:2])))


def colourise(values: np.ndarray, low: float, high: float, palette: np.ndarray = VIRIDIS) -> np.ndarray:
    """float (...) -> uint8 (..., 3) RGB: `low` maps to the palette's first colour, `high` to its last."""
    span = high - low if high > low else 1.0
    # Look the colours up in a table of COLOUR_STEPS colours: much faster than interpolating every pixel.
    anchors = np.linspace(0.0, 1.0, len(palette))
    steps = np.linspace(0.0, 1.0, COLOUR_STEPS)
    table = np.stack([np.interp(steps, anchors, palette[:, i]) for i in range(3)], axis=-1).round().astype(np.uint8)
    position = (np.asarray(values, dtype=np.float32) - low) / span
    return table[np.clip(np.rint(position * (COLOUR_STEPS - 1)), 0, COLOUR_STEPS - 1).astype(np.intp)]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def tile_images(tiles: list[np.ndarray], labels: list[str], columns: int, label_size: int = LABEL_SIZE) -> np.ndarray:
    """Equal-size uint8 (h, w, 3) tiles in a grid, each with its label above -> one uint8 RGB image."""
    height, width = tiles[0].shape[:2]
    canvas = _labelled_grid(tuple(labels), height, width, columns, label_size).copy()
    for index, tile in enumerate(tiles):
        row, column = divmod(index, columns)
        top = row * (height + label_size + 6 + TILE_GAP) + label_size + 6
        left = column * (width + TILE_GAP)
        canvas[top : top + height, left : left + width] = tile
    return canvas


@lru_cache(maxsize=64)
def _labelled_grid(labels: tuple[str, ...], height: int, width: int, columns: int, label_size: int) -> np.ndarray:
    """The empty grid of `tile_images` with its labels drawn (drawing text is the slow part, so it is cached)."""
    rows = -(-len(labels) // columns)
    label_height = label_size + 6
    cell_height, cell_width = height + label_height + TILE_GAP, width + TILE_GAP
    canvas = Image.new("RGB", (columns * cell_width, rows * cell_height), BACKGROUND_RGB)
    pen = ImageDraw.Draw(canvas)
    for index, label in enumerate(labels):
        row, column = divmod(index, columns)
        x, y = column * cell_width + width / 2, row * cell_height + label_height / 2
        pen.text((x, y), label, fill=TEXT_RGB, font=_font(label_size), anchor="mm")
    array = np.asarray(canvas)
    array.setflags(write=False)
    return array


def colour_bar(
    low: float, high: float, palette: np.ndarray, height: int, title: str = "", label_size: int = LABEL_SIZE
) -> np.ndarray:
    """A vertical colour bar `height` px tall, titled, with its top, middle and bottom values -> uint8 RGB."""
    gradient = np.linspace(high, low, height)[:, None].repeat(COLOUR_BAR_WIDTH, axis=1)
    bar = Image.fromarray(colourise(gradient, low, high, palette))
    labels = [f"{value:.3g}" for value in (high, (high + low) / 2, low)]
    text_width = max(int(_font(label_size).getlength(label)) for label in labels) + 10
    title_height = label_size + 8 if title else 0
    width = max(COLOUR_BAR_WIDTH + text_width, int(_font(label_size).getlength(title)) + 2)
    canvas = Image.new("RGB", (width, height + label_size + title_height), BACKGROUND_RGB)
    top = title_height + label_size // 2
    canvas.paste(bar, (0, top))
    pen = ImageDraw.Draw(canvas)
    pen.text((0, 0), title, fill=TEXT_RGB, font=_font(label_size), anchor="la")
    for label, y in zip(labels, (top, top + height / 2, top + height - 1), strict=True):
        pen.line([(COLOUR_BAR_WIDTH, y), (COLOUR_BAR_WIDTH + 5, y)], fill=TEXT_RGB, width=2)
        pen.text((COLOUR_BAR_WIDTH + 8, y), label, fill=TEXT_RGB, font=_font(label_size), anchor="lm")
    return np.asarray(canvas)


def beside(*images: np.ndarray, gap: int = 2 * TILE_GAP) -> np.ndarray:
    """uint8 RGB images side by side, top-aligned on a white background, `gap` px apart."""
    height = max(image.shape[0] for image in images)
    width = sum(image.shape[1] for image in images) + gap * (len(images) - 1)
    canvas = np.full((height, width, 3), BACKGROUND_RGB, dtype=np.uint8)
    x = 0
    for image in images:
        canvas[: image.shape[0], x : x + image.shape[1]] = image
        x += image.shape[1] + gap
    return canvas


def channel_grid(
    maps: np.ndarray, low: float, high: float, palette: np.ndarray = VIRIDIS, columns: int = 8, cell: int = 96
) -> np.ndarray:
    """float (h, w, c) -> uint8 RGB: every channel on one colour scale, numbered, with the scale's colour bar.

    Each channel is enlarged to about `cell` px with hard pixel edges.
    """
    tiles = [enlarge_to(colourise(maps[..., channel], low, high, palette), cell) for channel in range(maps.shape[-1])]
    grid = tile_images(tiles, [str(channel) for channel in range(maps.shape[-1])], columns)
    return beside(grid, colour_bar(low, high, palette, min(grid.shape[0] - 2 * LABEL_SIZE, 360), "activation"))


def map_image(feature_map: np.ndarray, low: float, high: float, size: int, palette: np.ndarray = VIRIDIS) -> np.ndarray:
    """float (h, w) -> uint8 RGB about `size` px wide, pixels enlarged with hard edges."""
    return enlarge_to(colourise(feature_map, low, high, palette), size)


def outline(image: np.ndarray, box: tuple[int, int, int, int], width: int = 4) -> np.ndarray:
    """A copy of uint8 RGB with the (top, left, bottom, right) pixel box outlined in the highlight colour."""
    canvas = Image.fromarray(image)
    top, left, bottom, right = box
    ImageDraw.Draw(canvas).rectangle([left, top, right - 1, bottom - 1], outline=HIGHLIGHT_RGB, width=width)
    return np.asarray(canvas)


def pooling_pictures(
    before: np.ndarray, after: np.ndarray, size: int, example: PoolingExample | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A map before (h, w) and after (h/2, w/2) pooling -> (before, after, colour bar) uint8 RGB images.

    Both maps are about `size` px, exactly the same size, on one colour scale; the worked example's block,
    when given, is outlined in each.
    """
    low, high = value_range(before)
    factor = max(1, size // max(before.shape))
    pool = before.shape[0] // after.shape[0]
    before_picture = enlarge(colourise(before, low, high), factor)
    after_picture = enlarge(colourise(after, low, high), factor * pool)
    if example is not None:
        top, left, extent = example.top * factor, example.left * factor, example.patch.shape[0] * factor
        box = (top, left, top + extent, left + extent)
        before_picture, after_picture = outline(before_picture, box), outline(after_picture, box)
    return before_picture, after_picture, colour_bar(low, high, VIRIDIS, before_picture.shape[0] - 60, "value")


def relu_pictures(response: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A conv response float (h, w) before and after ReLU -> two uint8 RGB images about `size` px, with colour bars.

    Before: diverging scale centred at zero (blue negative). After: max(response, 0) on the sequential scale.
    """
    low, high = value_range(response, centred=True)
    before = map_image(response, low, high, size, BLUE_WHITE_RED)
    after_map = np.maximum(response, 0.0)
    after = map_image(after_map, *value_range(after_map), size)
    bar_height = before.shape[0] - 60
    return (
        beside(before, colour_bar(low, high, BLUE_WHITE_RED, bar_height, "response")),
        beside(after, colour_bar(*value_range(after_map), VIRIDIS, bar_height, "activation")),
    )


def kernel_response_grid(kernels: np.ndarray, responses: np.ndarray, columns: int = 4, cell: int = 96) -> np.ndarray:
    """First-layer filters beside their responses -> uint8 RGB, with both colour bars.

    Args:
        kernels: float (k, k, 1, out) weights, shown on a diverging scale centred at zero.
        responses: float (h, w, out) the layer's activations on one image, on a sequential scale from 0.
    """
    weight_low, weight_high = value_range(kernels, centred=True)
    response_low, response_high = value_range(responses)
    tiles = [
        beside(
            enlarge_to(colourise(kernels[:, :, 0, index], weight_low, weight_high, BLUE_WHITE_RED), cell),
            enlarge_to(colourise(responses[..., index], response_low, response_high), cell),
            gap=4,
        )
        for index in range(kernels.shape[-1])
    ]
    grid = tile_images(tiles, [f"filter {index}" for index in range(kernels.shape[-1])], columns)
    bar_height = min(grid.shape[0] - 2 * LABEL_SIZE, 360)
    return beside(
        grid,
        colour_bar(weight_low, weight_high, BLUE_WHITE_RED, bar_height, "weight"),
        colour_bar(response_low, response_high, VIRIDIS, bar_height, "response"),
    )


def filter_slices(kernels: np.ndarray, filter_index: int, columns: int = 16, cell: int = 60) -> np.ndarray:
    """One filter of float (k, k, in, out) as its `in` k x k slices, numbered by input channel -> uint8 RGB.

    Diverging scale centred at zero, shared by the slices, with its colour bar.
    """
    weights = kernels[..., filter_index]
    low, high = value_range(weights, centred=True)
    tiles = [
        enlarge_to(colourise(weights[:, :, channel], low, high, BLUE_WHITE_RED), cell)
        for channel in range(weights.shape[-1])
    ]
    grid = tile_images(tiles, [str(channel) for channel in range(weights.shape[-1])], columns)
    return beside(grid, colour_bar(low, high, BLUE_WHITE_RED, min(grid.shape[0] - 2 * LABEL_SIZE, 360), "weight"))


# --- Dense networks: first-layer weights as images -------------------------------------------------------------

_DENSE_EXTRACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
    if model not in _DENSE_EXTRACTORS:
        _DENSE_EXTRACTORS[model] = {}
    extractors = _DENSE_EXTRACTORS[model]
    if layer_name not in extractors:
        extractors[layer_name] = keras.Model(model.inputs[0], model.get_layer(layer_name).output)
    image = np.asarray(image, dtype=np.float32).reshape(1, *image.shape[:2], 1)
    return np.asarray(predict_batch(extractors[layer_name], image))[0]


def strongest_units(activations: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` largest values of float (units,), largest first."""
    return np.argsort(-np.asarray(activations), kind="stable")[:count]


def weight_image_grid(weights: np.ndarray, labels: list[str], columns: int = 8, cell: int = 112) -> np.ndarray:
    """float (n, 28, 28) weight images -> uint8 RGB grid on one diverging scale (blue negative, red positive).

    Each image is enlarged to about `cell` px with hard pixel edges, labelled, with the scale's colour bar.
    """
    low, high = value_range(weights, centred=True)
    tiles = [enlarge_to(colourise(weight, low, high, BLUE_WHITE_RED), cell) for weight in weights]
    grid = tile_images(tiles, labels, columns)
    return beside(grid, colour_bar(low, high, BLUE_WHITE_RED, min(grid.shape[0] - 2 * LABEL_SIZE, 360), "weight"))
