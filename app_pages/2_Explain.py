"""Explain: why the network gave its answer for this drawing, and what each step of preparing the drawing is worth."""

import numpy as np
import streamlit as st

from digitlab import activations, explain, ui, visualize
from digitlab.config import CONFIDENT_THRESHOLD, STATE_CANVAS_JSON, STATE_CANVAS_RGBA, STATE_IMAGE
from digitlab.i18n import N_
from digitlab.model import predict_proba
from digitlab.neighbours import IndexNotFoundError

# Display size of a saliency picture, without its colour bar.
PICTURE_PX = 280
# The occlusion pictures' colour scale reaches at least this change of probability, so that a change of a point
# or two stays pale.
SMALLEST_SCALE = 0.1
# The steps that can be turned off, as the page names them, with what the drawing goes through without them.
STEPS = {
    "strokes": ("reading the strokes", "The canvas's picture is read instead, drawn with your pen's full width."),
    "crop": ("cropping", "The whole canvas is fitted into the box, empty space and all."),
    "fit": ("fitting into 20×20", "The ink is stretched to fill all of 28×28, its shape lost."),
    "centre": ("centring by mass", "The fitted box is put in the middle instead."),
    "normalise": ("stroke width", "The stroke keeps the width it was drawn with, scaled down with the drawing."),
}

ui.start_page(N_("Explain"), N_("Why did it say that?"), ":material/psychology:")
model = ui.require_model()
title = ui.selected_model_files().title
image = ui.network_input()
probabilities = predict_proba(model, image[None])[0]
ranked = np.argsort(-probabilities, kind="stable")
answer, runner_up = int(ranked[0]), int(ranked[1])
ui.show_prediction_summary(probabilities, lead=f"**{title}** answers")

# 1. Where the network looked
st.header("Where the network looked")
other = st.segmented_control(
    f"Why {answer} and not…", [digit for digit in range(10) if digit != answer], default=runner_up,
    required=True, key=f"explain_other_{answer}_{runner_up}",
)  # fmt: skip
conv_layers = activations.conv_layers(model)
if conv_layers:
    last = conv_layers[-1]
    rows, cols = activations.feature_maps(model, image)[last].shape[:2]
    st.markdown(
        f"**Grad-CAM** weighs each feature map of the last convolution layer (`{last}`, {rows}×{cols} positions) "
        "by how much the digit's score rises with it, and adds them up: warm where that layer found evidence for "
        "the digit. **Occlusion** blanks out a 6×6 square of the input, everywhere in turn, and measures how far "
        "the digit's probability falls: warm where the answer needs your ink."
    )
else:
    st.info(
        f"**Grad-CAM does not apply to {title}**: it has no convolution layers, so there are no feature maps whose "
        "evidence could be weighed. Instead, **input × weight**: each pixel's ink times the weight the network "
        "gives that pixel for the digit, along the path this drawing takes through its layers (red: for the "
        "digit, blue: against). **Occlusion** works for any network: it blanks out a 6×6 square of the input, "
        "everywhere in turn, and measures how far the digit's probability falls.",
        icon=":material/info:",
    )
for digit, why in ((answer, f"Why {answer}"), (other, f"Why not {other}")):
    st.subheader(f"{why} ({probabilities[digit]:.1%})")
    left, right = st.columns(2, gap="large")
    if conv_layers:
        evidence = explain.grad_cam(model, image, digit)
        left.image(visualize.saliency_picture(image, evidence, 1.0, PICTURE_PX, "evidence"))
        left.caption(f"Grad-CAM: where `{last}` found evidence for a {digit}, relative to its strongest.")
    else:
        left.image(visualize.contribution_picture(explain.input_times_weight(model, image, digit), PICTURE_PX, "score"))
        left.caption(f"Input × weight: how each pixel's ink adds to (red) or takes from (blue) the score of {digit}.")
    if digit == answer:
        fall = explain.occlusion(model, image, digit)
        right.image(visualize.saliency_picture(image, fall, max(float(fall.max()), SMALLEST_SCALE), PICTURE_PX, "fall"))
        right.caption(f"Occlusion: how far the probability of {digit} falls when a square there is blanked out.")
    else:
        rise = explain.occlusion_rise(model, image, digit)
        right.image(visualize.saliency_picture(image, rise, max(float(rise.max()), SMALLEST_SCALE), PICTURE_PX, "rise"))
        right.caption(
            f"Occlusion: how far the probability of {digit} rises when a square there is blanked out: the ink that "
            f"stands in the way of a {digit}."
        )

# 2. What it thinks the drawing looks like
st.header("What it thinks your drawing looks like")
try:
    neighbours, labels, distances = explain.nearest_digits(model, image)
except IndexNotFoundError as error:
    st.info(f"**No nearest digits to show.** {error}", icon=":material/grid_view:")
else:
    hidden = activations.last_hidden_layer(model)
    st.markdown(
        f"The {len(labels)} MNIST training digits nearest to your drawing in the network's own terms: what its last "
        f"hidden layer (`{hidden}`) makes of them, compared with what it makes of your drawing. The network reads "
        "your drawing like these. Above each: its label and its distance (smaller: more alike)."
    )
    captions = [f"{label} · {distance:.1f}" for label, distance in zip(labels, distances, strict=True)]
    st.image(visualize.digit_grid(neighbours, captions, columns=4, cell=112))
    majority, count = explain.majority_label(labels), int(np.sum(labels == answer))
    if majority == answer:
        st.caption(f"{count} of the {len(labels)} are {answer}s, the network's answer.")
    else:
        st.caption(
            f"Most of them are {majority}s, though the network answers {answer}: near your drawing, its picture of "
            "the digits is mixed."
        )

# 3. What each preparation step is worth
st.header("What each preparation step is worth")
rgba, json_data = st.session_state.get(STATE_CANVAS_RGBA), st.session_state.get(STATE_CANVAS_JSON)
if st.session_state.get(STATE_IMAGE) is None or (rgba is None and json_data is None):
    st.info(
        "This part needs a drawing of your own: draw a digit on the Draw page, then come back.", icon=":material/draw:"
    )
    st.stop()
st.markdown(
    "The Draw page reads your strokes, redraws them with a pen in proportion to the drawing, crops them to the "
    "ink, fits them into 20×20, redraws the stroke at MNIST's width and centres the result by mass in 28×28. Here "
    "each step is turned off on its own, and last comes the way most tutorials do it: the whole canvas shrunk to "
    "28×28."
)
off = st.pills(
    "Turn several off together", list(STEPS), format_func=lambda name: STEPS[name][0], selection_mode="multi",
    key="explain_off",
)  # fmt: skip
readings = explain.compare_readings(model, rgba, json_data, explain.reading_variants(off))
cards = {
    "today": ("Today's path", "Every step, as the Draw page reads your drawing."),
    **{name: (f"Without {step}", what) for name, (step, what) in STEPS.items()},
    "tutorial": ("The tutorials' way", "The whole canvas shrunk to 28×28: no strokes, cropping, fitting or centring."),
    "combined": ("Your combination", "Without " + ", ".join(STEPS[name][0] for name in off) + "."),
}
names = list(readings)
for start in range(0, len(names), 4):
    for column, name in zip(st.columns(4), names[start : start + 4], strict=False):
        steps, reading_probabilities = readings[name]
        card_title, caption = cards[name]
        with column:
            ui.show_reading(card_title, None if steps is None else steps.image, reading_probabilities, caption,
                            key=f"reading_{name}")  # fmt: skip
st.caption(
    "A small digit in a corner shows most: without cropping and fitting it stays a speck in 28×28, which is "
    f"what the tutorials' way gives the network. The answer needs more than {CONFIDENT_THRESHOLD:.0%} "
    "confidence to be announced; below that the card says *not sure*."
)
