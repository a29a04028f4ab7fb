"""How good is the model: confusion matrix, per-class metrics and mistakes on the MNIST test set."""

import pandas as pd
import streamlit as st

from digitlab import catalog, charts, ui
from digitlab.evaluate import REGENERATE_COMMAND, cell_examples, confusion_frame, describe_mismatch
from digitlab.i18n import N_

ui.start_page(N_("Confusion matrix"), N_("Confusion matrix"), ":material/grid_on:")
files = ui.model_selector()
st.caption(
    f"How **{files.title}** does on the MNIST test images: handwritten digits it never saw while it was trained."
)

# The bundled model's artifacts come from `python -m digitlab.evaluate --write`; a classic network's from train.py.
command = REGENERATE_COMMAND if files.name == catalog.BUNDLED else files.train_command
if files.name != catalog.BUNDLED and not (files.evaluation.is_file() and files.evaluation_summary.is_file()):
    st.info(
        f"**No evaluation of {files.title} to show yet.** `{command}` trains it and writes its evaluation "
        f"({files.evaluation.name}, {files.evaluation_summary.name}).",
        icon=":material/grid_on:",
    )
    st.stop()
evaluation = ui.require_evaluation(files.evaluation, files.evaluation_summary)
summary = evaluation.summary
mismatch = describe_mismatch(summary, files.model)
if mismatch:
    st.warning(
        f"**These results don't match the model the app uses.** {mismatch} Regenerate them with `{command}`.",
        icon=":material/warning:",
    )

# The headline numbers
kfold = (ui.selected_metadata() or {}).get("kfold")
accuracy_column, correct_column, kfold_column = st.columns(3)
accuracy_column.metric("Test accuracy", f"{summary['accuracy']:.2%}", help="Share of test images classified correctly.")
correct_column.metric("Correct", f"{summary['correct']:,} of {summary['test_size']:,}")
if kfold:
    kfold_column.metric(
        f"{kfold['k']}-fold cross-validation",
        f"{kfold['mean_accuracy']:.2%} ± {kfold['std_accuracy']:.2%}",
        help="Mean ± standard deviation of accuracy over the folds of the training set (see below).",
    )

# The heatmap, and the images in the selected cell (picked first: a click on the chart moves the pickers)
chart_column, cell_column = st.columns([3, 2], gap="large")
matrix = summary["confusion_matrix"]
pairs = summary["confused_pairs"]
with cell_column:
    true, predicted = ui.digit_pair_picker(default=(pairs[0]["true"], pairs[0]["predicted"]) if pairs else (0, 0))

with chart_column:
    normalised = st.toggle("Row-normalised: % of each true digit", key="normalised")
    st.altair_chart(
        charts.confusion_chart(confusion_frame(matrix, normalised), (true, predicted), normalised),
        on_select="rerun",
        key=ui.confusion_chart_key(),
        width="stretch",
    )
    st.caption(
        "Rows are the true digit, columns what the model said. Blue: correct (the diagonal); red: mistakes, "
        "darker for more. Click a cell, or pick it on the right, to see its images."
    )

with cell_column:
    examples = cell_examples(evaluation, true, predicted)
    count = matrix[true][predicted]
    if true == predicted:
        st.markdown(
            f"**{count:,}** test images of a {true} were recognised correctly. "
            f"Here are {len(examples)} of them, most confident first."
        )
    else:
        st.markdown(f"**{count:,}** test images of a {true} were taken for a {predicted}, most confident first.")
    if examples.empty:
        st.info("No test images in this cell.", icon=":material/check_circle:")
    else:
        st.caption("Under each image: true digit → predicted digit, and the model's confidence.")
        ui.show_examples(examples, per_row=4)
        if len(examples) > 24:
            st.caption(f"Showing 24 of {len(examples):,}.")

# Per-class metrics
st.subheader("Per digit: precision, recall, F1")
st.markdown(
    "- **Recall** (sensitivity): of all the true 3s, the share the model called 3.\n"
    "- **Precision** (purity): of everything the model called 3, the share that really is a 3.\n"
    "- **F1** (F-score): the harmonic mean of the two, high only when both are.  **Support**: test images of the digit."
)
metrics_column, pairs_column = st.columns([3, 2], gap="large")
per_class = pd.DataFrame(summary["per_class"]).set_index("digit")  # shown in percent
with metrics_column:
    st.dataframe(
        per_class.assign(**{name: 100 * per_class[name] for name in ("precision", "recall", "f1")}),
        column_config={
            "digit": "Digit",
            "precision": st.column_config.NumberColumn("Precision", format="%.2f%%"),
            "recall": st.column_config.NumberColumn("Recall", format="%.2f%%"),
            "f1": st.column_config.NumberColumn("F1", format="%.2f%%"),
            "support": "Support",
        },
        width="stretch",
    )
    macro = summary["macro_avg"]
    st.caption(
        f"Averages over the ten digits: precision {macro['precision']:.2%}, recall {macro['recall']:.2%}, "
        f"F1 {macro['f1']:.2%}."
    )

with pairs_column:
    st.markdown("**Most confused pairs**")
    if pairs:
        st.dataframe(
            pd.DataFrame(pairs),
            column_config={"true": "True digit", "predicted": "Predicted", "count": "Images"},
            hide_index=True,
            width="stretch",
        )
    else:
        st.info("The model made no mistakes on the test set.")

# Cross-validation, when train.py --kfold has been run
if kfold:
    epochs = kfold["settings"]["epochs"]
    st.subheader(f"{kfold['k']}-fold cross-validation")
    st.caption(
        f"Stratified {kfold['k']}-fold cross-validation on {kfold['images']:,} training images: each fold trains "
        f"a fresh model with the same recipe ({epochs} epoch{'s' if epochs != 1 else ''}) and tests it on the part it "
        "did not see."
    )
    st.dataframe(
        pd.DataFrame(kfold["folds"]).assign(accuracy=lambda folds: 100 * folds["accuracy"]),
        column_config={
            "fold": "Fold",
            "accuracy": st.column_config.NumberColumn("Accuracy", format="%.2f%%"),
            "train_size": "Trained on",
            "test_size": "Tested on",
        },
        hide_index=True,
        width=640,
    )
