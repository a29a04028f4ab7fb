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
from digitlab.numbers import read_number

ui.start_page("Write a number", ":material/123: Write a number", ":material/123:")
st.caption(
    "Write a number, up to ten digits in a row, with your mouse, finger or pen. After every stroke the network "
    "splits your writing into digits and reads each one."
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
            "The canvas is empty: write a number, one digit after another, leaving a little room between them.",
            icon=":material/draw:",
        )
        return

    # The digit to look inside the network with: the one picked, kept while the number has that many pieces.
    labels = [f"{'?' if digit is None else digit}" for digit in reading.digits]
    number_column, pick_column = st.columns([3, 2], gap="large")
    with pick_column:
        picked = ui.piece_picker(labels, STATE_NUMBER_PIECE)
    with number_column:
        ui.show_number(reading, image_data, json_data, NUMBER_CANVAS_SHAPE, picked)
        unsure = reading.digits.count(None)
        if unsure:
            st.warning(
                f"Not sure about {unsure} of the {len(reading.digits)} pieces (marked ?). A piece may be two digits "
                "that touch, a letter, a scribble or a mark too small beside the others: leave a little room "
                "between digits, or undo and write that one again.",
                icon=":material/help:",
            )
        else:
            digits = "digit" if len(reading.digits) == 1 else "digits"
            st.markdown(
                f"<div class='number-summary'>{len(reading.digits)} {digits}, each read with confidence.</div>",
                unsafe_allow_html=True,
            )

    position = picked + 1
    st.session_state[STATE_IMAGE] = reading.steps[picked].image
    st.session_state[STATE_IMAGE_SOURCE] = (
        f"Showing **digit {position} of your number** from the Write a number page. Pick another digit there and "
        "this page follows."
    )
    with pick_column:
        image_column, chart_column = st.columns([1, 2], vertical_alignment="center")
        with image_column:
            ui.show_image(reading.steps[picked].image, f"Digit {position}: the model's input (28×28)", width=140)
        with chart_column:
            st.vega_lite_chart(charts.probability_chart(reading.probabilities[picked], height=160), width="stretch")
        ui.page_link("pages/1_Feature_maps.py", "Feature maps: what each layer sees of it", ":material/layers:")


live_number(ui.require_model())
