"""Draw a digit: the canvas, the network's live answer, and the drawing prepared step by step up to what the model
sees."""

import keras
import numpy as np
import streamlit as st

from digitlab import charts, ui
from digitlab.config import DIGIT_BOX, STATE_IMAGE, STATE_IMAGE_SOURCE
from digitlab.i18n import N_, _, ngettext, number
from digitlab.model import predict_proba
from digitlab.preprocess import Preprocessed
from digitlab.reading import read_drawing


def draw_page() -> None:
    """Draw a digit: the canvas, the live prediction, and what the model sees."""
    ui.start_page(N_("Draw a digit"), N_("Draw a digit"), ":material/draw:")
    st.caption(_("Draw one digit, 0–9, with your mouse, finger or pen. The network answers after every stroke."))
    live_drawing(ui.require_model())


@st.fragment
def live_drawing(model) -> None:
    """Everything that follows the pen. A stroke reruns only this, not the page around it."""
    # Side by side; on a phone the page's CSS puts the answer above the canvas and the probabilities below it.
    draw_column, result_column = st.container(key="draw_layout").columns([1, 1], gap="large")
    with draw_column:
        image_data, json_data = ui.drawing_canvas()
        st.caption(_("The toolbar above the canvas has undo, redo and delete."))

    steps = read_drawing(image_data, json_data)
    st.session_state[STATE_IMAGE] = None if steps is None or steps.is_too_small else steps.image
    st.session_state[STATE_IMAGE_SOURCE] = None
    with result_column:
        # One block, whatever it holds: on a phone it is above the canvas and kept as tall as its tallest state
        # ("not sure", its link still loading), so the canvas does not move under the finger between strokes.
        with st.container(key="answer"):
            probabilities = show_answer(model, steps)
        if probabilities is None:
            return
        # Below the canvas on a phone from its first frame, before Vega has drawn it.
        with st.container(key="probabilities"):
            # Only a picture can be drawn with a pen too thick for its size: from the strokes the page draws again.
            # Advice on the drawing, not the answer: below, where it does not push the canvas down as it comes and goes.
            if steps.reading_pen is None and steps.is_pen_thick:
                st.info(
                    _(
                        "The pen is thick for a drawing this small: loops can close up and strokes merge, which the "
                        "network reads less reliably. Draw bigger, or turn the stroke width down."
                    ),
                    icon=":material/line_weight:",
                )
            st.vega_lite_chart(charts.probability_chart(probabilities), width="stretch")
    show_what_the_model_sees(steps)


def show_answer(model: keras.Model, steps: Preprocessed | None) -> np.ndarray | None:
    """The network's answer to the prepared drawing `steps` (None: an empty canvas), or why there is none.

    Returns its probabilities, float32 (10,), or None where there is no answer.
    """
    if steps is None:
        st.info(_("The canvas is empty: draw a digit to see what the network thinks it is."), icon=":material/draw:")
        return None
    if steps.is_only_taps:
        ui.show_taps_hint()
        return None
    if steps.is_too_small:
        st.warning(
            _("That mark is too small to read. Draw the digit bigger, filling most of the box."),
            icon=":material/zoom_in:",
        )
        return None
    probabilities = predict_proba(model, steps.image[None])[0]
    ui.show_prediction(probabilities)
    ui.page_link("2_Explain.py", _("Why? Explain this answer"), ":material/psychology:")
    return probabilities


def show_what_the_model_sees(steps) -> None:
    """The preparation of the drawing, step by step, up to the 28x28 input."""
    st.subheader(_("What the model sees"))
    st.caption(
        _(
            "Your strokes are redrawn with a pen in proportion to the drawing, so a small digit keeps its loops open. "
            "Then the drawing is prepared the way MNIST was (LeCun et al.): cropped to the ink, fitted into a "
            "{box}×{box} box keeping its shape, then placed in 28×28 so its centre of mass is in the middle. "
            "The stroke is also redrawn at MNIST's typical width, so thin and thick pens look alike to the model."
        ).format(box=DIGIT_BOX)
    )
    top, left, bottom, right = steps.bbox
    size = f"{steps.ink.shape[1]}×{steps.ink.shape[0]}"
    if steps.strokes is None:
        first = _("Your drawing ({size})").format(size=size)
    else:
        first = ngettext(
            "Your {n} stroke, redrawn with a pen {pen} px wide ({size})",
            "Your {n} strokes, redrawn with a pen {pen} px wide ({size})",
            steps.strokes,
        ).format(n=steps.strokes, pen=number(steps.reading_pen), size=size)
    cropped = f"{right - left}×{bottom - top}"
    fitted = f"{steps.fitted.shape[1]}×{steps.fitted.shape[0]}"
    stages = [
        (steps.ink, first),
        (steps.cropped, _("Cropped to the ink ({size})").format(size=cropped)),
        (steps.fitted, _("Fitted into {box}×{box}, stroke redrawn ({size})").format(box=DIGIT_BOX, size=fitted)),
        (steps.image, _("Centred by mass in 28×28: the input")),
    ]
    # In a row spread across the page, two to a row on a phone.
    with st.container(horizontal=True, horizontal_alignment="distribute", key="model_sees"):
        for image, caption in stages:
            ui.show_image(image, caption)


draw_page()
