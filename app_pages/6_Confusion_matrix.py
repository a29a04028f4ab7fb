"""How good is the model: confusion matrix, per-class metrics and mistakes on the MNIST test set."""

import pandas as pd
import streamlit as st

from digitlab import catalog, charts, ui
from digitlab.evaluate import REGENERATE_COMMAND, cell_examples, confusion_frame, describe_mismatch
from digitlab.i18n import N_, _, a_digit, ngettext, number, percent

ui.start_page(N_("Confusion matrix"), N_("Confusion matrix"), ":material/grid_on:")
files = ui.model_selector()
st.caption(
    _("How **{model}** does on the MNIST test images: handwritten digits it never saw while it was trained.").format(
        model=files.title
    )
)

# The bundled model's artifacts come from `python -m digitlab.evaluate --write`; a classic network's from train.py.
command = REGENERATE_COMMAND if files.name == catalog.BUNDLED else files.train_command
if files.name != catalog.BUNDLED and not (files.evaluation.is_file() and files.evaluation_summary.is_file()):
    st.info(
        _(
            "**No evaluation of {model} to show yet.** `{command}` trains it and writes its evaluation "
            "({evaluation}, {summary})."
        ).format(
            model=files.title,
            command=command,
            evaluation=files.evaluation.name,
            summary=files.evaluation_summary.name,
        ),
        icon=":material/grid_on:",
    )
    st.stop()
evaluation = ui.require_evaluation(files.evaluation, files.evaluation_summary)
summary = evaluation.summary
mismatch = describe_mismatch(summary, files.model)
if mismatch:
    st.warning(
        _("**These results don't match the model the app uses.** {mismatch} Regenerate them with `{command}`.").format(
            mismatch=mismatch, command=command
        ),
        icon=":material/warning:",
    )

# The headline numbers
kfold = (ui.selected_metadata() or {}).get("kfold")
# Side by side, each as wide as its number, and one under the other where the width runs out.
headline = st.container(horizontal=True, gap="medium")
headline.metric(
    _("Test accuracy"),
    percent(summary["accuracy"], 2),
    help=_("Share of test images classified correctly."),
    width="content",
)
headline.metric(
    _("Correct"),
    _("{correct} of {total}").format(correct=number(summary["correct"]), total=number(summary["test_size"])),
    width="content",
)
if kfold:
    headline.metric(
        _("{k}-fold cross-validation").format(k=kfold["k"]),
        f"{percent(kfold['mean_accuracy'], 2)} ± {percent(kfold['std_accuracy'], 2)}",
        help=_("Mean ± standard deviation of accuracy over the folds of the training set (see below)."),
        width="content",
    )

# The heatmap, and the images in the selected cell (picked first: a click on the chart moves the pickers)
chart_column, cell_column = st.columns([3, 2], gap="large")
matrix = summary["confusion_matrix"]
pairs = summary["confused_pairs"]
with cell_column:
    true, predicted = ui.digit_pair_picker(default=(pairs[0]["true"], pairs[0]["predicted"]) if pairs else (0, 0))

with chart_column:
    # The % sign as a placeholder: gettext tools read a bare "% o" as a printf placeholder the translation must keep.
    label = _("Row-normalised: {percent_sign} of each true digit").format(percent_sign="%")
    normalised = st.toggle(label, key="normalised")
    st.altair_chart(
        charts.confusion_chart(confusion_frame(matrix, normalised), (true, predicted), normalised),
        on_select="rerun",
        key=ui.confusion_chart_key(),
        width="stretch",
    )
    st.caption(
        _(
            "Rows are the true digit, columns what the model said. Blue: correct (the diagonal); red: mistakes, "
            "darker for more. Click a cell, or pick its true and predicted digit, to see its images."
        )
    )

with cell_column:
    examples = cell_examples(evaluation, true, predicted)
    count = matrix[true][predicted]
    if true == predicted:
        recognised = ngettext(
            "**{count}** test image of {a_digit} was recognised correctly.",
            "**{count}** test images of {a_digit} were recognised correctly.",
            count,
        ).format(count=number(count), a_digit=a_digit(true))
        shown = ngettext(
            "Here is {n} of them, most confident first.", "Here are {n} of them, most confident first.", len(examples)
        ).format(n=len(examples))
        st.markdown(f"{recognised} {shown}")
    else:
        st.markdown(
            ngettext(
                "**{count}** test image of {a_true} was taken for {a_predicted}, most confident first.",
                "**{count}** test images of {a_true} were taken for {a_predicted}, most confident first.",
                count,
            ).format(count=number(count), a_true=a_digit(true), a_predicted=a_digit(predicted))
        )
    if examples.empty:
        st.info(_("No test images in this cell."), icon=":material/check_circle:")
    else:
        st.caption(_("Under each image: true digit → predicted digit, and the model's confidence."))
        ui.show_examples(examples)
        if len(examples) > 24:
            st.caption(_("Showing 24 of {count}.").format(count=number(len(examples))))

# Per-class metrics
st.subheader(_("Per digit: precision, recall, F1"))
st.markdown(
    _(
        "- **Recall** (sensitivity): of all the true 3s, the share the model called 3.\n"
        "- **Precision** (purity): of everything the model called 3, the share that really is a 3.\n"
        "- **F1** (F-score): the harmonic mean of the two, high only when both are.  **Support**: test images of the "
        "digit."
    )
)
metrics_column, pairs_column = st.columns([3, 2], gap="large")
per_class = pd.DataFrame(summary["per_class"]).set_index("digit")
with metrics_column:
    st.dataframe(
        ui.local_numbers(per_class, percents={"precision": 2, "recall": 2, "f1": 2}, numbers={"support": 0}),
        column_config={
            "digit": _("Digit"),
            "precision": _("Precision"),
            "recall": _("Recall"),
            "f1": "F1",
            "support": _("Support"),
        },
        width="stretch",
    )
    macro = summary["macro_avg"]
    st.caption(
        _("Averages over the ten digits: precision {precision}, recall {recall}, F1 {f1}.").format(
            precision=percent(macro["precision"], 2), recall=percent(macro["recall"], 2), f1=percent(macro["f1"], 2)
        )
    )

with pairs_column:
    st.markdown(_("**Most confused pairs**"))
    if pairs:
        st.dataframe(
            ui.local_numbers(pd.DataFrame(pairs), numbers={"count": 0}),
            column_config={"true": _("True digit"), "predicted": _("Predicted"), "count": _("Images")},
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(_("The model made no mistakes on the test set."))

# Cross-validation, when train.py --kfold has been run
if kfold:
    epochs = kfold["settings"]["epochs"]
    st.subheader(_("{k}-fold cross-validation").format(k=kfold["k"]))
    st.caption(
        ngettext(
            "Stratified {k}-fold cross-validation on {images} training images: each fold trains a fresh model with "
            "the same recipe ({epochs} epoch) and tests it on the part it did not see.",
            "Stratified {k}-fold cross-validation on {images} training images: each fold trains a fresh model with "
            "the same recipe ({epochs} epochs) and tests it on the part it did not see.",
            epochs,
        ).format(k=kfold["k"], images=number(kfold["images"]), epochs=epochs)
    )
    st.dataframe(
        ui.local_numbers(
            pd.DataFrame(kfold["folds"]), percents={"accuracy": 2}, numbers={"train_size": 0, "test_size": 0}
        ),
        column_config={
            "fold": _("Fold"),
            "accuracy": _("Accuracy"),
            "train_size": _("Trained on"),
            "test_size": _("Tested on"),
        },
        hide_index=True,
        width=640,
    )
