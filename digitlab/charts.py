"""Pure chart and HTML builders of the pages: Altair charts and small HTML snippets, no Streamlit calls."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

from digitlab.config import ACCENT, CONFIDENT_THRESHOLD, MUTED, PICTURE_WIDTHS, TEXT_COLOUR
from digitlab.i18n import N_, _, chart_locale, number, percent

# The ink of a drawing redrawn on a page, and every how-many-th point of a stroke it is drawn through.
INK_COLOUR = "#374151"
STROKE_POINT_STEP = 2
# A browser's default type size, which Streamlit's rem is on a laptop.
BROWSER_REM_PX = 16


def picture_selector(width: int) -> str:
    """The CSS selector of the pages' pictures of this laptop pixel width: Streamlit writes an image's width in
    pixels in the image's style."""
    return f'[data-testid="stImage"] img[style^="width: {width}px"]'


def projector_picture_rules(widths: Sequence[int]) -> str:
    """CSS that sizes the pages' pictures of these laptop pixel widths (`ui.picture_width`) in rem, so that on a
    projector they grow with the type (else their captions wrap after every few words), none wider than its
    column. Streamlit writes an image's width in pixels on the image, its caption and the element around them."""
    rules = []
    for width in widths:
        size = f"{width / BROWSER_REM_PX:g}rem"
        image = picture_selector(width)
        element = f'[data-testid="stElementContainer"]:has({image})'
        caption = f'[data-testid="stImageCaption"][style^="width: {width}px"]'
        rules += [
            f"  {element} {{flex-basis: {size} !important; width: {size} !important; max-width: 100%;}}",
            f'  {element} [data-testid="stFullScreenFrame"] > div, {image},',
            f"  {caption} {{width: {size} !important; max-width: 100%;}}",
        ]
    return "\n".join(rules)


PROJECTOR_PICTURES = projector_picture_rules(PICTURE_WIDTHS)
SHARP_PICTURES = ", ".join(map(picture_selector, PICTURE_WIDTHS))
# Large, projector-readable type for the prediction, injected once per page.
PAGE_CSS = f"""
<style>
.big-digit {{font-size: 7rem; font-weight: 800; line-height: 1; color: {ACCENT};}}
.unsure {{font-size: 3rem; font-weight: 700; line-height: 1.2;}}
.confidence {{font-size: 1.4rem; opacity: 0.8;}}
.guess {{font-size: 1rem; opacity: 0.7;}}
.compare-digit {{font-size: 3.5rem; font-weight: 800; line-height: 1; color: {ACCENT};}}
.compare-unsure {{font-size: 2rem; font-weight: 700; line-height: 1.2;}}
.number-box {{container-type: inline-size;}}
.number {{font-weight: 800; line-height: 1.1; color: {ACCENT}; font-variant-numeric: tabular-nums;
  white-space: nowrap;}}
.number .not-sure {{color: {MUTED};}}
.number .group {{margin-left: 0.3em;}}
.number-summary {{font-size: 1.2rem; opacity: 0.8; margin-top: 0.4rem;}}
.number-drawing svg {{width: 100%; height: auto; display: block;}}
/* The join address on one line where it can be: a typical one (http://192.168.1.23:8501/join) is 30 monospace
   characters, 18 em, so the type is at most an 18th of the column's width (and not much smaller than the text). */
.join-box {{container-type: inline-size;}}
.join-address {{font-size: clamp(0.8rem, 5.5cqi, 1.45rem); font-weight: 700; font-family: monospace;
  overflow-wrap: anywhere;}}
.prompt {{font-size: 2.4rem; font-weight: 800; line-height: 1.1; margin: 0.2rem 0;}}
.prompt b {{color: {ACCENT}; font-size: 3.4rem;}}
.hardest {{font-size: 1.5rem; line-height: 1.6;}}
.hardest b {{color: {ACCENT}; font-size: 2.2rem;}}
.pool-table td {{width: 5.5rem; height: 4.2rem; text-align: center; font-size: 1.6rem;}}
/* Every pixel of a picture in view: Streamlit rounds an image's corners, which hides the corner pixels of a small
   picture shown large (a digit cropped to its ink has ink at its edges, often in a corner). The pictures of fixed
   widths are pixels enlarged with hard edges (`ui.show_image`); a screen with more pixels than the page (a phone, a
   projector) enlarges them again, and must keep the edges hard rather than blur them. Pictures that stretch to
   their column may be shrunk, which only a smooth resampling does without losing lines. */
[data-testid="stImage"] img {{border-radius: 0;}}
{SHARP_PICTURES} {{image-rendering: pixelated;}}
/* The number's digits to pick from wrap onto rows where the column is too narrow for them all, rather than
   scroll sideways with nothing to show that more are there. */
.st-key-_piece [data-testid="stButtonGroup"] > div {{flex-wrap: wrap; overflow-x: visible; row-gap: 0.4rem;}}
/* A link in a page wraps where its column is too narrow for it, rather than losing its last words. */
.stMain [data-testid="stPageLink-NavLink"] span, .stMain [data-testid="stPageLink-NavLink"] p {{white-space: normal;}}
/* A phone: less empty space above the page, headings that fit its width, the draw page's answer above the canvas
   (where a finger that draws can see it) and its probabilities below. */
@media (max-width: 640px) {{
  .stMain .block-container {{padding-top: 3.5rem; padding-left: 1rem; padding-right: 1rem;}}
  .stMain [data-testid="stHeading"] h1 {{font-size: 1.9rem;}}
  .stMain [data-testid="stHeading"] h2 {{font-size: 1.55rem;}}
  .stMain [data-testid="stHeading"] h3 {{font-size: 1.3rem;}}
  .stMain [data-testid="stMetricValue"] {{font-size: 1.9rem;}}
  .st-key-draw_layout [data-testid="stHorizontalBlock"] {{flex-direction: column; gap: 0.75rem;}}
  .st-key-draw_layout [data-testid="stColumn"],
  .st-key-draw_layout [data-testid="stColumn"] > [data-testid="stVerticalBlock"] {{display: contents;}}
  .st-key-draw_layout [data-testid="stColumn"]:last-child > [data-testid="stVerticalBlock"] > * {{order: -1;}}
  .st-key-draw_layout [data-testid="stColumn"]:last-child > [data-testid="stVerticalBlock"]
    > :is(.st-key-probabilities, :has(> .st-key-probabilities)) {{order: 1;}}
  .st-key-prediction [data-testid="stMarkdownContainer"] {{display: flex; align-items: baseline; gap: 1rem;
    flex-wrap: wrap;}}
  .st-key-prediction .big-digit {{font-size: 4.5rem;}}
  .st-key-prediction .unsure {{font-size: 1.6rem;}}
  /* As tall whatever the answer, or the prompt before it: the canvas under it must not move between strokes. Its
     tallest state, "not sure" with its link still loading, with room to spare for a frame drawn on a busy machine. */
  .st-key-draw_layout .st-key-answer {{min-height: 9rem;}}
  .pool-table td {{width: 3.9rem; height: 3.2rem; font-size: 1.15rem;}}
}}
/* A projector: everything measured in rem (type, widgets, the answer) over a third larger, for the back of the
   room. The sidebar's width is in pixels (Streamlit's, a person may drag it wider): at least as many rem as on a
   laptop, so its larger type still fits (the language switch on one line, the model's name whole). Streamlit
   eases a change of the sidebar's width over 300 ms; the type does not wait, so the width must not either, or
   for those 300 ms after this rule applies (a page's first frame) the larger type wraps in the narrower sidebar. */
@media (min-width: 1600px) {{
  html {{font-size: 22px;}}
  [data-testid="stSidebar"] {{min-width: 21rem !important; transition: transform 300ms !important;}}
{PROJECTOR_PICTURES}
}}
</style>
"""
# The student's phone page: thumb-sized buttons across the width.
PHONE_CSS = """
<style>
.st-key-send button, .st-key-clear button, .st-key-clear .stButton,
.st-key-send [data-testid="stElementContainer"], .st-key-clear [data-testid="stElementContainer"] {
  min-height: 3.4rem; width: 100%; font-size: 1.25rem;
}
/* Two lines whatever the note under the canvas says: the page must not move under a finger that draws. */
.st-key-stroke_note {min-height: 3.2rem;}
</style>
"""


def is_confident(probabilities: np.ndarray) -> bool:
    """True when the most probable digit is sure enough to be announced."""
    return float(np.max(probabilities)) >= CONFIDENT_THRESHOLD


def prediction_html(probabilities: np.ndarray, compact: bool = False) -> str:
    """The predicted digit with its confidence, or an honest "not sure" with the best guess in small type:
    large for the draw page, `compact` for a grid of models side by side."""
    digit = int(np.argmax(probabilities))
    confidence = float(probabilities[digit])
    share, rounded = percent(confidence, 1), percent(confidence, 0)
    if not is_confident(probabilities) and compact:
        unsure, guess = _("not sure"), _("best guess {digit}, {confidence}").format(digit=digit, confidence=rounded)
        return f"<span class='compare-unsure'>{unsure}</span> <span class='guess'>{guess}</span>"
    if not is_confident(probabilities):
        unsure = _("Not sure: this may not be a digit")
        guess = _("best guess {digit}, only {confidence} confident").format(digit=digit, confidence=rounded)
        return f"<div class='unsure'>{unsure}</div><div class='guess'>{guess}</div>"
    if compact:
        return f"<span class='compare-digit'>{digit}</span> <span class='confidence'>{share}</span>"
    confident = _("{confidence} confident").format(confidence=share)
    return f"<div class='big-digit'>{digit}</div><div class='confidence'>{confident}</div>"


def number_html(digits: Sequence[int | None], group: int = 3, negative: bool = False) -> str:
    """The number in large type, as large as fits its column, "?" for a piece that is not a confident digit, a minus
    sign before it where it is `negative`; a number of more than four pieces is set in groups of `group` from the
    right, as a thousands separator would."""
    spans = ["\N{MINUS SIGN}"] if negative else []
    for index, digit in enumerate(digits):
        classes = ["not-sure"] if digit is None else []
        if len(digits) > 4 and index and (len(digits) - index) % group == 0:
            classes.append("group")
        text = "?" if digit is None else str(digit)
        spans.append(f"<span class='{' '.join(classes)}'>{text}</span>" if classes else text)
    # A bold digit is about 0.6 em wide, and a group's gap 0.3 em: the type fills the column's width at most.
    ems = 0.6 * (len(digits) + negative) + 0.3 * ((len(digits) - 1) // group if len(digits) > 4 else 0)
    size = f"min(7rem, {100 / max(ems, 1):.1f}cqw)"
    return f"<div class='number-box'><div class='number' style='font-size: {size}'>{''.join(spans)}</div></div>"


# Canvas pixels of room above each box of `number_svg` for its digit, and below it for its confidence; blank canvas
# kept either side of the ink, and the least width shown, as a multiple of the canvas's height.
LABEL_ROOM = (64, 40)
# The digit's label is 48 px type, about 35 px tall: its baseline stays this far below the picture's top.
LABEL_BASELINE_DEPTH = 48
INK_MARGIN = 40
LEAST_WIDTH = 2.0


def number_svg(
    shape: tuple[int, int],
    boxes: Sequence[tuple[int, int, int, int]],
    digits: Sequence[int | None],
    confidences: Sequence[float],
    strokes: Sequence = (),
    picture: np.ndarray | None = None,
    selected: int | None = None,
    minus: tuple[int, int, int, int] | None = None,
) -> str:
    """The drawing of a canvas of `shape` (height, width) with a box round each piece of the number, its digit above
    (or "?") and its confidence (or "not sure") below, and round its `minus` sign's box (None: it has none), "−"
    above in the row of the digits: an SVG in canvas pixels, showing the part of the canvas that holds the ink. The
    drawing is its strokes (each with float (n, 2) `.points` and a `.width`), or, without them, its uint8 (H, W, 4)
    `picture`; the `selected` piece's box is drawn heavier."""
    height, width = shape
    above, below = LABEL_ROOM
    left, right = _shown_columns([*boxes, *([minus] if minus else [])], shape)
    description = html.escape(_("Your number with a box round each digit"))
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='{left} {-above} {right - left} {height + above + below}' "
        f"role='img' aria-label='{description}'>",
        # The frame holds the labels too: a label above ink at the canvas's edge must not sit on the frame's line.
        # One unit inside the picture's edge, so that its line is drawn whole: half of a line on the edge is cut
        # off, and the rest may vanish when the picture is scaled down.
        f"<rect x='{left + 1}' y='{1 - above}' width='{right - left - 2}' height='{height + above + below - 2}' "
        f"fill='white' stroke='{MUTED}' stroke-width='2'/>",
    ]
    if picture is not None and not strokes:
        parts.append(f"<image href='{png_data_url(picture)}' x='0' y='0' width='{width}' height='{height}'/>")
    parts += [_stroke_path(stroke) for stroke in strokes]
    for index, (box, digit, confidence) in enumerate(zip(boxes, digits, confidences, strict=True)):
        label, note = ("?", _("not sure")) if digit is None else (str(digit), percent(confidence, 0))
        sure, picked = digit is not None, index == selected
        parts += _box_marks(box, label, note, shape, (left, right), is_sure=sure, is_selected=picked)
    if minus:
        # Found by its shape, not read by the model: no confidence to give. Its sign stands in the row of the digits'
        # labels, above the first digit's top: above the dash itself, in the middle of the digits' height, it would
        # be read as a stroke of the drawing.
        label_top = boxes[0][1] if boxes else minus[1]
        parts += _box_marks(minus, "\N{MINUS SIGN}", "", shape, (left, right), label_top=label_top)
    return "<div class='number-drawing'>" + "".join(parts) + "</svg></div>"


def _shown_columns(boxes: Sequence[tuple[int, int, int, int]], shape: tuple[int, int]) -> tuple[int, int]:
    """(left, right) of the canvas shown: the ink with INK_MARGIN either side, at least LEAST_WIDTH times the
    canvas's height wide, within the canvas."""
    height, width = shape
    if not boxes:
        return 0, width
    low, high = min(box[0] for box in boxes) - INK_MARGIN, max(box[2] for box in boxes) + INK_MARGIN
    grow = max(LEAST_WIDTH * height - (high - low), 0) / 2
    low, high = low - grow, high + grow
    shift = max(0 - low, 0) - max(high - width, 0)
    return int(max(low + shift, 0)), int(min(high + shift, width))


def _stroke_path(stroke) -> str:
    """One stroke as an SVG path through every STROKE_POINT_STEP-th point of it and its end."""
    points = np.asarray(stroke.points)
    through = np.vstack([points[::STROKE_POINT_STEP], points[-1:]])
    path = " L ".join(f"{x:.1f} {y:.1f}" for x, y in through.tolist())
    return (
        f"<path d='M {path}' fill='none' stroke='{INK_COLOUR}' stroke-width='{stroke.width:.1f}' "
        "stroke-linecap='round' stroke-linejoin='round'/>"
    )


def _box_marks(
    box: tuple[int, int, int, int],
    label: str,
    note: str,
    shape: tuple[int, int],
    view: tuple[int, int],
    *,
    is_sure: bool = True,
    is_selected: bool = False,
    label_top: int | None = None,
) -> list[str]:
    """A piece's box, its `label` (a digit, "?") above it, or above `label_top` where given, and its `note` (a
    confidence, "not sure"; "" for none) below it, as SVG elements, the box dashed and the label muted where it is
    not sure; the labels kept within the `view`'s (left, right) columns."""
    left, top, right, bottom = box
    above, below = LABEL_ROOM
    colour = ACCENT if is_sure else MUTED
    dash = "" if is_sure else " stroke-dasharray='10 6'"
    middle = (left + right) / 2
    label_y = max((top if label_top is None else label_top) - 10, LABEL_BASELINE_DEPTH - above)
    marks = [
        f"<rect x='{left}' y='{top}' width='{right - left}' height='{bottom - top}' rx='6' fill='none' "
        f"stroke='{colour}' stroke-width='{6 if is_selected else 3}'{dash}/>",
        f"<text x='{_label_x(middle, label, 48, view)}' y='{label_y}' "
        f"text-anchor='middle' font-size='48' font-weight='800' fill='{colour}'>{label}</text>",
    ]
    if note:
        marks.append(
            f"<text x='{_label_x(middle, note, 28, view)}' y='{min(bottom + 32, shape[0] + below - 8)}' "
            f"text-anchor='middle' font-size='28' fill='{TEXT_COLOUR}'>{html.escape(note)}</text>"
        )
    return marks


def _label_x(middle: float, text: str, font_size: float, view: tuple[int, int]) -> float:
    """Where a label centred under or over a piece at `middle` goes so that it is read whole: moved in from the
    edge of the `view` that would cut it (a piece at the canvas's edge, a long "not sure" in another language)."""
    # About 0.6 em a character, in the app's sans-serif type, and a little room from the frame.
    half = 0.6 * font_size * len(text) / 2 + 6
    low, high = view[0] + half, view[1] - half
    return middle if low > high else min(max(middle, low), high)


def png_data_url(picture: np.ndarray) -> str:
    """uint8 (H, W, C) -> a data: URL of its PNG."""
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chart_config() -> dict:
    """The Vega-Lite `config` of every chart: numbers written the session's way (axes and tooltips are formatted in
    the browser), and each label of a band axis (digits, filters, models) on its own band; Streamlit's chart theme
    flushes an axis's first and last labels to the chart's edges, off their rows and columns."""
    return {"locale": chart_locale(), "axisBand": {"labelFlush": False}}


def probability_chart(
    probabilities: np.ndarray, label_size: int = 16, height: int = 220, probability_title: bool = True
) -> dict:
    """Bar chart of the ten class probabilities, the predicted class highlighted: a Vega-Lite spec.

    Written as the spec itself rather than through Altair: it is redrawn after every stroke, and Altair's
    validation would be most of the chart's cost. A small chart beside its answer may leave out the "Probability"
    axis title: the larger type of a projector would cut it short on a short axis, and the axis's percentages say it.
    """
    best = str(int(np.argmax(probabilities)))
    values = [{"digit": str(digit), "probability": float(p)} for digit, p in enumerate(probabilities)]
    y_title = _("Probability") if probability_title else None
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "height": height,
        "encoding": {
            "x": {"field": "digit", "type": "nominal", "sort": None, "title": _("Digit"),
                  "axis": {"labelAngle": 0, "labelFontSize": label_size}},
            "y": {"field": "probability", "type": "quantitative", "title": y_title,
                  "scale": {"domain": [0, 1]}, "axis": {"format": "%"}},
            "color": {"condition": {"test": f"datum.digit === '{best}'", "value": ACCENT}, "value": MUTED},
            "tooltip": [{"field": "digit", "type": "nominal", "title": _("digit")},
                        {"field": "probability", "type": "quantitative", "format": ".2%", "title": _("probability")}],
        },
        "config": chart_config(),
    }  # fmt: skip


POOL_WINDOW_COLOURS = ["#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3"]


def pooling_html(example) -> str:
    """The worked example of an `activations.PoolingExample` as HTML: its numbers in 2x2 windows, maxima marked,
    and the pooled result."""
    size, pool = example.patch.shape[0], example.pool
    windows = size // pool
    maxima = {tuple(position) for position in example.argmax.reshape(-1, 2)}
    line = f"4px solid {TEXT_COLOUR}"

    def patch_style(row: int, col: int) -> str:
        style = f"background:{POOL_WINDOW_COLOURS[(row // pool * windows + col // pool) % 4]};border:1px solid #cbd5e1;"
        style += f"border-top:{line};" if row % pool == 0 else ""
        style += f"border-left:{line};" if col % pool == 0 else ""
        style += f"border-bottom:{line};" if row == size - 1 else ""
        style += f"border-right:{line};" if col == size - 1 else ""
        return style + (f"color:{ACCENT};font-weight:800;" if (row, col) in maxima else "")

    def pooled_style(row: int, col: int) -> str:
        colour = POOL_WINDOW_COLOURS[(row * windows + col) % 4]
        return f"background:{colour};border:{line};color:{ACCENT};font-weight:800;"

    return (
        "<div style='display:flex;align-items:center;gap:2.5rem;flex-wrap:wrap'>"
        f"{_html_table(example.patch, patch_style)}<div style='font-size:3rem'>→</div>"
        f"{_html_table(example.pooled, pooled_style)}</div>"
    )


def _html_table(values: np.ndarray, style) -> str:
    """An HTML table of float (h, w) with two decimals; `style(row, col)` gives each cell's inline CSS."""
    rows = ""
    for r in range(values.shape[0]):
        cells = (f"<td style='{style(r, c)}'>{number(values[r, c], 2)}</td>" for c in range(values.shape[1]))
        rows += f"<tr>{''.join(cells)}</tr>"
    return f"<table class='pool-table' style='border-collapse:collapse'>{rows}</table>"


def norms_chart(norms: np.ndarray, title: str) -> alt.Chart:
    """Bar chart of one value per filter (e.g. its weight norm), filters numbered from 0."""
    frame = pd.DataFrame({"filter": np.arange(len(norms)), "norm": norms})
    return (
        alt.Chart(frame)
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("filter:O", title=_("Filter"), axis=alt.Axis(labelAngle=0, labelFontSize=12, titleFontSize=16)),
            y=alt.Y("norm:Q", title=title, axis=alt.Axis(labelFontSize=14, titleFontSize=16)),
            tooltip=[alt.Tooltip("filter:O", title=_("filter")), alt.Tooltip("norm:Q", title=_("norm"), format=".3f")],
        )
        .properties(height=240)
        .configure(**chart_config())
    )


def slice_norms_heatmap(norms: np.ndarray) -> alt.Chart:
    """Heatmap of float (out, in) slice norms: how much each filter listens to each input channel."""
    out_channels, in_channels = norms.shape
    frame = pd.DataFrame(
        {
            "filter": np.repeat(np.arange(out_channels), in_channels),
            "input channel": np.tile(np.arange(in_channels), out_channels),
            "norm": norms.ravel(),
        }
    )
    axis = alt.Axis(labelFontSize=11, titleFontSize=16, labelAngle=0, values=list(range(0, 64, 4)))
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("input channel:O", title=_("Input channel"), axis=axis),
            y=alt.Y("filter:O", title=_("Filter"), axis=axis),
            color=alt.Color("norm:Q", scale=alt.Scale(scheme="viridis"), title=_("Weight norm")),
            tooltip=[
                alt.Tooltip("filter:O", title=_("filter")),
                alt.Tooltip("input channel:O", title=_("input channel")),
                alt.Tooltip("norm:Q", title=_("norm"), format=".3f"),
            ],
        )
        .properties(height=max(240, 7 * out_channels))
        .configure(**chart_config())
    )


def confusion_chart(
    frame: pd.DataFrame,
    selected: tuple[int, int] | None = None,
    normalised: bool = False,
    titles: tuple[str, str] | None = None,
    height: int = 560,
) -> alt.Chart:
    """10x10 heatmap of `evaluate.confusion_frame` with large type; `selected` (true, predicted) is outlined.

    Clicking a cell selects it through the point selection "cell" (see `digit_pair_picker`). `titles` name the
    rows and the columns (default: true digit, predicted digit).
    """
    titles = titles or (_("True digit"), _("Predicted digit"))
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", clear=False)
    # Type sized to the cells the chart gets: a column of a laptop's screen is too narrow for 22 px digits.
    axis = {"labelFontSize": _cell_type(22, 1), "titleFontSize": 20, "labelAngle": 0, "ticks": False,
            "domain": False, "labelOverlap": False}  # fmt: skip
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:O", title=titles[1], axis=alt.Axis(orient="top", **axis)),
        y=alt.Y("true:O", title=titles[0], axis=alt.Axis(**axis)),
    )
    tooltip = [
        alt.Tooltip("true:O", title=titles[0]),
        alt.Tooltip("predicted:O", title=titles[1]),
        alt.Tooltip("count:Q", title=_("Images")),
        alt.Tooltip("share:Q", title=_("Share of the true digit"), format=".2%"),
    ]
    cells = (
        base.mark_rect(stroke="white", strokeWidth=2)
        .encode(
            # Blue for correct cells, red for mistakes (scaled to the largest mistake), white for empty ones.
            color=alt.Color("shade:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1]), legend=None),
            tooltip=tooltip,
        )
        .add_params(cell)
    )
    longest = int(frame["label"].str.len().max() or 1)
    labels = base.mark_text(fontSize=_cell_type(18 if normalised else 20, longest), fontWeight="bold").encode(
        text="label:N",
        color=alt.condition(abs(alt.datum.shade) > 0.55, alt.value("white"), alt.value(TEXT_COLOUR)),
        tooltip=tooltip,
    )
    layers = [cells, labels]
    if selected is not None:
        is_selected = (alt.datum.true == selected[0]) & (alt.datum.predicted == selected[1])
        layers.append(base.mark_rect(filled=False, stroke=TEXT_COLOUR, strokeWidth=5).transform_filter(is_selected))
    return alt.layer(*layers).properties(height=height).configure(**chart_config())


def _cell_type(largest: int, characters: int) -> alt.ExprRef:
    """A font size for `characters` bold digits in a cell of a 10x10 heatmap: at most `largest` px, less where the
    cells, as wide and high as the chart is drawn, are too small for them."""
    # A bold digit is about 0.62 em wide; a line of type wants about 1.6 em of height.
    fits = f"min((width / 10 - 4) / {0.62 * characters:.2f}, height / 10 / 1.6)"
    return alt.ExprRef(f"clamp({fits}, 9, {largest})")


# Measures of the comparison chart: column -> (label, axis format, True when higher is better). The labels are
# English, marked with N_: show them with `_`.
COMPARISON_MEASURES = {
    "drawn_accuracy": (N_("Drawn-digit accuracy"), ".1%", True),
    "mnist_accuracy": (N_("MNIST test accuracy"), ".2%", True),
    "parameters": (N_("Parameters"), ",d", False),
    "size_mb": (N_("Size on disk (MB)"), ".1f", False),
    "training_s": (N_("Training time (s)"), ",.0f", False),
    "predict_ms": (N_("Time per prediction (ms, p50)"), ".2f", False),
}


def comparison_chart(frame: pd.DataFrame, measure: str, selected: str) -> alt.Chart:
    """Horizontal bars of one measure of the comparison table, one per model; the selected model highlighted."""
    english_label, number_format, higher_is_better = COMPARISON_MEASURES[measure]
    label = _(english_label)
    shown = frame.dropna(subset=[measure])
    order = shown.sort_values(measure, ascending=not higher_is_better)["title"].tolist()
    # Accuracies lie close together near 100 %: start the axis at the next 5 % below the lowest one.
    is_share = number_format.endswith("%")
    low = float(np.floor(shown[measure].min() * 20) / 20) if is_share and len(shown) else 0.0
    scale = alt.Scale(domain=[low, 1.0]) if is_share else alt.Scale()
    return (
        alt.Chart(shown)
        .mark_bar(clip=True)
        .encode(
            # Whole percentages on the axis (the tooltip has the decimals), its title ending under the axis's end and
            # free to reach in under the names; names cut at a width that leaves a phone room for the bars.
            x=alt.X(
                f"{measure}:Q",
                title=label,
                scale=scale,
                axis=alt.Axis(
                    format=".0%" if is_share else number_format, labelFontSize=14, titleAnchor="end", titleLimit=400
                ),
            ),
            y=alt.Y("title:N", sort=order, title=None, axis=alt.Axis(labelFontSize=15, labelLimit=200)),
            color=alt.condition(alt.datum.name == selected, alt.value(ACCENT), alt.value(MUTED)),
            tooltip=[
                alt.Tooltip("title:N", title=_("title")),
                alt.Tooltip(f"{measure}:Q", title=label, format=number_format),
            ],
        )
        .properties(height=44 * max(len(shown), 1))
        .configure(**chart_config())
    )


def gallery_chart(items: pd.DataFrame, columns: int = 6, size: int = 84) -> alt.Chart:
    """A grid of drawings to click: `items` has id, picture (an image URL, see `visualize.digit_data_url`) and
    label (shown under it). A click selects a drawing's id through the point selection "drawing"."""
    frame = items.reset_index(drop=True).assign(
        column=lambda rows: rows.index % columns, row=lambda rows: rows.index // columns
    )
    pick = alt.selection_point(name="drawing", fields=["id"], on="click", clear=False)
    x = alt.X("column:O", axis=None, scale=alt.Scale(domain=list(range(columns))))
    y = alt.Y("row:O", axis=None)
    pictures = (
        alt.Chart(frame)
        .mark_image(width=size, height=size, cursor="pointer")
        .encode(x=x, y=y, url="picture:N", tooltip=alt.value(None))
        .add_params(pick)
    )
    labels = (
        alt.Chart(frame)
        .mark_text(dy=size / 2 + 14, fontSize=17, fontWeight="bold", color=TEXT_COLOUR)
        .encode(x=x, y=y, text="label:N")
    )
    rows = int(np.ceil(len(frame) / columns)) if len(frame) else 1
    return alt.layer(pictures, labels).properties(height=rows * (size + 44), width=columns * (size + 24))
