"""The tutorial app, for the in-browser comparison: the same canvas and prediction box as DigitLab, but the
whole canvas resized to 28x28, `model.predict` and Streamlit's own bar chart, as the tutorials do (the model is
cached, so only the pipeline differs).

`python -m bench` starts it on Keras with TensorFlow, the tutorials' stack (KERAS_BACKEND=tensorflow), with
Streamlit's default settings."""

import numpy as np
import streamlit as st

from bench.tutorial import tutorial_predict
from digitlab import ui

st.set_page_config(page_title="Tutorial digit recogniser", layout="wide")
model = ui.require_model()
draw_column, result_column = st.columns(2)
with draw_column:
    rgba, json_data = ui.drawing_canvas(picture=True)  # the tutorials read the picture only
with result_column:
    # Predict once there is any dark ink, so the page is empty again after the canvas is reset.
    if rgba is None or not (rgba[..., :3] < 128).any():
        st.stop()
    probabilities = tutorial_predict(model, rgba)
    ui.show_prediction(np.asarray(probabilities))
    st.bar_chart(probabilities)
    # Says which stroke this answer is for, as the draw page does: the benchmark waits for it.
    st.caption(f"Your {len(json_data['objects'])} strokes, read as a picture")
