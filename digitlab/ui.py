"""Streamlit helpers shared by every page: cached loaders, the model selector, the canvas wrapper and common
widgets. With `digitlab.navigation` (the menu and the session's language), the only module of the package that
imports Streamlit; the charts it shows are built in `digitlab.charts`.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image
from streamlit.errors import StreamlitAPIException, StreamlitSecretNotFoundError
from streamlit.runtime.scriptrunner import script_runner

from digitlab import catalog, charts, config, navigation, visualize
from digitlab.canvas_frontend import CANVAS_HTML, COMPONENT_NAME, fast_canvas_assets
from digitlab.classroom import joining, store
from digitlab.config import (
    CANVAS_SIZE,
    DEFAULT_STROKE_WIDTH,
    DRAW_CANVAS,
    MODEL_DIR,
    PICTURE_WIDTHS,
    QR_WIDTH,
    SAMPLES_PATH,
    STATE_IMAGE,
    STATE_IMAGE_SOURCE,
    STATE_MODEL,
    STATE_SAMPLE,
    STATE_TEACHER,
    STROKE_WIDTH_RANGE,
    ZOO_DIR_NAME,
    CanvasKeys,
)
from digitlab.data import load_samples, to_float_images
from digitlab.drawing import canvas_strokes
from digitlab.evaluate import ArtifactsNotFoundError, load_artifacts
from digitlab.i18n import N_, Deferred, _, a_digit, number, percent
from digitlab.model import ModelLoadError, load_metadata, load_model
from digitlab.provenance import file_sha256

# --- The server's work per rerun -------------------------------------------------------------------------------


def keep_keras_state_between_reruns() -> bool:
    """Stop Streamlit from resetting Keras (with a full garbage collection) after every rerun; True when done.

    Streamlit does it for scripts that build a new model on every rerun. DigitLab builds none while it runs
    (models and their activation extractors are cached), and the reset is most of the server's work per stroke.
    """
    if not hasattr(script_runner, "_clean_problem_modules"):
        return False
    script_runner._clean_problem_modules = _close_pyplot_figures
    return True


def _close_pyplot_figures() -> None:
    """What Streamlit's cleanup does besides resetting Keras: close matplotlib's figures, if it is in use."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# --- Cached loaders ---------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=Deferred(N_("Loading the model…")))
def get_model(path: str, stamp: tuple = ()):
    """A model loaded once per server process and file; `stamp` (see `file_stamp`) reloads a rewritten file."""
    return load_model(path)


@st.cache_data(show_spinner=False)
def get_checksum(path: str, stamp: tuple) -> str:
    """A file's SHA-256; `stamp` (see `file_stamp`) keys the cache."""
    return file_sha256(path)


@st.cache_data(show_spinner=False)
def get_metadata(path: str) -> dict | None:
    """A model's training metadata, or None."""
    return load_metadata(path)


@st.cache_data(show_spinner=False)
def get_samples() -> tuple[np.ndarray, np.ndarray] | None:
    """The MNIST sample digits shipped in model/: (images uint8 (M, 28, 28), labels uint8 (M,)), or None."""
    return load_samples(SAMPLES_PATH) if SAMPLES_PATH.is_file() else None


def file_stamp(*paths) -> tuple:
    """(mtime_ns, size) of each path, None for a missing one: part of a cache key so rewritten files reload."""
    stats = [Path(path).stat() if Path(path).is_file() else None for path in paths]
    return tuple((stat.st_mtime_ns, stat.st_size) if stat else None for stat in stats)


@st.cache_data(show_spinner=Deferred(N_("Loading the evaluation…")))
def get_evaluation(npz_path: str, summary_path: str, stamp: tuple):
    """The evaluation artifacts (an `evaluate.Evaluation`); `stamp` from `file_stamp` keys the cache."""
    return load_artifacts(npz_path, summary_path)


@st.cache_data(show_spinner=False)
def get_comparison(stamp: tuple) -> pd.DataFrame:
    """The comparison table of `catalog.comparison_rows`; `stamp` (see `model_files_stamp`) keys the cache."""
    return pd.DataFrame(catalog.comparison_rows())


def model_files_stamp() -> tuple:
    """A cache key that changes when any file under model/ (the zoo included) is written."""
    folders = [folder for folder in (MODEL_DIR, MODEL_DIR / ZOO_DIR_NAME) if folder.is_dir()]
    paths = sorted(path for folder in folders for path in folder.iterdir() if path.is_file())
    return tuple(zip(map(str, paths), file_stamp(*paths), strict=True))


def get_models_by_name(names: list[str]) -> dict:
    """{name: cached Keras model} for models of `catalog.available_models()`, each loaded on first use."""
    return {name: load_model_file(catalog.model_files(name).model) for name in names}


def load_model_file(path: Path):
    """The cached model at `path`, reloaded when the file is rewritten (a class's model is fine-tuned again)."""
    return get_model(str(path), file_stamp(path))


# --- The model selector: one choice in session state, shared by every page -------------------------------------

_MODEL_WIDGET = "_model_choice"


def selected_model_files() -> catalog.ModelFiles:
    """The files of the model chosen in the sidebar; the bundled model until another is chosen."""
    name = st.session_state.get(STATE_MODEL, catalog.BUNDLED)
    return catalog.model_files(name if name in catalog.available_models() else catalog.BUNDLED)


def model_selector() -> catalog.ModelFiles:
    """Draw the sidebar's model picker (models whose files exist) and return the chosen model's files."""
    files = selected_model_files()
    # Widgets forget their value on another page, so this one is re-seeded from the session-state key each run.
    st.session_state[_MODEL_WIDGET] = files.name
    st.sidebar.selectbox(
        _("Model"),
        catalog.available_models(),
        format_func=catalog.title,
        key=_MODEL_WIDGET,
        on_change=_store_model,
        help=_("Every page uses this model. Compare them all on the Compare models page."),
    )
    return files


def _store_model() -> None:
    st.session_state[STATE_MODEL] = st.session_state[_MODEL_WIDGET]


def require_model():
    """The model chosen in the sidebar (drawn here), cached, or an explanation of how to get it and a stop."""
    files = model_selector()
    try:
        return load_model_file(files.model)
    except ModelLoadError as error:
        st.error(_("**The model could not be loaded.** {error}").format(error=error), icon=":material/block:")
        st.stop()


def selected_metadata() -> dict | None:
    """The training metadata of the model chosen in the sidebar, or None."""
    return get_metadata(str(selected_model_files().metadata))


def require_evaluation(npz_path, summary_path):
    """The cached evaluation artifacts, or an explanation of how to make them and a stop of the page."""
    try:
        return get_evaluation(str(npz_path), str(summary_path), file_stamp(npz_path, summary_path))
    except ArtifactsNotFoundError as error:
        st.info(_("**No evaluation to show yet.** {error}").format(error=error), icon=":material/grid_on:")
        st.stop()


# --- The drawing canvas -----------------------------------------------------------------------------------------


def drawing_canvas(
    picture: bool = False,
    shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE),
    keys: CanvasKeys = DRAW_CANVAS,
    stroke_width: int = DEFAULT_STROKE_WIDTH,
    fixed_pen: bool = False,
) -> tuple[np.ndarray | None, dict | None]:
    """Draw a canvas of `shape` (height, width) with its controls; returns the latest drawing as the canvas sent it:
    its uint8 (H, W, 4) picture and its fabric.js JSON, or (None, None) before anything is drawn.

    The picture is decoded only where the strokes in the JSON cannot be read (the draw page's fallback), or
    with `picture`; else it is None. The drawing is kept in session state under `keys`, so other pages (and tests)
    see it; `stroke_width` is the pen the slider starts at, or with `fixed_pen` the pen itself, without a slider
    (the phone page).
    """
    # Imported here: the package registers its component when imported, which needs a running Streamlit.
    import streamlit_drawable_canvas

    use_fast_canvas()
    st.session_state.setdefault(keys.clear, 0)
    if not fixed_pen:
        stroke_width = st.slider(_("Stroke width"), *STROKE_WIDTH_RANGE, stroke_width, key="stroke_width")
    canvas_key = f"{keys.clear}_{st.session_state[keys.clear]}"
    restored_key = f"{keys.clear}_restored"
    if canvas_key not in st.session_state:
        # The canvas is mounted afresh, empty: a page opened again (Streamlit forgets a widget the last run did not
        # show) gets back the drawing it left, which the page still reads. It stays the canvas's starting drawing
        # while it is mounted: a change would redraw the canvas and forget its undo history.
        st.session_state[restored_key] = st.session_state.get(keys.json)
    result = streamlit_drawable_canvas.st_canvas(
        stroke_width=stroke_width,
        stroke_color="#000000",
        background_color="#ffffff",
        width=shape[1],
        height=shape[0],
        drawing_mode="freedraw",
        initial_drawing=st.session_state.get(restored_key),
        return_image_data=True,
        key=canvas_key,
    )
    with st.container(key="clear"):
        st.button(_("Clear the canvas"), icon=":material/delete:", on_click=clear_drawing, args=(keys,))
    png = result.image_bytes  # None until the canvas has sent a drawing
    if png is not None:
        readable = canvas_strokes(result.json_data) is not None
        st.session_state[keys.json] = result.json_data
        st.session_state[keys.rgba] = None if readable and not picture else decode_png(png)
    return st.session_state.get(keys.rgba), st.session_state.get(keys.json)


def drawing_canvas_state(keys: CanvasKeys = DRAW_CANVAS) -> tuple[np.ndarray | None, dict | None]:
    """The latest drawing `drawing_canvas` kept, (picture or None, JSON or None), without drawing the canvas."""
    return st.session_state.get(keys.rgba), st.session_state.get(keys.json)


def decode_png(png: bytes) -> np.ndarray:
    """PNG bytes -> uint8 (H, W, C) array."""
    return np.asarray(Image.open(io.BytesIO(png)))


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
    assets = fast_canvas_assets()
    if assets is None:
        return None
    js, css = assets
    return st.components.v2.component(COMPONENT_NAME, html=CANVAS_HTML, js=js, css=css, isolate_styles=True)


def clear_drawing(keys: CanvasKeys = DRAW_CANVAS) -> None:
    """Forget the drawing of the canvas with `keys` and remount it empty."""
    st.session_state[keys.clear] = st.session_state.get(keys.clear, 0) + 1
    st.session_state[keys.rgba] = None
    st.session_state[keys.json] = None
    st.session_state[STATE_IMAGE] = None


# --- Shared widgets ---------------------------------------------------------------------------------------------


def start_page(name: str, heading: str, icon: str) -> None:
    """Every page's start: the session's language, the browser tab's title and icon, and the page's heading (the
    pages' style comes from the router, `navigation.run`). `name` and `heading` are English, marked with `N_`; they
    are shown translated."""
    navigation.use_language()  # the router set it already; a page run on its own (AppTest) sets it here
    keep_keras_state_between_reruns()
    st.set_page_config(page_title=f"DigitLab · {_(name)}", page_icon=navigation.app_icon(), layout="wide")
    st.title(f"{icon} {_(heading)}")


def show_taps_hint() -> None:
    """Instead of an answer, for taps alone: the network would read a digit into a few dots (a colon as a 1)."""
    st.warning(_("Dots alone are not a digit: draw the digit with lines."), icon=":material/more_vert:")


def show_prediction(probabilities: np.ndarray) -> None:
    """The predicted digit in large type with its confidence, or an honest "not sure"."""
    with st.container(key="prediction"):
        st.markdown(charts.prediction_html(probabilities), unsafe_allow_html=True)


def show_student_result(prompt: int, probabilities: np.ndarray) -> None:
    """What the model read in a student's drawing of `prompt`, and how sure it was."""
    digit, confidence = int(np.argmax(probabilities)), percent(float(np.max(probabilities)), 0)
    drawn, read = a_digit(prompt), _a_bold_digit(digit)
    with st.container(key="student_result"):
        if not charts.is_confident(probabilities):
            st.info(
                _("You drew {a_prompt}: the model is **not sure** (best guess {digit}, only {confidence}).").format(
                    a_prompt=drawn, digit=digit, confidence=confidence
                ),
                icon=":material/help:",
            )
        elif digit == prompt:
            message = _("You drew {a_prompt}: the model read {a_digit}, {confidence} sure.")
            st.success(message.format(a_prompt=drawn, a_digit=read, confidence=confidence), icon=":material/check:")
        else:
            st.warning(
                _("You drew {a_prompt}, but the model read {a_digit}, {confidence} sure. You fooled it!").format(
                    a_prompt=drawn, a_digit=read, confidence=confidence
                ),
                icon=":material/psychology_alt:",
            )


def _a_bold_digit(digit: int) -> str:
    """A digit with its article, the digit in bold Markdown: "a **7**", "an **8**" ("um **7**")."""
    return a_digit(digit).replace(str(digit), f"**{digit}**")


def show_number(reading) -> None:
    """A number read from the canvas (a `numbers.NumberReading`) in large type, "?" for a piece that is not a
    confident digit, with its minus sign."""
    with st.container(key="number"):
        st.markdown(charts.number_html(reading.digits, negative=reading.minus is not None), unsafe_allow_html=True)


def show_number_drawing(
    reading, image_data: np.ndarray | None, json_data: dict | None, shape: tuple[int, int], selected: int | None
) -> None:
    """The drawing of a number with a box round each piece, its answer and its confidence: drawn from the canvas's
    strokes, else its picture; the `selected` piece's box heavier."""
    strokes = canvas_strokes(json_data) or ()
    svg = charts.number_svg(
        shape, reading.boxes, reading.digits, reading.confidences, strokes, image_data, selected, reading.minus
    )
    st.markdown(svg, unsafe_allow_html=True)


def piece_picker(labels: list[str], key: str) -> int:
    """Pick one of the pieces of a number, shown by `labels` (each different: the control tells its options apart by
    their labels); returns its index, remembered in session state under `key` while the number has that many."""
    chosen = st.session_state.get(key)
    # Widgets lose their state on another page, so this one is re-seeded from the session-state key each run.
    st.session_state["_piece"] = chosen if isinstance(chosen, int) and 0 <= chosen < len(labels) else 0
    st.segmented_control(
        _("Pick a digit"), list(range(len(labels))), format_func=labels.__getitem__, required=True,
        key="_piece", on_change=_store_piece, args=(key,),
    )  # fmt: skip
    return st.session_state["_piece"]


def _store_piece(key: str) -> None:
    st.session_state[key] = st.session_state["_piece"]


def show_prediction_summary(probabilities: np.ndarray, lead: str = "") -> None:
    """A compact prediction for a grid of models, after `lead` (Markdown) when given."""
    st.markdown(f"{lead} {charts.prediction_html(probabilities, compact=True)}".strip(), unsafe_allow_html=True)


def show_reading(title: str, image: np.ndarray | None, probabilities: np.ndarray, caption: str, key: str) -> None:
    """One way of reading the drawing, in a bordered card: its title, the model input float32 (28, 28) (None:
    nothing was read), the answer with its confidence, and what this way does."""
    with st.container(border=True, key=key):
        st.markdown(f"**{title}**")
        if image is None or np.isnan(probabilities).any():
            st.markdown(_("Nothing left to read: the canvas counts as empty."))
        else:
            show_image(image, None, width=140)
            show_prediction_summary(probabilities)
        st.caption(caption)


def local_numbers(
    frame: pd.DataFrame, percents: Mapping[str, int] | None = None, numbers: Mapping[str, int] | None = None
):
    """`frame` for `st.dataframe`, its numbers written the session's way ("99,53%" in Portuguese): `percents` maps
    columns of shares to their decimals, `numbers` columns of plain numbers to theirs. A table's own number formats
    follow the browser's locale or none; these are display texts over the values, so a column still sorts by number.
    Missing values stay empty."""
    formats = {column: partial(percent, decimals=decimals) for column, decimals in (percents or {}).items()}
    formats |= {column: partial(number, decimals=decimals) for column, decimals in (numbers or {}).items()}
    return frame.style.format(formats, na_rep="")


def picture_width(width: int) -> int:
    """`width`, checked to be one of `PICTURE_WIDTHS`: the sizes the projector's CSS grows with the type (a picture
    of another size would stay small there)."""
    if width not in PICTURE_WIDTHS:
        raise ValueError(f"a picture's width must be one of {PICTURE_WIDTHS} (a projector grows those), not {width}")
    return width


def show_image(image: np.ndarray, caption: str | None, width: int = 140) -> None:
    """A float image in [0, 1] in a square `width` pixels wide (`visualize.framed`: a small one enlarged with hard
    pixel edges so the pixels stay visible); `width` is one of `PICTURE_WIDTHS`."""
    st.image(visualize.framed(image, picture_width(width)), caption=caption, width=width)


def show_pooling_example(example) -> None:
    """The worked example of an `activations.PoolingExample`, as a table of its numbers."""
    st.markdown(charts.pooling_html(example), unsafe_allow_html=True)


def channel_slider(label: str, channels: int, default: int, key: str) -> int:
    """Pick a channel (or filter) number 0..channels-1; starts at `default`, the strongest one."""
    if st.session_state.get(key, 0) >= channels:
        del st.session_state[key]
    return st.slider(label, 0, channels - 1, value=min(default, channels - 1), key=key)


# What a page shows that a plain dense network has none of (the `missing` of `explain_no_convolutions`), and the
# sentence that says so, whole so that it translates as one.
_NO_CONVOLUTIONS_HEADLINES = {
    "feature maps": N_("**{model} has no convolution or pooling layers, so it has no feature maps to show.**"),
    "pooling layers": N_("**{model} has no convolution or pooling layers, so it has no pooling layers to show.**"),
}
_NO_CONVOLUTIONS_HEADLINE = N_("**{model} has no convolution or pooling layers, so this page has nothing to show.**")


def explain_no_convolutions(missing: str) -> None:
    """Say that the selected model (a plain dense network) has no `missing` ("feature maps", "pooling layers"),
    point to its weights, stop the page."""
    files = selected_model_files()
    headline = _(_NO_CONVOLUTIONS_HEADLINES.get(missing, _NO_CONVOLUTIONS_HEADLINE)).format(model=files.title)
    explanation = _(
        "It flattens the 28×28 image into one row of 784 numbers, and every neuron of its first layer weighs all 784 "
        "pixels at once: it has no filters that slide over the image, so it cannot reuse what it learned about a "
        "stroke in one place in another. The **Filters** page shows what its neurons look for, as 28×28 weight "
        "images. Pick a CNN in the sidebar to see this page."
    )
    st.info(f"{headline} {explanation}", icon=":material/info:")
    page_link("5_Filters.py", _("Filters: its first-layer weights"), ":material/filter_alt:")
    st.stop()


def page_link(file: str, label: str, icon: str) -> None:
    """A link to the page `file` of the app (`navigation.PAGES`); where this page runs on its own (AppTest), a
    pointer to the sidebar."""
    try:
        st.page_link(navigation.page_path(file), label=label, icon=icon)
    except StreamlitAPIException:  # no navigation, so no other pages to link to
        st.markdown(_("Open **{page}** in the sidebar.").format(page=navigation.page_title(file)))


# --- Inside the network: the input image ------------------------------------------------------------------------


def require_layers(missing: str, layers_of):
    """The selected model and the image to look inside it with, (keras.Model, float32 (28, 28)); stops the page,
    explaining why, when the model has none of the layers it shows (`layers_of(model)` is empty)."""
    model = require_model()
    if not layers_of(model):
        explain_no_convolutions(missing)
    return model, network_input()


def network_input() -> np.ndarray:
    """The image to look inside the network with, shown with where it comes from: float32 (28, 28) in [0, 1].

    The drawing from the drawing page when there is one, else an MNIST sample digit the user picks
    (remembered across pages). Stops the page when there is neither.
    """
    image = st.session_state.get(STATE_IMAGE)
    samples = get_samples()
    picture_column, text_column = st.columns([1, 3], vertical_alignment="center")
    if image is not None:
        with picture_column:
            show_image(image, _("The model's input (28×28)"), width=168)
        source = st.session_state.get(STATE_IMAGE_SOURCE)
        drawing = _("Showing **your drawing** from the Draw page. Draw something else there and this page follows.")
        text_column.success(str(source) if source else drawing, icon=":material/draw:")
        return image
    if samples is None:
        st.info(_("Draw a digit on the Draw page first, then come back here."), icon=":material/draw:")
        st.stop()
    images, labels = samples
    with text_column:
        st.info(
            _(
                "Nothing drawn yet, so here is a handwritten digit from the MNIST test set. "
                "Draw your own on the Draw page and this page will show it instead."
            ),
            icon=":material/lightbulb:",
        )
        index = _sample_picker(labels)
    image = to_float_images(images[index])
    with picture_column:
        caption = _("MNIST test digit: {a_digit} (28×28)").format(a_digit=a_digit(int(labels[index])))
        show_image(image, caption, width=168)
    return image


def _sample_picker(labels: np.ndarray) -> int:
    """A digit and an example number; returns the chosen sample's index, kept in session state across pages."""
    index = st.session_state.get(STATE_SAMPLE)
    if index is None or not 0 <= index < len(labels):
        index = int(np.flatnonzero(labels == 7)[0]) if (labels == 7).any() else 0
    digit = int(labels[index])
    # Widgets lose their state on another page, so they are re-seeded from the session-state key each run.
    st.session_state["_sample_digit"] = digit
    st.session_state["_sample_example"] = int(np.flatnonzero(labels[:index] == digit).size) + 1
    st.segmented_control(
        _("Example digit"), list(range(10)), required=True, key="_sample_digit", on_change=_store_sample, args=(labels,)
    )
    most = int(np.bincount(labels).max())
    st.slider(_("Which one"), 1, most, key="_sample_example", on_change=_store_sample, args=(labels,))
    return index


def _store_sample(labels: np.ndarray) -> None:
    """Remember the sample picked with the widgets of `_sample_picker`."""
    examples = np.flatnonzero(labels == st.session_state["_sample_digit"])
    if examples.size:
        st.session_state[STATE_SAMPLE] = int(examples[min(st.session_state["_sample_example"], examples.size) - 1])


# --- The confusion matrix ---------------------------------------------------------------------------------------


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
    true = true_column.selectbox(_("True digit"), digits, key="cell_true", on_change=_forget_chart_click)
    predicted = predicted_column.selectbox(
        _("Predicted digit"), digits, key="cell_predicted", on_change=_forget_chart_click
    )
    return int(true), int(predicted)


def _forget_chart_click() -> None:
    """Remount the heatmap without a selection, so clicking the same cell again counts as a new click."""
    st.session_state["confusion_chart_version"] = st.session_state.get("confusion_chart_version", 0) + 1
    st.session_state["cell_clicked"] = None


def clicked_cell(event) -> tuple[int, int] | None:
    """The (true, predicted) cell clicked in `charts.confusion_chart`, from st.altair_chart's selection state."""
    points = (event or {}).get("selection", {}).get("cell") or []
    if not points:
        return None
    return int(points[0]["true"]), int(points[0]["predicted"])


def show_examples(examples: pd.DataFrame, limit: int = 24) -> None:
    """A grid of test images from `evaluate.cell_examples`, each captioned with its labels and confidence, as many
    to a row as the width holds (three in the confusion matrix page's narrow column on a laptop)."""
    with st.container(horizontal=True, gap="xxsmall", key="examples"):
        for row in examples.head(limit).itertuples():
            show_image(
                to_float_images(row.image),
                f"{row.true} → {row.predicted} · {percent(row.confidence, 0)}",
                width=84,
            )


# --- Classroom mode ---------------------------------------------------------------------------------------------

# The SQL connection's name: `[connections.classroom]` in .streamlit/secrets.toml names a shared database.
CLASSROOM_CONNECTION = "classroom"
# The class's setting that names the model students draw with.
CLASS_MODEL_SETTING = "model"


def secret(section: str, name: str):
    """`st.secrets[section][name]`, or None where there is no secrets file or no such entry."""
    try:
        return st.secrets.get(section, {}).get(name)
    except (StreamlitSecretNotFoundError, AttributeError):
        return None


def classroom_engine():
    """The SQLAlchemy engine of the class's database, migrated; or what went wrong and a stop of the page.

    `st.connection` with the URL of `[connections.classroom]` in the secrets, else the SQLite file in the class's
    folder (created on first use).
    """
    # The secrets' section is passed on as it stands (st.connection would read the same), so that a test's
    # secrets reach it too; create_engine_kwargs go to SQLAlchemy as keyword arguments.
    section = dict(secret("connections", CLASSROOM_CONNECTION) or {})
    options = {**section, **dict(section.pop("create_engine_kwargs", {}))} if section else {}
    if not section:
        options["url"] = store.sqlite_url(config.CLASSROOM_DIR / config.CLASSROOM_DB_NAME)
    try:
        connection = st.connection(CLASSROOM_CONNECTION, type="sql", **options)
        _prepare_database(connection.engine, connection.engine.url.render_as_string())
    except store.StorageError as error:
        st.error(
            _("**The class's database is not available.** {error}").format(error=error), icon=":material/database:"
        )
        st.stop()
    return connection.engine


@st.cache_resource(show_spinner=Deferred(N_("Setting up the class's database…")))
def _prepare_database(_engine, url: str) -> int:
    """Migrate the database once per server process and URL (a failure is not cached: the next run retries)."""
    return store.prepare(_engine)


def storage_error(error: Exception) -> None:
    """Show a database failure as what happened and what to do."""
    st.error(str(error), icon=":material/database:")


# --- The teacher's key


@st.cache_resource(show_spinner=False)
def _generated_teacher_key() -> str:
    """A key made once per server process and printed in the terminal that runs the app (never on a page)."""
    key = joining.new_teacher_key()
    print(
        f"\n  DigitLab classroom: the teacher's key is  {key}\n"
        "  Type it on the Classroom page to unlock the teacher's buttons. (Set your own as teacher_key under\n"
        "  [classroom] in .streamlit/secrets.toml.)\n",
        flush=True,
    )
    return key


def teacher_key() -> str:
    """The teacher's key: `teacher_key` under `[classroom]` in the secrets, else one made at start."""
    return str(secret("classroom", "teacher_key") or _generated_teacher_key())


def is_teacher() -> bool:
    """True in a session where the teacher's key was typed."""
    return bool(st.session_state.get(STATE_TEACHER))


def teacher_login() -> bool:
    """The sidebar's teacher's key field (or a lock button once unlocked); True in the teacher's session."""
    with st.sidebar:
        if is_teacher():
            st.success(_("Teacher's buttons unlocked."), icon=":material/lock_open:")
            st.button(_("Lock them"), icon=":material/lock:", on_click=_lock_teacher)
            return True
        st.text_input(
            _("Teacher's key"),
            type="password",
            key="_teacher_key",
            on_change=_check_teacher_key,
            help=_(
                "Printed in the terminal that runs the app (or set in .streamlit/secrets.toml). It unlocks "
                "hiding drawings, clearing the class, fine-tuning and the export."
            ),
        )
        if st.session_state.get("_teacher_key_wrong"):
            st.error(_("That is not the teacher's key."), icon=":material/lock:")
    return False


def _check_teacher_key() -> None:
    typed = st.session_state.get("_teacher_key", "")
    st.session_state[STATE_TEACHER] = joining.is_teacher_key(typed, teacher_key())
    st.session_state["_teacher_key_wrong"] = bool(typed) and not st.session_state[STATE_TEACHER]
    st.session_state["_teacher_key"] = ""


def _lock_teacher() -> None:
    st.session_state[STATE_TEACHER] = False


# --- The join address


def join_address() -> tuple[str, bool]:
    """(The student page's address, True when only this machine can open it).

    From `join_url` under `[classroom]` in the secrets, else the server's `browser.serverAddress`, else the address
    this browser used to open the app.
    """
    configured = secret("classroom", "join_url")
    if configured:
        return str(configured), False
    port = st.get_option("browser.serverPort") or st.get_option("server.port")
    for host in (st.get_option("browser.serverAddress"), (st.context.headers or {}).get("Host")):
        if host and not joining.is_local(host):
            return joining.join_url(joining.base_url(host, port)), False
    return joining.join_url(joining.base_url("localhost", port)), True


@st.cache_data(show_spinner=False)
def get_qr_png(url: str) -> bytes:
    return joining.qr_png(url)


def show_join_code(url: str) -> None:
    """The QR code of the class's join address, at a size a projector grows with the type."""
    st.image(get_qr_png(url), width=picture_width(QR_WIDTH))


# --- The class's model


def class_model(engine) -> tuple[catalog.ModelFiles, object, str]:
    """The model the class draws with (files, cached Keras model, SHA-256); the bundled one unless the teacher
    switched to the fine-tuned one. Stops the page with an explanation when it cannot be loaded."""
    name = store.setting(engine, CLASS_MODEL_SETTING, catalog.BUNDLED)
    files = catalog.model_files(name if name in catalog.available_models() else catalog.BUNDLED)
    try:
        model = load_model_file(files.model)
    except ModelLoadError as error:
        st.error(_("**The model could not be loaded.** {error}").format(error=error), icon=":material/block:")
        st.stop()
    return files, model, get_checksum(str(files.model), file_stamp(files.model))


@st.cache_resource(show_spinner=False)
def get_fine_tune_job():
    """The server's one `training.classroom.FineTuneJob` (one at a time, shared by the teacher's sessions)."""
    # Imported here: the training code is needed only once a teacher fine-tunes, not to start the app.
    from digitlab.training.classroom import FineTuneJob

    return FineTuneJob()


def show_class_drawing(image: np.ndarray, caption: str, width: int = 168) -> None:
    """A class drawing as it was drawn (dark on white), enlarged with hard pixel edges; `width` is one of
    `PICTURE_WIDTHS`."""
    st.image(visualize.digit_data_url(image, picture_width(width)), caption=caption, width=width)
