"""Compare models: the classic MNIST networks beside DigitLab's CNN, in numbers and on the current drawing."""

import streamlit as st

from digitlab import catalog, charts, ui
from digitlab.i18n import N_, _, number
from digitlab.model import predict_proba

# Models side by side on the drawing, per row.
MODELS_PER_ROW = 3

ui.start_page(N_("Compare models"), N_("Compare models"), ":material/compare_arrows:")
selected = ui.model_selector()
st.caption(
    _(
        "The classic networks of the Keras MNIST tutorials, trained the tutorials' way on plain MNIST, beside "
        "DigitLab's own CNN, which also learned from real pen handwriting read the way the draw page reads a drawing. "
        "Why a CNN and not a plain network? Look at the drawn-digit accuracy, then draw something."
    )
)

# The numbers, all read from the files train.py and the benchmark wrote; their texts (cached in English for every
# session) shown in this session's language
frame = ui.get_comparison(ui.model_files_stamp())
frame = frame.assign(
    title=frame["name"].map(catalog.title),
    optimizer=frame["optimizer"].map(catalog.shown_text),
    note=frame["note"].map(catalog.shown_text),
)
st.header(_("In numbers"))
numbers = {"parameters": 0, "size_mb": 1, "training_s": 0, "predict_ms": 2}
st.dataframe(
    ui.local_numbers(frame, percents={"mnist_accuracy": 2, "drawn_accuracy": 1}, numbers=numbers),
    # The accuracies first, drawn digits (the page's question) before MNIST: on a phone the columns after the model's
    # name scroll. Left-aligned, a column a phone cuts short still shows its numbers, not an empty strip.
    column_order=["title", "drawn_accuracy", "mnist_accuracy", "predict_ms", "parameters", "size_mb", "training_s"],
    column_config={
        "title": _("Model"),
        "parameters": _("Parameters"),
        "size_mb": _("Size (MB)"),
        "training_s": _("Training (s)"),
        "drawn_accuracy": st.column_config.Column(_("Drawn digits"), alignment="left"),
        "mnist_accuracy": st.column_config.Column(_("MNIST test"), alignment="left"),
        "predict_ms": _("ms / prediction"),
    },
    hide_index=True,
    width="stretch",
)
st.caption(
    _(
        "**MNIST test**: the {test_images} test images. **Drawn digits**: pen-drawn digits by 30 writers no model "
        "trained on, drawn on the canvas as the browser delivers a drawing under nine conditions (size, position, "
        "stroke, colours) and read as the draw page reads them, from `python -m bench --models`. **ms / prediction**: "
        "median time of one drawing through the model in process. **Training**: seconds on the 2-core machine the "
        "models were trained on, shared with other jobs. **Size**: the bundled `.keras` file (for PCA + SVC: its "
        "pickled model, which is not bundled). Empty cells have not been measured yet."
    ).format(test_images=number(10_000))
)
with st.expander(_("How each model was trained")):
    st.dataframe(
        ui.local_numbers(frame.assign(epochs=frame["epochs"].astype("Int64")), numbers={"train_size": 0}),
        column_order=["title", "kind", "optimizer", "epochs", "train_size", "note"],
        column_config={
            "title": _("Model"),
            "kind": _("Kind"),
            "optimizer": _("Optimizer"),
            "epochs": _("Epochs"),
            "train_size": _("Trained on (images)"),
            "note": _("Note"),
        },
        hide_index=True,
        width="stretch",
    )

chart_measure = st.segmented_control(
    _("Chart"), list(charts.COMPARISON_MEASURES), format_func=lambda key: _(charts.COMPARISON_MEASURES[key][0]),
    default="drawn_accuracy", required=True, key="compare_measure",
)  # fmt: skip
st.altair_chart(charts.comparison_chart(frame, chart_measure, selected.name), width="stretch")

# Every model on the current drawing
st.header(_("Every model on one drawing"))
image = ui.network_input()
names = catalog.available_models()
models = ui.get_models_by_name(names)
for start in range(0, len(names), MODELS_PER_ROW):
    row = names[start : start + MODELS_PER_ROW]
    # A small gap leaves each card's chart room for all ten digits.
    for column, name in zip(st.columns(MODELS_PER_ROW, gap="small"), row, strict=False):
        with column, st.container(border=True, key=f"compare_{name}"):
            probabilities = predict_proba(models[name], image[None])[0]
            model_title = catalog.title(name)
            st.markdown(
                _("**{model}** · in use").format(model=model_title) if name == selected.name else f"**{model_title}**"
            )
            ui.show_prediction_summary(probabilities)
            chart = charts.probability_chart(probabilities, label_size=11, height=180, probability_title=False)
            st.vega_lite_chart(chart, width="stretch")
if len(names) == 1:
    st.info(
        _(
            "Only the bundled model is here. Train the others with `python train.py --arch NAME` "
            "(see `python train.py --help`) and they appear beside it."
        ),
        icon=":material/model_training:",
    )
st.caption(_("The PCA + SVC baseline is in the table only: its fitted model is not bundled with the app."))
