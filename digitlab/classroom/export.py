"""The class's own data set: its drawings as an MNIST-format npz (the Keras layout `digitlab.data.load_mnist`
reads, so `python train.py --fine-tune --extra PATH` trains on it) and a CSV of what was asked and answered, written
for the spreadsheet of whoever downloads it.

A quarter of the drawings, chosen by their key (so a drawing never changes side as the class draws more), are held
back as the test split: fine-tuning never sees them, and the before/after comparison is measured on them.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd

from digitlab.classroom.store import ClassPictures
from digitlab.data import to_uint8
from digitlab.i18n import N_, _, decimal_symbol

# One drawing in this many is held back from fine-tuning.
HELD_BACK_EVERY = 4
# A spreadsheet runs a cell that starts with one of these as a formula: such text is written with a quote first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The CSV's columns and their headers, translated when the CSV is written.
CSV_COLUMNS = {
    "id": N_("drawing"),
    "created_at": N_("time (UTC)"),
    "nickname": N_("nickname"),
    "prompt": N_("asked"),
    "answer": N_("answered"),
    "confidence": N_("confidence"),
    "correct": N_("correct"),
    "held_back": N_("held back"),
    "model_name": N_("model"),
    "model_sha256": N_("model SHA-256"),
}


def is_held_back(key: str) -> bool:
    """True for the drawings kept out of fine-tuning to measure it on: one in HELD_BACK_EVERY, fixed by the key."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % HELD_BACK_EVERY == 0


def held_back_ids(pictures: ClassPictures) -> np.ndarray:
    """The ids of the drawings held back, in the order of the test split of `class_dataset`."""
    return pictures.ids[np.array([is_held_back(key) for key in pictures.keys], bool)]


def class_dataset(pictures: ClassPictures) -> dict[str, np.ndarray]:
    """The drawings as MNIST: x_train, x_test uint8 (N, 28, 28) as the model read them; y_train, y_test uint8
    prompted digits; the held-back drawings are the test split."""
    held = np.array([is_held_back(key) for key in pictures.keys], bool)
    images, labels = to_uint8(pictures.images), pictures.prompts.astype(np.uint8)
    return {"x_train": images[~held], "y_train": labels[~held], "x_test": images[held], "y_test": labels[held]}


def dataset_npz(pictures: ClassPictures) -> bytes:
    """`class_dataset` as the bytes of a compressed .npz file."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **class_dataset(pictures))
    return buffer.getvalue()


def answers_csv(answers: pd.DataFrame) -> bytes:
    """Rows of `store.class_answers` -> a CSV file, one line per drawing: when, who, what was asked and answered.

    It is written for a spreadsheet in the language of the script run now, which is what a teacher opens it with:
    headers and yes/no in that language, and its decimal symbol. Where that symbol is a comma, the columns are split
    by semicolons, as a spreadsheet set to such a language expects; a comma would put every column in the first. The
    UTF-8 starts with a byte-order mark, without which Excel reads a nickname like "João" in another encoding."""
    yes_no = {True: _("yes"), False: _("no")}
    decimal = decimal_symbol()
    frame = answers.assign(
        # SQLite gives the stored UTC times back without their zone and PostgreSQL with it: one format for both.
        created_at=pd.to_datetime(answers.created_at, utc=True).dt.strftime("%Y-%m-%d %H:%M:%S"),
        correct=(answers.prompt == answers.answer).map(yes_no),
        held_back=[yes_no[is_held_back(key)] for key in answers.key],
        confidence=answers.confidence.round(4),
        nickname=[safe_cell(name) for name in answers.nickname],
    )
    headers = {column: _(header) for column, header in CSV_COLUMNS.items()}
    text = (
        frame[list(CSV_COLUMNS)]
        .rename(columns=headers)
        .to_csv(index=False, sep=";" if decimal == "," else ",", decimal=decimal)
    )
    return text.encode("utf-8-sig")


def safe_cell(text: str) -> str:
    """Typed text as a spreadsheet shows it, never runs it: a leading formula character gets a quote before it."""
    return f"'{text}" if str(text).startswith(FORMULA_STARTS) else str(text)
