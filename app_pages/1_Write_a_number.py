"""Write a number: several digits on one wide canvas, split into digits and read live, each with its confidence."""

import streamlit as st

from digitlab import charts, ui
from digitlab.config import (
    NUMBER_CANVAS,
    NUMBER_CANVAS_SHAPE,
    NUMBER_STROKE_WIDTH,
    STATE_IMAGE,
    STATE_IMAGE_SOURCE,
    STATE_NUMBER_PIECE,
)
from digitlab.i18n import N_, Deferred, _, ngettext
from digitlab.numbers import read_number

ui.start_page(N_("Write a number"), N_("Write a number"), ":material/123:")
st.caption(
    _(
        "Write a number, up to ten digits in a row, with your mouse, finger or pen. After every stroke the network "
        "splits your writing into digits and reads each one."
    )
)


@st.fragment
def live_number(model) -> None:
    """Everything that follows the pen. A stroke reruns only this, not the page around it."""
    image_data, json_data = ui.drawing_canvas(
        shape=NUMBER_CANVAS_SHAPE, keys=NUMBER_CANVAS, stroke_width=NUMBER_STROKE_WIDTH
    )
    reading = read_number(image_data, json_data, model)
    if not reading.digits:
        st.info(
            _("The canvas is empty: write a number, one digit after another, leaving a little room between them."),
            icon=":material/draw:",
        )
        return

    number_column, drawing_column = st.columns(2, gap="medium", vertical_alignment="center")
    st.subheader(_("Look inside the network"))
    pick_column, image_column, chart_column = st.columns([2, 1, 2], vertical_alignment="center")
    with pick_column:
        labels = [f"{position}: {'?' if digit is None else digit}" for position, digit in enumerate(reading.digits, 1)]
        picked = ui.piece_picker(labels, STATE_NUMBER_PIECE)
    with number_column:
        ui.show_number(reading)
        explain_reading(reading)
    with drawing_column:
        ui.show_number_drawing(reading, image_data, json_data, NUMBER_CANVAS_SHAPE, picked)

    # The picked digit is the one the network pages show.
    st.session_state[STATE_IMAGE] = reading.steps[picked].image
    # Said by the network page that shows it, in that run's language: the language may change on the way.
    st.session_state[STATE_IMAGE_SOURCE] = Deferred(
        N_(
            "Showing **digit {position} of your number** from the Write a number page. Pick another digit there "
            "and this page follows."
        ),
        position=picked + 1,
    )
    with pick_column:
        st.caption(_("Its 28×28 input and the ten probabilities; the network pages show it too."))
        ui.page_link("3_Feature_maps.py", _("Feature maps: what each layer sees of it"), ":material/layers:")
    with image_column:
        caption = _("Digit {position}: the model's input").format(position=picked + 1)
        ui.show_image(reading.steps[picked].image, caption, width=140)
    with chart_column:
        st.vega_lite_chart(charts.probability_chart(reading.probabilities[picked]), width="stretch")


def explain_reading(reading) -> None:
    """How sure the reading is, what it made of a minus sign, and what to do about a piece that is not a confident
    digit."""
    count = len(reading.digits)
    unsure = reading.digits.count(None)
    summary = []
    if not unsure:
        summary.append(
            ngettext(
                "{count} digit, each read with confidence.", "{count} digits, each read with confidence.", count
            ).format(count=count)
        )
    if reading.minus is not None:
        summary.append(_("The dash before the digits is read as a minus sign."))
    if summary:
        st.markdown(f"<div class='number-summary'>{' '.join(summary)}</div>", unsafe_allow_html=True)
    if not unsure:
        return
    why = _("It may be a letter, a scribble or a digit the network cannot make out: undo it and write it again.")
    if any(reading.touching):
        why = _("Two digits seem to touch: leave a little room between them.")
    elif any(reading.marks):
        why = _(
            "A mark much smaller than the digits (a dot, a dash) is not read as a digit; a dash before the number, "
            "level with the middle of its first digit, is its minus sign."
        )
    # One English sentence for any count; other languages agree the pieces marked ? with `unsure`.
    not_sure = ngettext(
        "Not sure about {unsure} of the {count} pieces, marked ?.",
        "Not sure about {unsure} of the {count} pieces, marked ?.",
        unsure,
    ).format(unsure=unsure, count=count)
    st.warning(f"{not_sure} {why}", icon=":material/help:")


live_number(ui.require_model())
