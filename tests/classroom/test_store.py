"""The class's database, on SQLite and on a real PostgreSQL: migrations, exactly-once storage, counts, clear
messages when the database fails."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest
import sqlalchemy as sa

from digitlab.classroom import store
from tests.conftest import class_drawing


def test_a_new_database_is_migrated_to_the_newest_version(class_engine):
    with class_engine.connect() as connection:
        assert store.schema_version(connection) == len(store.MIGRATIONS)
        tables = set(sa.inspect(connection).get_table_names())
    assert {"classroom_schema", "classroom_students", "classroom_drawings", "classroom_settings"} <= tables


def test_preparing_again_keeps_the_class(class_engine, database_url):
    store.add_drawing(class_engine, class_drawing())
    restarted = sa.create_engine(database_url)  # as the app does after a restart
    assert store.prepare(restarted) == len(store.MIGRATIONS)
    assert store.counts(restarted).drawings == 1
    restarted.dispose()


def test_only_the_migrations_a_database_lacks_are_run(class_engine):
    ran = []
    later = [*store.MIGRATIONS, lambda connection: ran.append(store.schema_version(connection))]
    assert store.migrate(class_engine, later) == len(later)
    assert store.migrate(class_engine, later) == len(later)
    assert ran == [len(store.MIGRATIONS)]  # once, on top of the version the database had


def test_a_database_of_a_newer_digitlab_is_refused_with_what_to_do(class_engine):
    with class_engine.begin() as connection:
        connection.execute(sa.insert(store.schema).values(version=99, migrated_at=store._now()))
    with pytest.raises(store.StorageError, match="schema version 99, newer than this DigitLab knows"):
        store.migrate(class_engine)


def test_a_drawing_is_stored_with_everything_the_model_read(class_engine):
    drawing = class_drawing(prompt=4, answer=9, confidence=0.7, nickname="<b>Zoë</b>")
    assert store.add_drawing(class_engine, drawing) is True

    answers = store.class_answers(class_engine)
    row = answers.iloc[0]
    assert (row.prompt, row.answer, row.nickname, row.model_name) == (4, 9, "<b>Zoë</b>", "digitlab")
    assert row.confidence == pytest.approx(0.7) and row.model_sha256 == "0" * 64 and row.created_at is not None
    pictures = store.class_pictures(class_engine)
    np.testing.assert_array_equal(pictures.images[0], drawing.image)  # bit for bit what the model read
    np.testing.assert_allclose(pictures.probabilities[0], drawing.probabilities, atol=1e-6)
    assert pictures.strokes[0] == drawing.strokes and pictures.keys == [drawing.key]


def test_sending_the_same_drawing_twice_stores_it_once(class_engine):
    drawing = class_drawing(key="tap-tap")
    assert store.add_drawing(class_engine, drawing) is True
    assert store.add_drawing(class_engine, drawing) is False
    assert store.counts(class_engine).drawings == 1


def test_thirty_students_double_tapping_at_once_lose_nothing_and_store_nothing_twice(class_engine):
    sent = [class_drawing(prompt=index % 10, student=f"s{index}", key=f"key-{index}") for index in range(30)]
    start, results, errors = threading.Barrier(60), [], []

    def send(drawing):
        start.wait()
        try:
            results.append(store.add_drawing(class_engine, drawing))
        except Exception as error:  # recorded: the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=send, args=(drawing,)) for drawing in sent for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False] * 30 + [True] * 30
    assert sorted(store.class_answers(class_engine).key) == sorted(drawing.key for drawing in sent)


def test_counts_say_who_joined_who_drew_and_how_many_drawings(class_engine):
    store.join(class_engine, "s1", "Ada")
    store.join(class_engine, "s2", "")
    store.join(class_engine, "s2", "Bo")  # a new nickname is not a new student
    for prompt in (1, 2):
        store.add_drawing(class_engine, class_drawing(prompt=prompt, student="s1"))
    store.add_drawing(class_engine, class_drawing(student="s3"))  # drew after the class was cleared: counts too
    assert store.counts(class_engine) == store.Counts(joined=3, drawers=2, drawings=3, hidden=0)


def test_a_hidden_drawing_leaves_the_class_numbers_and_can_come_back(class_engine):
    for prompt in (1, 2):
        store.add_drawing(class_engine, class_drawing(prompt=prompt))
    first = int(store.class_answers(class_engine).id.iloc[0])
    store.hide_drawing(class_engine, first)
    assert store.counts(class_engine).drawings == 1 and store.counts(class_engine).hidden == 1
    assert list(store.class_answers(class_engine).prompt) == [2]
    assert len(store.class_pictures(class_engine).ids) == 1
    assert len(store.class_answers(class_engine, include_hidden=True)) == 2
    store.hide_drawing(class_engine, first, hidden=False)
    assert store.counts(class_engine).drawings == 2


def test_clearing_the_class_deletes_its_drawings_and_students_but_not_its_settings(class_engine):
    store.join(class_engine, "s1", "Ada")
    store.add_drawing(class_engine, class_drawing())
    store.set_setting(class_engine, "model", "class")
    assert store.clear_class(class_engine) == 1
    assert store.counts(class_engine) == store.Counts(0, 0, 0, 0)
    assert store.setting(class_engine, "model") == "class"


def test_a_setting_is_replaced_not_added(class_engine):
    assert store.setting(class_engine, "model", "digitlab") == "digitlab"
    store.set_setting(class_engine, "model", "class")
    store.set_setting(class_engine, "model", "digitlab")
    assert store.setting(class_engine, "model") == "digitlab"


def test_prompt_counts_are_the_students_own_and_the_classs(class_engine):
    for prompt, student in [(3, "s1"), (3, "s2"), (5, "s1"), (5, "s1")]:
        store.add_drawing(class_engine, class_drawing(prompt=prompt, student=student))
    own, everyone = store.prompt_counts(class_engine, "s1")
    assert own.tolist() == [0, 0, 0, 1, 0, 2, 0, 0, 0, 0]
    assert everyone.tolist() == [0, 0, 0, 2, 0, 2, 0, 0, 0, 0]


def test_a_nickname_is_cleaned_and_a_10_kb_one_is_cut_with_a_flag():
    assert store.clean_nickname("  Ada \t\n Lovelace\x00 ") == ("Ada Lovelace", False)
    assert store.clean_nickname(None) == ("", False)
    nickname, long = store.clean_nickname("x" * 10_000)
    assert nickname == "x" * store.NICKNAME_LIMIT and long
    assert store.clean_nickname("<b>Zoë</b>")[0] == "<b>Zoë</b>"  # kept as text: every page escapes it


def test_strokes_too_large_for_one_drawing_are_refused():
    with pytest.raises(ValueError, match="more than one digit needs"):
        store.encode_strokes({"objects": [{"path": [[0.5] * 100] * 1000}]})


def test_an_image_that_is_not_28x28_is_refused():
    with pytest.raises(ValueError, match=r"\(28, 28\)"):
        store.encode_image(np.zeros((14, 14)))


# --- SQLite: the app's default ----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = sa.create_engine(store.sqlite_url(tmp_path / "new" / "classroom.sqlite"))
    store.prepare(engine)
    yield engine
    engine.dispose()


def test_the_sqlite_file_and_its_folder_are_made_on_first_use_in_wal_mode(sqlite_engine, tmp_path):
    assert (tmp_path / "new" / "classroom.sqlite").is_file()
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_locked_database_says_so_and_loses_nothing(sqlite_engine, tmp_path, monkeypatch):
    store.add_drawing(sqlite_engine, class_drawing(key="before"))
    monkeypatch.setattr(store, "SQLITE_BUSY_TIMEOUT_MS", 50)
    sqlite_engine.dispose()  # new connections, with the short timeout
    locker = sqlite3.connect(tmp_path / "new" / "classroom.sqlite")
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(store.StorageError, match="busy .* Nothing was lost: try again"):
            store.add_drawing(sqlite_engine, class_drawing(key="during"))
    finally:
        locker.rollback()
        locker.close()
    assert store.add_drawing(sqlite_engine, class_drawing(key="during")) is True  # the retry is stored
    assert list(store.class_answers(sqlite_engine).key) == ["before", "during"]


def test_a_full_disk_says_so_and_keeps_the_earlier_drawings(sqlite_engine):
    store.add_drawing(sqlite_engine, class_drawing(key="before"))
    with sqlite_engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    # SQLite's own "database or disk is full", as on a full disk: the file may not grow by a page.
    sa.event.listen(sqlite_engine, "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count={pages}"))
    sqlite_engine.dispose()
    big = class_drawing(key="during")
    big = store.Drawing(**{**big.__dict__, "strokes": {"objects": ["x" * 200_000]}})
    with pytest.raises(store.StorageError, match="disk that holds the class's database is full"):
        store.add_drawing(sqlite_engine, big)
    assert list(store.class_answers(sqlite_engine).key) == ["before"]


def test_a_database_that_cannot_be_opened_says_where_to_look(tmp_path):
    (tmp_path / "file").write_text("")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'file' / 'classroom.sqlite'}")  # its folder is a file
    with pytest.raises(store.StorageError, match="cannot be reached .*secrets.toml"):
        store.prepare(engine)


def test_a_deleted_database_file_says_what_to_do(sqlite_engine):
    with sqlite_engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE classroom_drawings"))
    with pytest.raises(store.StorageError, match="lost its tables .* Restart the app"):
        store.add_drawing(sqlite_engine, class_drawing())


def test_an_unreachable_postgresql_server_says_so(tmp_path):
    engine = sa.create_engine(f"postgresql+psycopg://nobody@/class?host={tmp_path}&connect_timeout=2")
    with pytest.raises(store.StorageError, match="cannot be reached"):
        store.prepare(engine)
