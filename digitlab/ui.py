"""Streamlit helpers shared by every page: cached loaders, the canvas wrapper and common widgets.

This is the only module of the package that imports Streamlit.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from digitlab.config import (
    CANVAS_SIZE,
    CONFIDENT_THRESHOLD,
    DEFAULT_STROKE_WIDTH,
    STATE_CANVAS_KEY,
    STATE_CANVAS_RGBA,
    STATE_IMAGE,
    STROKE_WIDTH_RANGE,
)
from digitlab.visualize import enlarge

ACCENT = "#e4572e"
MUTED = "#9aa5b1"


@st.cache_resource(show_spinner="Loading the model…")
def get_model():
    """The bundled model, loaded once per server process."""
    from digitlab.model import load_model

    return load_model()


@st.cache_data(show_spinner=False)
def get_metadata() -> dict | None:
    """The bundled model's training metadata, or None."""
    from digitlab.model import load_metadata

    return load_metadata()


def require_model():
    """The cached model, or an explanation of how to get one and a stop of the page."""
    from digitlab.model import ModelLoadError

    try:
        return get_model()
    except ModelLoadError as error:
        st.error(f"**The model could not be loaded.** {error}", icon="🚫")
        st.stop()


def drawing_canvas() -> np.ndarray | None:
    """Draw the canvas with its controls; returns the latest uint8 (H, W, 4) drawing, or None.

    The drawing is kept in session state, so other pages (and tests) see the same one.
    """
    from streamlit_drawable_canvas import st_canvas

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
    return st.session_state.get(STATE_CANVAS_RGBA)


def clear_drawing() -> None:
    """Forget the drawing and remount an empty canvas."""
    st.session_state[STATE_CANVAS_KEY] = st.session_state.get(STATE_CANVAS_KEY, 0) + 1
    st.session_state[STATE_CANVAS_RGBA] = None
    st.session_state[STATE_IMAGE] = None


def show_prediction(probabilities: np.ndarray) -> None:
    """The predicted digit in large type with its confidence, or an honest "not sure"."""
    digit = int(np.argmax(probabilities))
    confidence = float(probabilities[digit])
    with st.container(key="prediction"):
        if confidence >= CONFIDENT_THRESHOLD:
            st.markdown(
                f"<div class='big-digit'>{digit}</div>"
                f"<div class='confidence'>{confidence:.1%} confident</div>",
                unsafe_allow_html=True,
            )
        else:
            st.markdown(
                "<div class='unsure'>Not sure</div>"
                f"<div class='confidence'>best guess {digit} · only {confidence:.0%} confident</div>",
                unsafe_allow_html=True,
            )


def probability_chart(probabilities: np.ndarray) -> alt.Chart:
    """Bar chart of the ten class probabilities, the predicted class highlighted."""
    frame = pd.DataFrame({"digit": [str(d) for d in range(len(probabilities))], "probability": probabilities})
    best = str(int(np.argmax(probabilities)))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("digit:N", sort=None, title="Digit", axis=alt.Axis(labelAngle=0, labelFontSize=16)),
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


def inject_css() -> None:
    """Large, projector-readable type for the prediction."""
    st.markdown(
        """
        <style>
        .big-digit {font-size: 7rem; font-weight: 800; line-height: 1; color: #e4572e;}
        .unsure {font-size: 3rem; font-weight: 700; line-height: 1.2;}
        .confidence {font-size: 1.4rem; opacity: 0.8;}
        </style>
        """,
        unsafe_allow_html=True,
    )
