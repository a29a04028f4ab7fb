"""Explain: why the network gave its answer for this drawing, and what each step of preparing the drawing is worth."""

import numpy as np
import streamlit as st

from digitlab import activations, explain, ui, visualize
from digitlab.config import CONFIDENT_THRESHOLD, STATE_CANVAS_JSON, STATE_CANVAS_RGBA, STATE_IMAGE
from digitlab.i18n import N_, _, a_digit, ngettext, number, percent
from digitlab.model import predict_proba
from digitlab.neighbours import IndexNotFoundError

# Display size of a saliency picture, without its colour bar.
PICTURE_PX = 280
# The occlusion pictures' colour scale reaches at least this change of probability, so that a change of a point
# or two stays pale.
SMALLEST_SCALE = 0.1
# The steps that can be turned off: the name the page gives each, the title of its card when it is off, and what
# the drawing goes through without it.
STEPS = {
    "strokes": (
        N_("reading the strokes"),
        N_("Without reading the strokes"),
        N_("The canvas's picture is read instead, drawn with your pen's full width."),
    ),
    "crop": (
        N_("cropping"),
        N_("Without cropping"),
        N_("The whole canvas is fitted into the box, empty space and all."),
    ),
    "fit": (
        N_("fitting into 20×20"),
        N_("Without fitting into 20×20"),
        N_("The ink is stretched to fill all of 28×28, its shape lost."),
    ),
    "centre": (
        N_("centring by mass"),
        N_("Without centring by mass"),
        N_("The fitted box is put in the middle instead."),
    ),
    "normalise": (
        N_("stroke width"),
        N_("Without stroke width"),
        N_("The stroke keeps the width it was drawn with, scaled down with the drawing."),
    ),
}

ui.start_page(N_("Explain"), N_("Why did it say that?"), ":material/psychology:")
model = ui.require_model()
title = ui.selected_model_files().title
image = ui.network_input()
probabilities = predict_proba(model, image[None])[0]
ranked = np.argsort(-probabilities, kind="stable")
answer, runner_up = int(ranked[0]), int(ranked[1])
ui.show_prediction_summary(probabilities, lead=_("**{model}** answers").format(model=title))

# 1. Where the network looked
st.header(_("Where the network looked"))
other = st.segmented_control(
    _("Why {digit} and not…").format(digit=answer), [digit for digit in range(10) if digit != answer],
    default=runner_up, required=True, key=f"explain_other_{answer}_{runner_up}",
)  # fmt: skip
conv_layers = activations.conv_layers(model)
if conv_layers:
    last = conv_layers[-1]
    rows, cols = activations.feature_maps(model, image)[last].shape[:2]
    st.markdown(
        _(
            "**Grad-CAM** weighs each feature map of the last convolution layer (`{layer}`, {rows}×{cols} positions) "
            "by how much the digit's score rises with it, and adds them up: warm where that layer found evidence for "
            "the digit. **Occlusion** blanks out a 6×6 square of the input, everywhere in turn, and measures how far "
            "the digit's probability falls: warm where the answer needs your ink."
        ).format(layer=last, rows=rows, cols=cols)
    )
else:
    st.info(
        _(
            "**Grad-CAM does not apply to {model}**: it has no convolution layers, so there are no feature maps whose "
            "evidence could be weighed. Instead, **input × weight**: each pixel's ink times the weight the network "
            "gives that pixel for the digit, along the path this drawing takes through its layers (red: for the "
            "digit, blue: against). **Occlusion** works for any network: it blanks out a 6×6 square of the input, "
            "everywhere in turn, and measures how far the digit's probability falls."
        ).format(model=title),
        icon=":material/info:",
    )
for digit, why in ((answer, _("Why {digit} ({probability})")), (other, _("Why not {digit} ({probability})"))):
    st.subheader(why.format(digit=digit, probability=percent(probabilities[digit], 1)))
    left, right = st.columns(2, gap="large")
    if conv_layers:
        evidence = explain.grad_cam(model, image, digit)
        left.image(visualize.saliency_picture(image, evidence, 1.0, PICTURE_PX, _("evidence")))
        left.caption(
            _("Grad-CAM: where `{layer}` found evidence for {a_digit}, relative to its strongest.").format(
                layer=last, a_digit=a_digit(digit)
            )
        )
    else:
        left.image(
            visualize.contribution_picture(explain.input_times_weight(model, image, digit), PICTURE_PX, _("score"))
        )
        left.caption(
            _("Input × weight: how each pixel's ink adds to (red) or takes from (blue) the score of {digit}.").format(
                digit=digit
            )
        )
    if digit == answer:
        fall = explain.occlusion(model, image, digit)
        right.image(
            visualize.saliency_picture(image, fall, max(float(fall.max()), SMALLEST_SCALE), PICTURE_PX, _("fall"))
        )
        right.caption(
            _("Occlusion: how far the probability of {digit} falls when a square there is blanked out.").format(
                digit=digit
            )
        )
    else:
        rise = explain.occlusion_rise(model, image, digit)
        right.image(
            visualize.saliency_picture(image, rise, max(float(rise.max()), SMALLEST_SCALE), PICTURE_PX, _("rise"))
        )
        right.caption(
            _(
                "Occlusion: how far the probability of {digit} rises when a square there is blanked out: the ink that "
                "stands in the way of {a_digit}."
            ).format(digit=digit, a_digit=a_digit(digit))
        )

# 2. What it thinks the drawing looks like
st.header(_("What it thinks your drawing looks like"))
try:
    neighbours, labels, distances = explain.nearest_digits(model, image)
except IndexNotFoundError as error:
    st.info(_("**No nearest digits to show.** {reason}").format(reason=error), icon=":material/grid_view:")
else:
    hidden = activations.last_hidden_layer(model)
    st.markdown(
        ngettext(
            "The MNIST training digit nearest to your drawing in the network's own terms: what its last hidden layer "
            "(`{layer}`) makes of it, compared with what it makes of your drawing. The network reads your drawing "
            "like this one. Above it: its label and its distance (smaller: more alike).",
            "The {n} MNIST training digits nearest to your drawing in the network's own terms: what its last "
            "hidden layer (`{layer}`) makes of them, compared with what it makes of your drawing. The network reads "
            "your drawing like these. Above each: its label and its distance (smaller: more alike).",
            len(labels),
        ).format(n=len(labels), layer=hidden)
    )
    captions = [f"{label} · {number(distance, 1)}" for label, distance in zip(labels, distances, strict=True)]
    st.image(visualize.digit_grid(neighbours, captions, columns=4, cell=112))
    majority, count = explain.majority_label(labels), int(np.sum(labels == answer))
    if majority == answer:
        st.caption(
            ngettext(
                "{count} of the {total} is {a_digit}, the network's answer.",
                "{count} of the {total} are {digit}s, the network's answer.",
                count,
            ).format(count=count, total=len(labels), digit=answer, a_digit=a_digit(answer))
        )
    else:
        st.caption(
            _(
                "Most of them are {majority}s, though the network answers {answer}: near your drawing, its picture of "
                "the digits is mixed."
            ).format(majority=majority, answer=answer)
        )

# 3. What each preparation step is worth
st.header(_("What each preparation step is worth"))
rgba, json_data = st.session_state.get(STATE_CANVAS_RGBA), st.session_state.get(STATE_CANVAS_JSON)
if st.session_state.get(STATE_IMAGE) is None or (rgba is None and json_data is None):
    st.info(
        _("This part needs a drawing of your own: draw a digit on the Draw page, then come back."),
        icon=":material/draw:",
    )
    st.stop()
st.markdown(
    _(
        "The Draw page reads your strokes, redraws them with a pen in proportion to the drawing, crops them to the "
        "ink, fits them into 20×20, redraws the stroke at MNIST's width and centres the result by mass in 28×28. Here "
        "each step is turned off on its own, and last comes the way most tutorials do it: the whole canvas shrunk to "
        "28×28."
    )
)
off = st.pills(
    _("Turn several off together"), list(STEPS), format_func=lambda name: _(STEPS[name][0]), selection_mode="multi",
    key="explain_off",
)  # fmt: skip
readings = explain.compare_readings(model, rgba, json_data, explain.reading_variants(off))
# The steps turned off together are listed by the names the pills give them.
turned_off = ", ".join(_(STEPS[name][0]) for name in off)
cards = {
    "today": (_("Today's path"), _("Every step, as the Draw page reads your drawing.")),
    **{name: (_(without), _(what)) for name, (_label, without, what) in STEPS.items()},
    "tutorial": (
        _("The tutorials' way"), _("The whole canvas shrunk to 28×28: no strokes, cropping, fitting or centring."),
    ),
    "combined": (_("Your combination"), _("Without {steps}.").format(steps=turned_off)),
}  # fmt: skip
names = list(readings)
for start in range(0, len(names), 4):
    for column, name in zip(st.columns(4), names[start : start + 4], strict=False):
        steps, reading_probabilities = readings[name]
        card_title, caption = cards[name]
        with column:
            ui.show_reading(card_title, None if steps is None else steps.image, reading_probabilities, caption,
                            key=f"reading_{name}")  # fmt: skip
st.caption(
    _(
        "A small digit in a corner shows most: without cropping and fitting it stays a speck in 28×28, which is "
        "what the tutorials' way gives the network. The answer needs more than {threshold} confidence to be "
        "announced; below that the card says *not sure*."
    ).format(threshold=percent(CONFIDENT_THRESHOLD, 0))
)
