"""What the projector shows: accuracy, confusion, hardest digits, misread drawings."""

import pandas as pd

from digitlab.classroom.stats import class_summary, hardest_digits, misread


def answers(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": range(1, len(pairs) + 1), "prompt": [p for p, _ in pairs], "answer": [a for _, a in pairs]}
    )


def test_no_drawings_have_no_summary():
    assert class_summary(answers([])) is None


def test_the_confusion_matrix_has_prompts_as_rows_and_answers_as_columns():
    summary = class_summary(answers([(7, 1), (7, 7), (3, 3)]))
    assert summary["accuracy"] == 2 / 3
    assert summary["confusion_matrix"][7][1] == 1 and summary["confusion_matrix"][1][7] == 0


def test_the_hardest_digits_come_worst_first_with_what_they_are_read_as():
    pairs = [(7, 1)] * 3 + [(7, 7)] + [(4, 9)] * 2 + [(4, 4)] * 2 + [(1, 1)] * 4 + [(2, 3)] * 2
    hardest = hardest_digits(class_summary(answers(pairs)))
    assert [row["digit"] for row in hardest] == [7, 4]  # 2 is drawn too rarely to judge; 1 is always right
    assert hardest[0] == {"digit": 7, "accuracy": 0.25, "drawn": 4, "read_as": 1}


def test_misread_drawings_are_the_wrong_ones_newest_first():
    frame = misread(answers([(1, 7), (2, 2), (3, 8), (4, 9)]), limit=2)
    assert list(frame.prompt) == [4, 3]
