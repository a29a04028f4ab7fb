"""The class's data set: MNIST-format npz (readable by the training code), CSV, and the held-back split."""

import codecs
import datetime
import io
import uuid

import numpy as np
import pandas as pd

from digitlab import i18n
from digitlab.classroom import export, store
from digitlab.data import load_mnist
from tests.conftest import class_drawing


def test_about_a_quarter_of_drawings_are_held_back_and_always_the_same_ones():
    keys = [uuid.uuid4().hex for _ in range(2000)]
    held = [export.is_held_back(key) for key in keys]
    assert 0.2 < np.mean(held) < 0.3
    assert held == [export.is_held_back(key) for key in keys]


def test_the_npz_is_mnist_as_the_model_read_it_and_the_training_code_loads_it(class_engine, tmp_path):
    for index in range(12):
        store.add_drawing(class_engine, class_drawing(prompt=index % 10, key=f"k{index}"))
    pictures = store.class_pictures(class_engine)
    path = tmp_path / "class.npz"
    path.write_bytes(export.dataset_npz(pictures))

    (x_train, y_train), (x_test, y_test) = load_mnist(path)
    assert x_train.dtype == np.uint8 and x_train.shape[1:] == (28, 28)
    assert len(x_train) + len(x_test) == 12 and len(x_test) == sum(export.is_held_back(k) for k in pictures.keys)
    first = 0 if not export.is_held_back("k0") else None
    if first is not None:
        np.testing.assert_allclose(x_train[0] / 255, pictures.images[0], atol=1 / 255)
        assert y_train[0] == 0
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == sorted(pictures.prompts.tolist())


def read_csv(data: bytes, **options) -> pd.DataFrame:
    """The CSV as a spreadsheet reads it: UTF-8 announced by its byte-order mark."""
    assert data.startswith(codecs.BOM_UTF8)
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False, **options)


def test_the_csv_says_what_was_asked_and_answered_and_never_runs_a_nickname(class_engine, monkeypatch):
    stored = datetime.datetime(2026, 12, 7, 10, 0, 0, 700_000, tzinfo=datetime.UTC)
    monkeypatch.setattr(store, "_now", lambda: stored)
    store.add_drawing(class_engine, class_drawing(prompt=4, answer=9, nickname='=HYPERLINK("x")', confidence=0.91234))
    store.add_drawing(class_engine, class_drawing(prompt=2, nickname="<b>Ada</b>"))
    answers = store.class_answers(class_engine)
    frame = read_csv(export.answers_csv(answers))
    assert list(frame.columns) == [
        "drawing", "time (UTC)", "nickname", "asked", "answered", "confidence", "correct", "held back", "model",
        "model SHA-256",
    ]  # fmt: skip
    assert (
        list(frame.asked) == ["4", "2"] and list(frame.answered) == ["9", "2"] and list(frame.correct) == ["no", "yes"]
    )
    assert list(frame.confidence) == ["0.9123", "0.9"]
    assert list(frame.nickname) == ['\'=HYPERLINK("x")', "<b>Ada</b>"]
    # The same UTC time to the second from SQLite (which drops the zone) and PostgreSQL (which keeps it).
    assert list(frame["time (UTC)"]) == ["2026-12-07 10:00:00"] * 2


def test_the_csv_is_written_for_a_spreadsheet_in_the_teachers_language(class_engine):
    store.add_drawing(class_engine, class_drawing(prompt=4, answer=9, nickname="João; Zé", confidence=0.91234))
    store.add_drawing(class_engine, class_drawing(prompt=2, nickname="Ana"))
    answers = store.class_answers(class_engine)
    with i18n.speaking("pt-BR"):
        data = export.answers_csv(answers)
    # A spreadsheet set to Portuguese splits columns at semicolons: a comma is its decimal symbol.
    frame = read_csv(data, sep=";")
    assert list(frame.columns) == [
        "desenho", "hora (UTC)", "apelido", "pedido", "lido", "confiança", "certo", "separado", "modelo",
        "SHA-256 do modelo",
    ]  # fmt: skip
    assert list(frame.confiança) == ["0,9123", "0,9"] and list(frame.certo) == ["não", "sim"]
    assert list(frame.apelido) == ["João; Zé", "Ana"]  # quoted, so its semicolon splits nothing
    assert read_csv(export.answers_csv(answers.iloc[:0])).columns[0] == "drawing"  # an empty class: headers only
