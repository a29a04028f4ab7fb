"""Classroom mode under AppTest: the student's phone page and the projector's Classroom page, on a class database of
their own."""

from __future__ import annotations

import re
import sqlite3
import threading

import numpy as np
import pytest
import sqlalchemy as sa

from digitlab import catalog, config, i18n, ui
from digitlab.classroom import store
from digitlab.config import (
    STATE_CANVAS_JSON,
    STATE_CANVAS_RGBA,
    STATE_LANGUAGE,
    STATE_LOOK_CLOSER,
    STATE_PROMPT,
    STATE_SEND_KEY,
    STATE_TEACHER,
)
from digitlab.drawing import Stroke
from digitlab.provenance import write_json
from digitlab.training.classroom import FineTuneJob, ProgressCallback
from tests.conftest import ROOT_DIR, class_drawing, drawing_state, run_page, texts

STUDENT_PAGE = ROOT_DIR / "app_pages" / "Join_the_class.py"
CLASSROOM_PAGE = ROOT_DIR / "app_pages" / "8_Classroom.py"
KEY = "TEST-KEY9"
JOIN_URL = "http://192.168.1.20:8501/join"
SEVEN = [Stroke(np.array([[80.0, 60.0], [205.0, 60.0], [185.0, 110.0], [135.0, 230.0]]), 18)]


@pytest.fixture
def classroom(tmp_path, monkeypatch):
    """(secrets naming a fresh SQLite class database, the teacher's key and the join address; its engine)."""
    monkeypatch.setattr(config, "CLASSROOM_DIR", tmp_path / "class")  # where a fine-tuned model would go
    url = f"sqlite:///{tmp_path / 'classroom.sqlite'}"
    secrets = {"connections": {"classroom": {"url": url}}, "classroom": {"teacher_key": KEY, "join_url": JOIN_URL}}
    engine = sa.create_engine(url)
    store.prepare(engine)
    yield secrets, engine
    engine.dispose()


def send(app, strokes=SEVEN, prompt: int = 7, key: str | None = None):
    """Put `strokes` on the student page's canvas (asked for `prompt`) and press Send."""
    for name, value in drawing_state(strokes).items():
        app.session_state[name] = value
    app.session_state[STATE_PROMPT] = prompt
    if key:
        app.session_state[STATE_SEND_KEY] = key
    return press(app, "Send")


def press(app, label: str):
    """Click the button labelled `label` and rerun."""
    return next(button for button in app.button if button.label == label).click().run()


# --- The student's page -----------------------------------------------------------------------------------------


def test_a_student_joins_and_is_asked_for_a_digit(classroom):
    secrets, engine = classroom
    app = run_page(STUDENT_PAGE, secrets)
    assert not app.exception
    # The digit asked for is drawn at random: "Draw a <b>7</b>", "Draw an <b>8</b>".
    assert re.search(r"Draw an? <b>\d</b>", texts(app))
    assert store.counts(engine).joined == 1


def test_a_sent_drawing_is_stored_with_what_the_model_read_and_the_next_digit_is_asked(classroom):
    secrets, engine = classroom
    app = send(run_page(STUDENT_PAGE, secrets), prompt=7)
    assert not app.exception
    answers = store.class_answers(engine)
    assert len(answers) == 1 and answers.prompt[0] == 7 and answers.model_name[0] == catalog.BUNDLED
    assert answers.answer[0] == 7, texts(app)
    assert "You drew a 7: the model read a **7**" in texts(app)
    assert app.session_state[STATE_PROMPT] != 7  # the next digit
    assert app.session_state[STATE_CANVAS_JSON] is None  # and a fresh canvas
    stored = store.class_pictures(engine)
    assert stored.strokes[0]["objects"][0]["type"].lower() == "path" and stored.images[0].shape == (28, 28)


def test_a_double_tap_stores_the_drawing_once(classroom):
    secrets, engine = classroom
    app = send(run_page(STUDENT_PAGE, secrets), key="same-drawing")
    send(app, key="same-drawing")  # the second tap of the same drawing, under its key
    assert not app.exception
    assert store.counts(engine).drawings == 1


def test_sending_an_empty_canvas_asks_for_a_drawing_and_stores_nothing(classroom):
    secrets, engine = classroom
    app = run_page(STUDENT_PAGE, secrets)
    app = press(app, "Send")
    assert not app.exception
    assert "canvas is empty" in texts(app)
    assert store.counts(engine).drawings == 0


@pytest.mark.parametrize(
    "strokes",
    [
        [Stroke(np.array([[140.0, 140.0], [146.0, 147.0]]), 18)],
        [Stroke(np.array([[140.0, y]]), 18) for y in (90.0, 190.0)],
    ],
    ids=["a dot", "a colon"],
)
def test_taps_sent_get_a_hint_and_are_not_stored(classroom, strokes):
    """The model would read the colon as a 1: the student is asked to draw with lines, and nothing is sent."""
    secrets, engine = classroom
    app = send(run_page(STUDENT_PAGE, secrets), strokes=strokes)
    assert not app.exception
    assert "Dots alone are not a digit" in texts(app) and "the model read" not in texts(app)
    assert store.counts(engine).drawings == 0


def test_a_malformed_canvas_result_gets_a_clear_message(classroom):
    secrets, engine = classroom
    app = run_page(STUDENT_PAGE, secrets)
    app.session_state[STATE_CANVAS_JSON] = {"objects": [{"type": "path", "path": "nonsense"}]}
    app.session_state[STATE_CANVAS_RGBA] = np.zeros((3,), np.uint8)
    app = press(app, "Send")
    assert not app.exception
    assert "could not be read" in texts(app)
    assert store.counts(engine).drawings == 0


def test_a_10_kb_nickname_is_shortened_with_a_note_and_stored_as_text(classroom):
    secrets, engine = classroom
    app = run_page(STUDENT_PAGE, secrets)
    app.text_input(key="nickname_field").input("<b>" + "x" * 10_000).run()
    assert not app.exception
    assert "shortened" in texts(app)
    send(app)
    nickname = store.class_answers(engine).nickname[0]
    assert nickname == ("<b>" + "x" * 10_000)[: store.NICKNAME_LIMIT]


def test_a_locked_database_says_so_and_the_drawing_stays_to_send_again(classroom, monkeypatch):
    secrets, engine = classroom
    app = run_page(STUDENT_PAGE, secrets)
    monkeypatch.setattr(store, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = secrets["connections"]["classroom"]["url"].removeprefix("sqlite:///")
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        app = send(app, key="during-the-lock")
    finally:
        locker.rollback()
        locker.close()
    assert not app.exception
    assert "busy" in texts(app) and "try again" in texts(app)
    assert app.session_state[STATE_CANVAS_JSON] is not None  # still on the canvas
    app = press(app, "Send")
    assert store.counts(engine).drawings == 1


def test_a_full_disk_says_so_and_keeps_the_earlier_drawings(classroom, monkeypatch):
    secrets, engine = classroom
    app = send(run_page(STUDENT_PAGE, secrets))
    full = sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    def refuse(*_):
        raise store.StorageError(store.describe_error(full, "save your drawing"))

    monkeypatch.setattr(store, "add_drawing", refuse)
    app = send(app, prompt=3)
    assert not app.exception
    assert "disk that holds the class's database is full" in texts(app)
    assert store.counts(engine).drawings == 1


def test_a_missing_database_gets_a_clear_message(classroom, tmp_path):
    secrets, _ = classroom
    (tmp_path / "not-a-folder").write_text("")
    secrets["connections"]["classroom"]["url"] = f"sqlite:///{tmp_path / 'not-a-folder' / 'class.sqlite'}"
    app = run_page(STUDENT_PAGE, secrets)
    assert not app.exception
    assert "The class's database is not available" in texts(app) and "cannot be reached" in texts(app)


# --- The projector's page ---------------------------------------------------------------------------------------


def fill(engine, pairs):
    for prompt, answer in pairs:
        store.add_drawing(engine, class_drawing(prompt=prompt, answer=answer, student=f"s{prompt}"))


def metrics(app) -> dict:
    return {metric.label: metric.value for metric in app.metric}


def test_the_projector_shows_how_to_join_and_the_class_live(classroom):
    secrets, engine = classroom
    fill(engine, [(7, 1), (7, 1), (7, 7), (3, 3)])
    app = run_page(CLASSROOM_PAGE, secrets)
    assert not app.exception
    assert JOIN_URL in texts(app) and len(app.get("image")) >= 1  # the QR code
    assert metrics(app)["Drawings"] == "4" and metrics(app)["Class accuracy"] == "50%"
    assert "<b>7</b> 33% read right of 3, often read as a 1" in texts(app)
    assert "Drawings the model misread" in texts(app)


def test_the_hardest_digits_say_why_there_are_none_yet(classroom):
    secrets, engine = classroom
    fill(engine, [(7, 1), (7, 7), (3, 3)])
    assert "once the class has drawn it 3 times" in texts(run_page(CLASSROOM_PAGE, secrets))
    fill(engine, [(3, 3), (3, 3)])
    assert "every digit drawn at least 3 times was read right" in texts(run_page(CLASSROOM_PAGE, secrets))


def test_an_empty_class_is_told_how_it_starts(classroom):
    secrets, _ = classroom
    app = run_page(CLASSROOM_PAGE, secrets)
    assert not app.exception
    assert "No drawings yet" in texts(app) and metrics(app)["Joined"] == "0"


def test_the_teachers_buttons_need_the_key_and_the_key_is_never_on_the_page(classroom):
    secrets, _ = classroom
    app = run_page(CLASSROOM_PAGE, secrets)
    assert "Teach the model our handwriting" not in [button.label for button in app.button]
    app.text_input(key="_teacher_key").input("WRONG-KEY").run()
    assert "not the teacher's key" in texts(app) and not app.session_state[STATE_TEACHER]

    app.text_input(key="_teacher_key").input(KEY.lower()).run()
    assert not app.exception
    assert app.session_state[STATE_TEACHER]
    assert "Teach the model our handwriting" in [button.label for button in app.button]
    assert KEY not in str(app._tree) and KEY.lower() not in str(app._tree)


def test_the_teacher_hides_a_misread_drawing(classroom):
    secrets, engine = classroom
    fill(engine, [(4, 9), (2, 2)])
    wrong = int(store.class_answers(engine).id[0])
    app = run_page(CLASSROOM_PAGE, secrets, **{STATE_TEACHER: True, STATE_LOOK_CLOSER: wrong})
    assert "Asked for a 4, read as a 9" in texts(app)
    app = press(app, "Hide this drawing")
    assert not app.exception
    assert store.counts(engine).drawings == 1 and store.counts(engine).hidden == 1


def test_a_student_cannot_hide_a_drawing(classroom):
    secrets, engine = classroom
    fill(engine, [(4, 9)])
    app = run_page(CLASSROOM_PAGE, secrets, **{STATE_LOOK_CLOSER: int(store.class_answers(engine).id[0])})
    assert "Hide this drawing" not in [button.label for button in app.button]


def test_the_teacher_clears_the_class_after_confirming(classroom):
    secrets, engine = classroom
    fill(engine, [(1, 1), (2, 2)])
    store.hide_drawing(engine, int(store.class_answers(engine).id[0]))
    app = run_page(CLASSROOM_PAGE, secrets, **{STATE_TEACHER: True})
    clear = next(button for button in app.button if button.label == "Clear the class")
    assert clear.disabled
    assert app.checkbox[0].label == "Yes, delete all 2 drawings and nicknames"  # the hidden one goes too
    app.checkbox[0].check().run()
    app = press(app, "Clear the class")
    assert not app.exception
    assert store.counts(engine) == store.Counts(joined=0, drawers=0, drawings=0, hidden=0)
    # Unticked again: a new class is not cleared by one more click.
    assert not app.checkbox[0].value
    assert next(button for button in app.button if button.label == "Clear the class").disabled


def test_a_clear_the_database_refuses_says_so_and_keeps_the_box_ticked(classroom, monkeypatch):
    secrets, engine = classroom
    fill(engine, [(1, 1)])
    locked = sa.exc.OperationalError("DELETE", {}, sqlite3.OperationalError("database is locked"))

    def refuse(*_):
        raise store.StorageError(store.describe_error(locked, "clear the class"))

    monkeypatch.setattr(store, "clear_class", refuse)
    app = run_page(CLASSROOM_PAGE, secrets, **{STATE_TEACHER: True})
    app.checkbox[0].check().run()
    app = press(app, "Clear the class")
    assert not app.exception
    assert any("clear the class" in error.value for error in app.error)
    assert app.checkbox[0].value and store.counts(engine).drawings == 1


def test_the_teacher_can_download_the_class_data_set(classroom):
    secrets, engine = classroom
    fill(engine, [(1, 1)])
    app = run_page(CLASSROOM_PAGE, secrets, **{STATE_TEACHER: True})
    labels = [element.proto.label for element in app.get("download_button")]
    assert labels == ["Download the drawings (.npz)", "Download what was asked and answered (.csv)"]


def fine_tuned_files(tiny_model, held_back_id: int) -> catalog.ModelFiles:
    """A model 'fine-tuned on the class' as the job leaves it: the model file and its metadata."""
    files = catalog.model_files(catalog.CLASS)
    files.model.parent.mkdir(parents=True, exist_ok=True)
    tiny_model.save(files.model)
    summary = {"accuracy": 0.5, "confusion_matrix": np.eye(10, dtype=int).tolist()}
    write_json(files.metadata, {
        "test_accuracy": 0.99, "parent_test_accuracy": 0.995, "training_seconds": 42.0,
        "class": {"before": summary, "after": {**summary, "accuracy": 1.0}, "now_right_ids": [held_back_id],
                  "held_back": 2, "training_drawings": 30, "replay": 1500},
    })  # fmt: skip
    return files


def test_the_fine_tuned_model_is_shown_before_and_after_and_the_class_can_switch_to_it(classroom, tiny_model):
    secrets, engine = classroom
    fill(engine, [(4, 9), (2, 2)])
    files = fine_tuned_files(tiny_model, int(store.class_answers(engine).id[0]))
    app = run_page(CLASSROOM_PAGE, secrets, **{STATE_TEACHER: True})
    assert not app.exception
    assert "Before and after" in texts(app) and "Drawings it now reads right" in texts(app)
    assert catalog.CLASS in catalog.available_models()  # the sidebar's model selector lists it

    app = press(app, "Switch the class to it")
    assert store.setting(engine, "model") == catalog.CLASS
    assert "The class draws with **DigitLab CNN, fine-tuned on our class**" in texts(app)

    app = press(app, "Discard it")
    assert not app.exception
    assert store.setting(engine, "model") == catalog.BUNDLED and not files.model.exists()
    assert catalog.CLASS not in catalog.available_models()


def test_a_running_fine_tuning_shows_its_progress_in_each_sessions_language(classroom, monkeypatch):
    secrets, _engine = classroom
    job, release = FineTuneJob(), threading.Event()
    # A job halfway through, started by another session: a thread that runs until the test ends.
    job._thread = threading.Thread(target=release.wait, daemon=True)
    job._thread.start()
    monkeypatch.setattr(ui, "get_fine_tune_job", lambda: job)
    shown = {}
    try:
        i18n.set_language("pt_BR")  # the teacher who started it speaks Portuguese
        callback = ProgressCallback(job._report, steps=24)
        for batch in range(12):
            callback.on_train_batch_end(batch)
        for code in ("en", "pt_BR"):
            app = run_page(CLASSROOM_PAGE, secrets, **{STATE_TEACHER: True, STATE_LANGUAGE: code})
            assert not app.exception
            shown[code] = [bar.proto.text for bar in app.get("progress")]
    finally:
        release.set()
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    assert shown == {
        "en": ["Learning the class's handwriting: step 12"],
        "pt_BR": ["Aprendendo a letra da turma: passo 12"],
    }
