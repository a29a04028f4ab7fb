"""The student's page in classroom mode, made for a phone: draw the digit asked for, send it, see what the model read.

Students reach it by the Classroom page's QR code (the app's /join address); it is not in the page menu.
"""

import uuid

import numpy as np
import streamlit as st

from digitlab import charts, ui
from digitlab.classroom import prompts, store
from digitlab.config import (
    DEFAULT_STROKE_WIDTH,
    STATE_CANVAS_JSON,
    STATE_PROMPT,
    STATE_RESULT,
    STATE_SEND_KEY,
    STATE_STUDENT,
)
from digitlab.drawing import canvas_strokes
from digitlab.i18n import N_, _, ngettext
from digitlab.model import predict_proba
from digitlab.reading import read_drawing

ui.start_page(N_("Join the class"), N_("Draw for the class"), ":material/draw:")
st.markdown(charts.PHONE_CSS, unsafe_allow_html=True)
engine = ui.classroom_engine()

# A new student: a fresh canvas (not one left from another page), an id, and a seat in the class.
if STATE_STUDENT not in st.session_state:
    ui.clear_drawing()
    try:
        store.join(engine, student := str(uuid.uuid4()))
    except store.StorageError as error:
        ui.storage_error(error)
        st.stop()
    st.session_state[STATE_STUDENT] = student


def change_nickname() -> None:
    """Store the nickname as typed, cleaned and cut to length, telling the student when it was cut."""
    nickname, was_long = store.clean_nickname(st.session_state.get("nickname_field"))
    st.session_state["nickname_field"] = nickname
    st.session_state["nickname_cut"] = was_long
    try:
        store.join(engine, st.session_state[STATE_STUDENT], nickname)
    except store.StorageError as error:
        st.session_state["nickname_error"] = str(error)


st.text_input(
    _("Your nickname (optional)"),
    key="nickname_field",
    on_change=change_nickname,
    placeholder=_("Shown beside your drawings"),
)
if st.session_state.pop("nickname_cut", False):
    limit = store.NICKNAME_LIMIT
    st.info(
        ngettext(
            "Nicknames are at most {n} character: yours was shortened.",
            "Nicknames are at most {n} characters: yours was shortened.",
            limit,
        ).format(n=limit),
        icon=":material/info:",
    )
if error := st.session_state.pop("nickname_error", None):
    st.error(error, icon=":material/database:")


def next_prompt(previous: int | None) -> int:
    """The next digit to ask for, so the student and the class cover every digit evenly."""
    rng = np.random.default_rng()
    try:
        own, everyone = store.prompt_counts(engine, st.session_state[STATE_STUDENT])
    except store.StorageError:  # the prompt can do without the class's counts; sending will say what is wrong
        own, everyone = np.zeros(10, int), np.zeros(10, int)
    return prompts.next_prompt(own, everyone, previous, rng)


def send(files, model, checksum: str) -> None:
    """Read the drawing on the canvas as the draw page does, store it once, keep what the model read, move on."""
    image_data, json_data = ui.drawing_canvas_state()
    try:
        steps = read_drawing(image_data, json_data)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        st.error(
            _("Your drawing could not be read: the canvas sent something unexpected. Clear it and draw again."),
            icon=":material/error:",
        )
        return
    if steps is None:
        st.warning(_("The canvas is empty: draw the digit first, then press Send."), icon=":material/draw:")
        return
    if steps.is_only_taps:
        ui.show_taps_hint()
        return
    if steps.is_too_small:
        st.warning(_("That is too small to read: draw the digit bigger, filling the box."), icon=":material/zoom_in:")
        return
    probabilities = predict_proba(model, steps.image[None])[0]
    drawing = store.Drawing(
        key=st.session_state[STATE_SEND_KEY],
        student_id=st.session_state[STATE_STUDENT],
        nickname=store.clean_nickname(st.session_state.get("nickname_field"))[0],
        prompt=st.session_state[STATE_PROMPT],
        image=steps.image,
        probabilities=probabilities,
        model_name=files.name,
        model_sha256=checksum,
        strokes=json_data,
    )
    try:
        store.add_drawing(engine, drawing)
    except store.StorageError as error:
        ui.storage_error(error)  # the drawing stays on the canvas: Send again stores it once
        return
    except ValueError as error:
        st.error(
            _("Your drawing could not be saved: {error}. Clear the canvas and draw again.").format(error=error),
            icon=":material/error:",
        )
        return
    st.session_state[STATE_RESULT] = {"prompt": drawing.prompt, "probabilities": probabilities.tolist()}
    st.session_state[STATE_PROMPT] = next_prompt(drawing.prompt)
    st.session_state[STATE_SEND_KEY] = uuid.uuid4().hex
    ui.clear_drawing()


def prompt_html(digit: int) -> str:
    """What to draw, the digit in bold: "Draw a <b>7</b>", "Draw an <b>8</b>"."""
    if digit == 8:
        return _("Draw an <b>{digit}</b>").format(digit=digit)
    return _("Draw a <b>{digit}</b>").format(digit=digit)


@st.fragment
def drawing_round() -> None:
    """The prompt, the canvas and Send. A stroke reruns only this, and does no more than note the stroke."""
    files, model, checksum = ui.class_model(engine)
    st.session_state.setdefault(STATE_PROMPT, next_prompt(None))
    st.session_state.setdefault(STATE_SEND_KEY, uuid.uuid4().hex)
    # Send is read before the page is drawn, so the answer and the next prompt show in this same run.
    if st.session_state.get("send_button"):
        send(files, model, checksum)
    result = st.session_state.get(STATE_RESULT)
    if result:
        ui.show_student_result(result["prompt"], np.asarray(result["probabilities"]))
    st.markdown(f"<div class='prompt'>{prompt_html(st.session_state[STATE_PROMPT])}</div>", unsafe_allow_html=True)
    ui.drawing_canvas(stroke_width=DEFAULT_STROKE_WIDTH, fixed_pen=True)
    strokes = canvas_strokes(st.session_state.get(STATE_CANVAS_JSON)) or []
    with st.container(key="stroke_note"):
        if strokes:
            st.caption(
                ngettext(
                    "Your {n} stroke: press Send when the digit is done.",
                    "Your {n} strokes: press Send when the digit is done.",
                    len(strokes),
                ).format(n=len(strokes))
            )
        else:
            st.caption(_("Draw with your finger inside the box. The toolbar above it undoes a stroke."))
    with st.container(key="send"):
        st.button(_("Send"), type="primary", icon=":material/send:", key="send_button", width="stretch")


drawing_round()
