"""What the projector shows about the class: its accuracy, its confusion matrix (prompted digit x the model's
answer), the digits it writes that the model finds hardest, and the drawings the model misread."""

from __future__ import annotations

import numpy as np
import pandas as pd

from digitlab.evaluate import summarise

# A digit counts among the hardest only once the class has drawn it this often.
HARDEST_MINIMUM = 3
HARDEST_SHOWN = 3


def class_summary(answers: pd.DataFrame) -> dict | None:
    """`evaluate.summarise` of the class's drawings (rows of `store.class_answers`), the prompt as the true digit;
    None before anyone has drawn."""
    if answers.empty:
        return None
    return summarise(answers.prompt.to_numpy(), answers.answer.to_numpy())


def is_drawn_enough(per_class: dict, minimum: int = HARDEST_MINIMUM) -> bool:
    """True when the class has drawn a digit (a row of the summary's per_class) often enough to judge it."""
    return per_class["support"] >= minimum


def hardest_digits(summary: dict, top: int = HARDEST_SHOWN, minimum: int = HARDEST_MINIMUM) -> list[dict]:
    """The digits the model reads worst in the class's hand, worst first: {digit, accuracy, drawn, read_as} where
    read_as is its most common wrong answer (None when it has none). Only digits drawn at least `minimum` times."""
    matrix = np.asarray(summary["confusion_matrix"])
    rows = []
    for per_class in summary["per_class"]:
        if not is_drawn_enough(per_class, minimum):
            continue
        digit, drawn = per_class["digit"], per_class["support"]
        mistakes = matrix[digit].copy()
        mistakes[digit] = 0
        read_as = int(mistakes.argmax()) if mistakes.any() else None
        rows.append({"digit": digit, "accuracy": per_class["recall"], "drawn": drawn, "read_as": read_as})
    rows.sort(key=lambda row: (row["accuracy"], -row["drawn"]))
    return [row for row in rows if row["accuracy"] < 1.0][:top]


def misread(answers: pd.DataFrame, limit: int = 12) -> pd.DataFrame:
    """The class's latest drawings the model read as another digit than asked, newest first (at most `limit`)."""
    wrong = answers[answers.answer != answers.prompt]
    return wrong.sort_values("id", ascending=False).head(limit).reset_index(drop=True)
