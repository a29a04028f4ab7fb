"""Pictures of what the network computes: arrays turned into uint8 RGB images with a colour scale, channel
numbers and a colour bar, so pages only show them. The numbers come from `digitlab.activations`; the words drawn
into the pictures are in the language of the script run now.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# `feature_maps` and `conv_kernels` are part of this module's public face, which other tools of ours import.
from digitlab.activations import PoolingExample, conv_kernels, feature_maps  # noqa: F401
from digitlab.config import ACCENT, FONT_PATH, TEXT_COLOUR, hex_to_rgb
from digitlab.data import to_uint8
from digitlab.i18n import _, significant

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
# Saliency, from none to the most (ColorBrewer YlOrRd), laid over the drawing.
HEAT = np.array(
    [[255, 255, 204], [255, 237, 160], [254, 217, 118], [254, 178, 76], [253, 141, 60], [252, 78, 42],
     [227, 26, 28], [189, 0, 38], [128, 0, 38]], dtype=np.float32,
)  # fmt: skip
GREYS = np.array([[0, 0, 0], [255, 255, 255]], dtype=np.float32)
# Under a saliency map the drawing is grey ink on white, this dark at full ink, and the map this opaque at its top.
UNDERLAY_INK = 0.6
OVERLAY_OPACITY = 0.8
# A stand-out colour for outlines and highlights (the app's accent).
HIGHLIGHT_RGB = hex_to_rgb(ACCENT)
BACKGROUND_RGB = (255, 255, 255)
TEXT_RGB = hex_to_rgb(TEXT_COLOUR)
# Large enough to read on a projector once the image is scaled to the page width.
LABEL_SIZE = 18
TILE_GAP = 8
COLOUR_BAR_WIDTH = 26
# A framed picture (`framed`) fills at least this share of its square.
FRAME_FILL = 0.9
# Odd, so that the middle of a centred scale (zero) is exactly one of the steps.
COLOUR_STEPS = 255


def value_range(values: np.ndarray, centred: bool = False) -> tuple[float, float]:
    """(low, high) for a colour scale: (-m, m) with m = max |value| when centred, else (min(0, lowest), highest)."""
    values = np.asarray(values, dtype=np.float32)
    if centred:
        limit = float(np.abs(values).max()) if values.size else 0.0
        return -limit, limit
    return min(0.0, float(values.min())), float(values.max())


# --- Pictures -------------------------------------------------------------------------------------------------


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Repeat each pixel of a (h, w) or (h, w, c) array `factor` times along both axes (hard edges)."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def enlarge_to(image: np.ndarray, size: int) -> np.ndarray:
    """Enlarge (h, w[, c]) by the largest whole factor that keeps its longest side <= `size` (at least 1)."""
    return enlarge(image, max(1, size // max(image.shape[:2])))


def framed(image: np.ndarray, size: int) -> np.ndarray:
    """float (h, w) in [0, 1] -> uint8 RGBA (size, size, 4): the picture as large as fits a square of `size`
    pixels, centred in it with a transparent margin, so that a row of pictures stays even where one stretched to
    the square's width would be taller than the rest and blurred by the browser's resampling.

    A small picture (the model's 28x28 input) grows by a whole factor (`enlarge`), so its pixels stay square and
    sharp; one that a whole factor would leave under FRAME_FILL of the square is enlarged to fit it with hard
    edges all the same, and a larger one shrinks by averaging. An empty picture is an empty square."""
    grey = to_uint8(image)
    longest = max(grey.shape)
    picture = np.zeros((size, size, 4), np.uint8)
    if min(grey.shape) == 0:
        return picture
    if size // longest * longest >= FRAME_FILL * size:
        grey = enlarge_to(grey, size)
    else:
        height, width = (max(1, round(side * size / longest)) for side in grey.shape)
        method = Image.Resampling.NEAREST if longest < size else Image.Resampling.BOX
        grey = np.asarray(Image.fromarray(grey, mode="L").resize((width, height), method))
    top, left = (size - grey.shape[0]) // 2, (size - grey.shape[1]) // 2
    opaque = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    picture[top : top + grey.shape[0], left : left + grey.shape[1]] = opaque
    return picture


def digit_data_url(image: np.ndarray, size: int = 84) -> str:
    """float (28, 28) in [0, 1], white ink on black as the model reads it -> a PNG data URL of it enlarged to about
    `size` pixels with hard pixel edges, dark ink on white as it was drawn."""
    pixels = to_uint8(1.0 - np.asarray(image, np.float32))
    buffer = io.BytesIO()
    Image.fromarray(enlarge_to(pixels, size), mode="L").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


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
    return ImageFont.truetype(FONT_PATH, size)


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
    low: float,
    high: float,
    palette: np.ndarray,
    length: int,
    title: str = "",
    label_size: int = LABEL_SIZE,
    across: bool = False,
) -> np.ndarray:
    """A colour bar `length` px long, titled, with its two ends' and middle values -> uint8 RGB: upright with the
    values beside it (high at the top), or `across`, low to high from left to right with the values under it, to
    sit under pictures where a narrow screen has no room beside them."""
    labels = [significant(value) for value in (high, (high + low) / 2, low)]
    font = _font(label_size)
    text_width = max(int(font.getlength(label)) for label in labels)
    title_height = label_size + 8 if title else 0
    # A short tick, and its value well apart from it, so that the tick does not read as a minus sign.
    tick_end, label_start = COLOUR_BAR_WIDTH + 3, COLOUR_BAR_WIDTH + 9
    if across:
        gradient = np.linspace(low, high, length)[None, :].repeat(COLOUR_BAR_WIDTH, axis=0)
        size = (max(length, int(font.getlength(title)) + 2), title_height + label_start + label_size + 2)
        bar_top = title_height
    else:
        gradient = np.linspace(high, low, length)[:, None].repeat(COLOUR_BAR_WIDTH, axis=1)
        size = (max(label_start + text_width + 1, int(font.getlength(title)) + 2), length + label_size + title_height)
        bar_top = title_height + label_size // 2
    canvas = Image.new("RGB", size, BACKGROUND_RGB)
    canvas.paste(Image.fromarray(colourise(gradient, low, high, palette)), (0, bar_top))
    pen = ImageDraw.Draw(canvas)
    pen.text((0, 0), title, fill=TEXT_RGB, font=font, anchor="la")
    if across:
        for label, x, anchor in zip(labels[::-1], (1, length / 2, length - 1), ("la", "ma", "ra"), strict=True):
            pen.line([(x, bar_top + COLOUR_BAR_WIDTH), (x, bar_top + tick_end)], fill=TEXT_RGB, width=2)
            pen.text((x, bar_top + label_start), label, fill=TEXT_RGB, font=font, anchor=anchor)
    else:
        for label, y in zip(labels, (bar_top, bar_top + length / 2, bar_top + length - 1), strict=True):
            pen.line([(COLOUR_BAR_WIDTH, y), (tick_end, y)], fill=TEXT_RGB, width=2)
            pen.text((label_start, y), label, fill=TEXT_RGB, font=font, anchor="lm")
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
    return beside(grid, colour_bar(low, high, palette, min(grid.shape[0] - 2 * LABEL_SIZE, 360), _("activation")))


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
    when given, is outlined in each. The colour bar lies across, as wide as a map, to go under the two.
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
    bar = colour_bar(low, high, VIRIDIS, before_picture.shape[1], _("value"), across=True)
    return before_picture, after_picture, bar


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
        beside(before, colour_bar(low, high, BLUE_WHITE_RED, bar_height, _("response"))),
        beside(after, colour_bar(*value_range(after_map), VIRIDIS, bar_height, _("activation"))),
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
    grid = tile_images(tiles, [_("filter {index}").format(index=index) for index in range(kernels.shape[-1])], columns)
    bar_height = min(grid.shape[0] - 2 * LABEL_SIZE, 360)
    return beside(
        grid,
        colour_bar(weight_low, weight_high, BLUE_WHITE_RED, bar_height, _("weight")),
        colour_bar(response_low, response_high, VIRIDIS, bar_height, _("response")),
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
    return beside(grid, colour_bar(low, high, BLUE_WHITE_RED, min(grid.shape[0] - 2 * LABEL_SIZE, 360), _("weight")))


def weight_image_grid(weights: np.ndarray, labels: list[str], columns: int = 8, cell: int = 112) -> np.ndarray:
    """float (n, 28, 28) weight images -> uint8 RGB grid on one diverging scale (blue negative, red positive).

    Each image is enlarged to about `cell` px with hard pixel edges, labelled, with the scale's colour bar.
    """
    low, high = value_range(weights, centred=True)
    tiles = [enlarge_to(colourise(weight, low, high, BLUE_WHITE_RED), cell) for weight in weights]
    grid = tile_images(tiles, labels, columns)
    return beside(grid, colour_bar(low, high, BLUE_WHITE_RED, min(grid.shape[0] - 2 * LABEL_SIZE, 360), _("weight")))


def saliency_picture(image: np.ndarray, saliency: np.ndarray, high: float, size: int, title: str) -> np.ndarray:
    """The drawing float (28, 28) in [0, 1] in grey ink on white, with float (28, 28) saliency laid over it in
    HEAT colours, more opaque the higher (`high` and above: the darkest, most opaque), about `size` px, beside
    its colour bar titled `title` -> uint8 RGB."""
    high = high if high > 0 else 1.0
    share = np.clip(np.asarray(saliency, dtype=np.float32) / high, 0.0, 1.0)[..., None]
    paper = np.repeat(255.0 * (1.0 - UNDERLAY_INK * np.asarray(image, dtype=np.float32))[..., None], 3, axis=-1)
    heat = colourise(share[..., 0], 0.0, 1.0, HEAT).astype(np.float32)
    opacity = OVERLAY_OPACITY * share
    picture = enlarge_to(np.rint(paper * (1 - opacity) + heat * opacity).astype(np.uint8), size)
    return beside(picture, colour_bar(0.0, high, HEAT, picture.shape[0] - 2 * LABEL_SIZE, title))


def contribution_picture(contributions: np.ndarray, size: int, title: str) -> np.ndarray:
    """Signed float (28, 28) per-pixel contributions on the blue-white-red scale centred at zero (red for, blue
    against), about `size` px, beside its colour bar -> uint8 RGB."""
    low, high = value_range(contributions, centred=True)
    picture = map_image(contributions, low, high, size, BLUE_WHITE_RED)
    return beside(picture, colour_bar(low, high, BLUE_WHITE_RED, picture.shape[0] - 2 * LABEL_SIZE, title))


def digit_grid(images: np.ndarray, labels: list[str], columns: int = 8, cell: int = 84) -> np.ndarray:
    """float (n, 28, 28) digits in [0, 1], white on black as the model reads them, each with its label above, in
    a grid -> uint8 RGB."""
    tiles = [enlarge_to(colourise(image, 0.0, 1.0, GREYS), cell) for image in images]
    return tile_images(tiles, labels, columns)
