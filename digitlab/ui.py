"""Streamlit helpers shared by every page: cached loaders, the canvas wrapper and common widgets.

This is the only module of the package that imports Streamlit.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from digitlab.architectures import BUNDLED
from digitlab.config import (
    CANVAS_SIZE,
    CONFIDENT_THRESHOLD,
    DEFAULT_STROKE_WIDTH,
    STATE_CANVAS_KEY,
    STATE_CANVAS_RGBA,
    STATE_CANVAS_STROKES,
    STATE_IMAGE,
    STATE_MODEL,
    STROKE_WIDTH_RANGE,
)
from digitlab.strokes import Stroke, canvas_strokes
from digitlab.visualize import enlarge

ACCENT = "#e4572e"
MUTED = "#9aa5b1"


@st.cache_resource(show_spinner="Loading the model…")
def get_model(path: str | None = None):
    """A model loaded once per server process and file: the bundled one when `path` is None."""
    from digitlab.model import load_model

    return load_model(path)


@st.cache_data(show_spinner=False)
def get_metadata(path: str | None = None) -> dict | None:
    """A model's training metadata (the bundled model's when `path` is None), or None."""
    from digitlab.model import load_metadata

    return load_metadata(path)


def require_model():
    """The model chosen in the sidebar (drawn here), cached, or an explanation of how to get it and a stop."""
    from digitlab.model import ModelLoadError

    files = model_selector()
    try:
        return get_model() if files.name == BUNDLED else get_model(str(files.model))
    except ModelLoadError as error:
        st.error(f"**The model could not be loaded.** {error}", icon="🚫")
        st.stop()


# --- The model selector: one choice in session state, shared by every page -------------------------------------

_MODEL_WIDGET = "_model_choice"


def selected_model_files():
    """The `zoo.ModelFiles` of the model chosen in the sidebar; the bundled model until another is chosen."""
    from digitlab import zoo

    name = st.session_state.get(STATE_MODEL, BUNDLED)
    return zoo.model_files(name if name in zoo.available_models() else BUNDLED)


def model_selector():
    """Draw the sidebar's model picker (models whose files exist) and return the chosen model's `zoo.ModelFiles`."""
    from digitlab import zoo
    from digitlab.architectures import title

    files = selected_model_files()
    # Widgets forget their value on another page, so this one is re-seeded from the session-state key each run.
    st.session_state[_MODEL_WIDGET] = files.name
    st.sidebar.selectbox(
        "Model",
        zoo.available_models(),
        format_func=title,
        key=_MODEL_WIDGET,
        on_change=_store_model,
        help="Every page uses this model. Compare them all on the Compare models page.",
    )
    return files


def selected_metadata() -> dict | None:
    """The training metadata of the model chosen in the sidebar, or None."""
    files = selected_model_files()
    return get_metadata() if files.name == BUNDLED else get_metadata(str(files.metadata))


def _store_model() -> None:
    st.session_state[STATE_MODEL] = st.session_state[_MODEL_WIDGET]


def drawing_canvas() -> tuple[np.ndarray | None, list[Stroke] | None]:
    """Draw the canvas with its controls; returns the latest drawing: its uint8 (H, W, 4) picture and its
    strokes (None when they cannot be read), or (None, None) before anything is drawn.

    The drawing is kept in session state, so other pages (and tests) see the same one.
    """
    from streamlit_drawable_canvas import st_canvas

    use_fast_canvas()
    st.session_state.setdefault(STATE_CANVAS_KEY, 0)
    width = st.slider("Stroke width", *STROKE_WIDTH_RANGE, DEFAULT_STROKE_WIDTH, key="stroke_width")
    result = st_canvas(
        stroke_width=width,
        stroke_color="#000000",
        background_color="#ffffff",
        width=CANVAS_SIZE,
        height=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"canvas_{st.session_state[STATE_CANVAS_KEY]}",
    )
    st.button("Clear the canvas", icon=":material/delete:", on_click=clear_drawing)
    if result.image_data is not None:
        st.session_state[STATE_CANVAS_RGBA] = result.image_data
        st.session_state[STATE_CANVAS_STROKES] = canvas_strokes(result.json_data)
    return st.session_state.get(STATE_CANVAS_RGBA), st.session_state.get(STATE_CANVAS_STROKES)


def use_fast_canvas() -> None:
    """Make `st_canvas` send each stroke at once, not 200 ms later: the canvas's own frontend without its delay.

    Replaces the component that streamlit_drawable_canvas calls (its module global `out`) with one registered
    from the installed build, delay set to 0 (see digitlab.canvas_frontend); keeps the stock one if that fails.
    """
    import streamlit_drawable_canvas

    component = _fast_canvas_component()
    if component is not None:
        streamlit_drawable_canvas.out = component


@st.cache_resource(show_spinner=False)
def _fast_canvas_component():
    """The canvas component without the send delay, registered once per process; None if it cannot be built."""
    from digitlab.canvas_frontend import CANVAS_HTML, COMPONENT_NAME, fast_canvas_assets

    assets = fast_canvas_assets()
    if assets is None:
        return None
    js, css = assets
    return st.components.v2.component(COMPONENT_NAME, html=CANVAS_HTML, js=js, css=css, isolate_styles=True)


def clear_drawing() -> None:
    """Forget the drawing and remount an empty canvas."""
    st.session_state[STATE_CANVAS_KEY] = st.session_state.get(STATE_CANVAS_KEY, 0) + 1
    st.session_state[STATE_CANVAS_RGBA] = None
    st.session_state[STATE_CANVAS_STROKES] = None
    st.session_state[STATE_IMAGE] = None


def show_prediction(probabilities: np.ndarray) -> None:
    """The predicted digit in large type with its confidence, or an honest "not sure"."""
    digit = int(np.argmax(probabilities))
    confidence = float(probabilities[digit])
    with st.container(key="prediction"):
        if confidence >= CONFIDENT_THRESHOLD:
            st.markdown(
                f"<div class='big-digit'>{digit}</div><div class='confidence'>{confidence:.1%} confident</div>",
                unsafe_allow_html=True,
            )
        else:
            st.markdown(
                "<div class='unsure'>Not sure: this may not be a digit</div>"
                f"<div class='guess'>best guess {digit}, only {confidence:.0%} confident</div>",
                unsafe_allow_html=True,
            )


def probability_chart(probabilities: np.ndarray, label_size: int = 16) -> alt.Chart:
    """Bar chart of the ten class probabilities, the predicted class highlighted; `label_size` of the digits."""
    frame = pd.DataFrame({"digit": [str(d) for d in range(len(probabilities))], "probability": probabilities})
    best = str(int(np.argmax(probabilities)))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("digit:N", sort=None, title="Digit", axis=alt.Axis(labelAngle=0, labelFontSize=label_size)),
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title="Probability"),
            color=alt.condition(alt.datum.digit == best, alt.value(ACCENT), alt.value(MUTED)),
            tooltip=["digit", alt.Tooltip("probability:Q", format=".2%")],
        )
    )
    return bars.properties(height=220)


def show_image(image: np.ndarray, caption: str, width: int = 140) -> None:
    """A small float image in [0, 1], enlarged with hard pixel edges so the pixels stay visible."""
    factor = max(1, width // max(image.shape))
    st.image(enlarge(image, factor), caption=caption, width=width, clamp=True)


# --- Inside the network: the input image, channel pickers and the charts of the network pages ---------------


@st.cache_data(show_spinner=False)
def get_samples() -> tuple[np.ndarray, np.ndarray] | None:
    """The MNIST sample digits shipped in model/: (images uint8 (M, 28, 28), labels uint8 (M,)), or None."""
    from digitlab.config import SAMPLES_PATH
    from digitlab.data import load_samples

    return load_samples(SAMPLES_PATH) if SAMPLES_PATH.is_file() else None


def network_input() -> np.ndarray:
    """The image to look inside the network with, shown with where it comes from: float32 (28, 28) in [0, 1].

    The drawing from the drawing page when there is one, else an MNIST sample digit the user picks
    (remembered across pages). Stops the page when there is neither.
    """
    from digitlab.data import to_float_images

    image = st.session_state.get(STATE_IMAGE)
    samples = get_samples()
    picture_column, text_column = st.columns([1, 4], vertical_alignment="center")
    if image is not None:
        with picture_column:
            show_image(image, "The model's input (28×28)", width=168)
        text_column.success(
            "Showing **your drawing** from the ✏️ Draw page. Draw something else there and this page follows.",
            icon=":material/draw:",
        )
        return image
    if samples is None:
        st.info("Draw a digit on the ✏️ Draw page first, then come back here.", icon=":material/draw:")
        st.stop()
    images, labels = samples
    with text_column:
        st.info(
            "Nothing drawn yet, so here is a handwritten digit from the MNIST test set. "
            "Draw your own on the ✏️ Draw page and this page will show it instead.",
            icon=":material/lightbulb:",
        )
        index = _sample_picker(labels)
    image = to_float_images(images[index])
    with picture_column:
        show_image(image, f"MNIST test digit: a {labels[index]} (28×28)", width=168)
    return image


def _sample_picker(labels: np.ndarray) -> int:
    """A digit and an example number; returns the chosen sample's index, kept in session state across pages."""
    from digitlab.config import STATE_SAMPLE

    index = st.session_state.get(STATE_SAMPLE)
    if index is None or not 0 <= index < len(labels):
        index = int(np.flatnonzero(labels == 7)[0]) if (labels == 7).any() else 0
    digit = int(labels[index])
    # Widgets lose their state on another page, so they are re-seeded from the session-state key each run.
    st.session_state["_sample_digit"] = digit
    st.session_state["_sample_example"] = int(np.flatnonzero(labels[:index] == digit).size) + 1
    st.segmented_control(
        "Example digit", list(range(10)), required=True, key="_sample_digit", on_change=_store_sample, args=(labels,)
    )
    st.slider(
        "Which one", 1, int(np.bincount(labels).max()), key="_sample_example", on_change=_store_sample, args=(labels,)
    )
    return index


def _store_sample(labels: np.ndarray) -> None:
    """Remember the sample picked with the widgets of `_sample_picker`."""
    from digitlab.config import STATE_SAMPLE

    examples = np.flatnonzero(labels == st.session_state["_sample_digit"])
    if examples.size:
        st.session_state[STATE_SAMPLE] = int(examples[min(st.session_state["_sample_example"], examples.size) - 1])


def channel_slider(label: str, channels: int, default: int, key: str) -> int:
    """Pick a channel (or filter) number 0..channels-1; starts at `default`, the strongest one."""
    if st.session_state.get(key, 0) >= channels:
        del st.session_state[key]
    return st.slider(label, 0, channels - 1, value=min(default, channels - 1), key=key)


POOL_WINDOW_COLOURS = ["#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3"]
POOL_CELL_STYLE = "width:5.5rem;height:4.2rem;text-align:center;font-size:1.6rem;"


def show_pooling_example(example) -> None:
    """The worked example of a `visualize.PoolingExample`: its numbers in 2x2 windows, maxima marked, and the result."""
    size, pool = example.patch.shape[0], example.pool
    windows = size // pool
    maxima = {tuple(position) for position in example.argmax.reshape(-1, 2)}
    line = "4px solid #111827"

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

    st.markdown(
        "<div style='display:flex;align-items:center;gap:2.5rem;flex-wrap:wrap'>"
        f"{_html_table(example.patch, patch_style)}<div style='font-size:3rem'>→</div>"
        f"{_html_table(example.pooled, pooled_style)}</div>",
        unsafe_allow_html=True,
    )


def _html_table(values: np.ndarray, style) -> str:
    """An HTML table of float (h, w) with two decimals; `style(row, col)` gives each cell's inline CSS."""
    rows = ""
    for r in range(values.shape[0]):
        cells = (f"<td style='{POOL_CELL_STYLE}{style(r, c)}'>{values[r, c]:.2f}</td>" for c in range(values.shape[1]))
        rows += f"<tr>{''.join(cells)}</tr>"
    return f"<table style='border-collapse:collapse'>{rows}</table>"


def norms_chart(norms: np.ndarray, title: str) -> alt.Chart:
    """Bar chart of one value per filter (e.g. its weight norm), filters numbered from 0."""
    frame = pd.DataFrame({"filter": np.arange(len(norms)), "norm": norms})
    return (
        alt.Chart(frame)
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("filter:O", title="Filter", axis=alt.Axis(labelAngle=0, labelFontSize=12, titleFontSize=16)),
            y=alt.Y("norm:Q", title=title, axis=alt.Axis(labelFontSize=14, titleFontSize=16)),
            tooltip=["filter", alt.Tooltip("norm:Q", format=".3f")],
        )
        .properties(height=240)
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
            x=alt.X("input channel:O", axis=axis),
            y=alt.Y("filter:O", axis=axis),
            color=alt.Color("norm:Q", scale=alt.Scale(scheme="viridis"), title="weight norm"),
            tooltip=["filter", "input channel", alt.Tooltip("norm:Q", format=".3f")],
        )
        .properties(height=max(240, 7 * out_channels))
    )


def inject_css() -> None:
    """Large, projector-readable type for the prediction."""
    st.markdown(
        """
        <style>
        .big-digit {font-size: 7rem; font-weight: 800; line-height: 1; color: #e4572e;}
        .unsure {font-size: 3rem; font-weight: 700; line-height: 1.2;}
        .confidence {font-size: 1.4rem; opacity: 0.8;}
        .guess {font-size: 1rem; opacity: 0.7;}
        .compare-digit {font-size: 3.5rem; font-weight: 800; line-height: 1; color: #e4572e;}
        .compare-unsure {font-size: 2rem; font-weight: 700; line-height: 1.2;}
        </style>
        """,
        unsafe_allow_html=True,
    )


def file_stamp(*paths) -> tuple:
    """(mtime_ns, size) of each path, None for a missing one: part of a cache key so rewritten files reload."""
    from pathlib import Path

    stats = [Path(path).stat() if Path(path).is_file() else None for path in paths]
    return tuple((stat.st_mtime_ns, stat.st_size) if stat else None for stat in stats)


@st.cache_data(show_spinner="Loading the evaluation…")
def get_evaluation(npz_path: str, summary_path: str, stamp: tuple):
    """The evaluation artifacts (an `evaluate.Evaluation`); `stamp` from `file_stamp` keys the cache."""
    from digitlab.evaluate import load_artifacts

    return load_artifacts(npz_path, summary_path)


def require_evaluation(npz_path, summary_path):
    """The cached evaluation artifacts, or an explanation of how to make them and a stop of the page."""
    from digitlab.evaluate import ArtifactsNotFoundError

    try:
        return get_evaluation(str(npz_path), str(summary_path), file_stamp(npz_path, summary_path))
    except ArtifactsNotFoundError as error:
        st.info(f"**No evaluation to show yet.** {error}", icon=":material/grid_on:")
        st.stop()


def confusion_chart(
    frame: pd.DataFrame, selected: tuple[int, int] | None = None, normalised: bool = False
) -> alt.Chart:
    """10x10 heatmap of `evaluate.confusion_frame` with large type; `selected` (true, predicted) is outlined.

    Clicking a cell selects it through the point selection "cell" (see `digit_pair_picker`).
    """
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", clear=False)
    axis = {"labelFontSize": 22, "titleFontSize": 20, "labelAngle": 0, "ticks": False, "domain": False}
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:O", title="Predicted digit", axis=alt.Axis(orient="top", **axis)),
        y=alt.Y("true:O", title="True digit", axis=alt.Axis(**axis)),
    )
    tooltip = [
        alt.Tooltip("true:O", title="True digit"),
        alt.Tooltip("predicted:O", title="Predicted"),
        alt.Tooltip("count:Q", title="Images"),
        alt.Tooltip("share:Q", title="Share of the true digit", format=".2%"),
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
    labels = base.mark_text(fontSize=18 if normalised else 20, fontWeight="bold").encode(
        text="label:N",
        color=alt.condition(abs(alt.datum.shade) > 0.55, alt.value("white"), alt.value("#111827")),
        tooltip=tooltip,
    )
    layers = [cells, labels]
    if selected is not None:
        is_selected = (alt.datum.true == selected[0]) & (alt.datum.predicted == selected[1])
        layers.append(base.mark_rect(filled=False, stroke="#111827", strokeWidth=5).transform_filter(is_selected))
    return alt.layer(*layers).properties(height=560)


def confusion_chart_key() -> str:
    """Widget key of the heatmap; it changes when a selectbox is used, which clears the chart's own selection."""
    return f"confusion_chart_{st.session_state.get('confusion_chart_version', 0)}"


def digit_pair_picker(default: tuple[int, int]) -> tuple[int, int]:
    """Two selectboxes (true digit, predicted digit) kept in step with the cell last clicked in the heatmap.

    Call it before drawing the chart with key `confusion_chart_key()`: a click there moves the selectboxes.
    """
    st.session_state.setdefault("cell_true", default[0])
    st.session_state.setdefault("cell_predicted", default[1])
    chart_pair = clicked_cell(st.session_state.get(confusion_chart_key()))
    if chart_pair is not None and chart_pair != st.session_state.get("cell_clicked"):
        st.session_state["cell_clicked"] = chart_pair
        st.session_state["cell_true"], st.session_state["cell_predicted"] = chart_pair
    digits = list(range(10))
    true_column, predicted_column = st.columns(2)
    true = true_column.selectbox("True digit", digits, key="cell_true", on_change=_forget_chart_click)
    predicted = predicted_column.selectbox(
        "Predicted digit", digits, key="cell_predicted", on_change=_forget_chart_click
    )
    return int(true), int(predicted)


def _forget_chart_click() -> None:
    """Remount the heatmap without a selection, so clicking the same cell again counts as a new click."""
    st.session_state["confusion_chart_version"] = st.session_state.get("confusion_chart_version", 0) + 1
    st.session_state["cell_clicked"] = None


def clicked_cell(event) -> tuple[int, int] | None:
    """The (true, predicted) cell clicked in `confusion_chart`, from st.altair_chart's selection state."""
    points = (event or {}).get("selection", {}).get("cell") or []
    if not points:
        return None
    return int(points[0]["true"]), int(points[0]["predicted"])


def show_examples(examples: pd.DataFrame, limit: int = 24, per_row: int = 6) -> None:
    """A grid of test images from `evaluate.cell_examples`, each captioned with its labels and confidence."""
    from digitlab.data import to_float_images

    shown = examples.head(limit)
    for start in range(0, len(shown), per_row):
        for column, row in zip(st.columns(per_row), shown.iloc[start : start + per_row].itertuples(), strict=False):
            with column:
                show_image(
                    to_float_images(row.image),
                    f"{row.true} → {row.predicted} · {row.confidence:.0%}",
                    width=112,
                )


def explain_no_convolutions(missing: str) -> None:
    """Say that the selected model (a plain dense network) has no `missing`, point to its weights, stop the page."""
    from streamlit.errors import StreamlitAPIException

    files = selected_model_files()
    st.info(
        f"**{files.title} has no convolution or pooling layers, so it has no {missing} to show.** It flattens the "
        "28×28 image into one row of 784 numbers, and every neuron of its first layer weighs all 784 pixels at "
        "once: it has no filters that slide over the image, so it cannot reuse what it learned about a stroke in "
        "one place in another. The **Filters** page shows what its neurons look for, as 28×28 weight images. "
        "Pick a CNN in the sidebar to see this page.",
        icon=":material/info:",
    )
    try:
        st.page_link("pages/3_Filters.py", label="Filters: its first-layer weights", icon=":material/filter_alt:")
    except StreamlitAPIException:  # the page runs on its own (AppTest): no other pages to link to
        st.markdown("Open **Filters** in the sidebar.")
    st.stop()


# --- Compare models ---------------------------------------------------------------------------------------------

# Measures of the comparison chart: column -> (label, axis format, True when higher is better).
COMPARISON_MEASURES = {
    "drawn_accuracy": ("Drawn-digit accuracy", ".1%", True),
    "mnist_accuracy": ("MNIST test accuracy", ".2%", True),
    "parameters": ("Parameters", ",d", False),
    "size_mb": ("Size on disk (MB)", ".1f", False),
    "training_s": ("Training time (s)", ",.0f", False),
    "predict_ms": ("Time per prediction (ms, p50)", ".2f", False),
}


@st.cache_data(show_spinner=False)
def get_comparison(stamp: tuple) -> pd.DataFrame:
    """The comparison table of `zoo.comparison_rows`; `stamp` (see `model_files_stamp`) keys the cache."""
    from digitlab import zoo

    return pd.DataFrame(zoo.comparison_rows())


def model_files_stamp() -> tuple:
    """A cache key that changes when any file under model/ (the zoo included) is written."""
    from digitlab import config

    paths = sorted(path for folder in (config.MODEL_DIR, config.MODEL_DIR / config.ZOO_DIR_NAME)
                   if folder.is_dir() for path in folder.iterdir() if path.is_file())  # fmt: skip
    return tuple(zip(map(str, paths), file_stamp(*paths), strict=True))


def comparison_chart(frame: pd.DataFrame, measure: str, selected: str) -> alt.Chart:
    """Horizontal bars of one measure of the comparison table, one per model; the selected model highlighted."""
    label, number_format, higher_is_better = COMPARISON_MEASURES[measure]
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
            x=alt.X(f"{measure}:Q", title=label, scale=scale, axis=alt.Axis(format=number_format, labelFontSize=14)),
            y=alt.Y("title:N", sort=order, title=None, axis=alt.Axis(labelFontSize=15, labelLimit=320)),
            color=alt.condition(alt.datum.name == selected, alt.value(ACCENT), alt.value(MUTED)),
            tooltip=["title:N", alt.Tooltip(f"{measure}:Q", title=label, format=number_format)],
        )
        .properties(height=44 * max(len(shown), 1))
    )


def prediction_summary(probabilities: np.ndarray) -> None:
    """A compact prediction for a grid of models: the digit and its confidence, or "not sure"."""
    digit = int(np.argmax(probabilities))
    confidence = float(probabilities[digit])
    if confidence >= CONFIDENT_THRESHOLD:
        st.markdown(
            f"<span class='compare-digit'>{digit}</span> <span class='confidence'>{confidence:.1%}</span>",
            unsafe_allow_html=True,
        )
    else:
        st.markdown(
            f"<span class='compare-unsure'>not sure</span> <span class='guess'>best guess {digit}, "
            f"{confidence:.0%}</span>",
            unsafe_allow_html=True,
        )


def get_models_by_name(names: list[str]) -> dict:
    """{name: cached Keras model} for models of `zoo.available_models()`, each loaded on first use."""
    from digitlab import zoo

    return {name: get_model() if name == BUNDLED else get_model(str(zoo.model_files(name).model)) for name in names}
