"""The class's drawings in a SQL database, through SQLAlchemy: the schema and its versioned migrations, each drawing
stored exactly once, and the class read back.

Any SQLAlchemy engine works: the app's default is an SQLite file (in WAL mode, so the projector reads while phones
write), and a shared server such as PostgreSQL is named in `.streamlit/secrets.toml`. The app migrates the schema
itself when it first connects (`migrate`); nobody creates tables by hand. Database failures are raised as
`StorageError`, whose message says what happened and what to do, in words a teacher can act on.
"""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from digitlab.config import IMAGE_SIZE, NUM_CLASSES
from digitlab.i18n import N_, _, number

# Longest nickname kept, in characters; longer ones are cut, and the student is told.
NICKNAME_LIMIT = 24
# Largest canvas JSON stored with a drawing: a digit's strokes are a few kilobytes.
STROKES_LIMIT_BYTES = 256_000
# SQLite waits this long for another writer before giving up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000

metadata = sa.MetaData()
schema = sa.Table(
    "classroom_schema",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("migrated_at", sa.DateTime(timezone=True), nullable=False),
)
students = sa.Table(
    "classroom_students",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("nickname", sa.String(NICKNAME_LIMIT), nullable=False),
    sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
)
drawings = sa.Table(
    "classroom_drawings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # The idempotency key the page gave the drawing: sending it again (a double tap, a retry) stores nothing new.
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("student_id", sa.String(36), nullable=False, index=True),
    sa.Column("nickname", sa.String(NICKNAME_LIMIT), nullable=False),
    sa.Column("prompt", sa.SmallInteger, nullable=False),
    sa.Column("answer", sa.SmallInteger, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("probabilities", sa.JSON, nullable=False),
    # The 28x28 model input, float32 little-endian, row by row.
    sa.Column("image", sa.LargeBinary, nullable=False),
    sa.Column("strokes", sa.Text, nullable=True),
    sa.Column("model_name", sa.String(32), nullable=False),
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
settings = sa.Table(
    "classroom_settings",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
# Columns of `class_answers`: everything but the picture and the strokes, small enough to read every few seconds.
ANSWER_COLUMNS = ["id", "key", "student_id", "nickname", "prompt", "answer", "confidence", "model_name",
                  "model_sha256", "hidden", "created_at"]  # fmt: skip


class StorageError(RuntimeError):
    """The class's database failed; the message says what happened and what to do."""


@dataclass(frozen=True)
class Drawing:
    """One drawing a student sent, as the model read it."""

    key: str
    student_id: str
    nickname: str
    prompt: int
    image: np.ndarray  # float32 (28, 28) in [0, 1]: the model's input
    probabilities: np.ndarray  # float32 (10,) summing to 1
    model_name: str
    model_sha256: str
    strokes: dict | None = None  # the canvas's fabric.js JSON

    @property
    def answer(self) -> int:
        return int(np.argmax(self.probabilities))


@dataclass(frozen=True)
class Counts:
    """How many have joined, how many of them have drawn, and the drawings (hidden ones apart)."""

    joined: int
    drawers: int
    drawings: int
    hidden: int


# --- Connecting and migrating -----------------------------------------------------------------------------------


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of an SQLite file, its folder created: the app's default database."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def prepare(engine: Engine) -> int:
    """Make `engine` ready for a class: SQLite connections in WAL mode with a busy timeout, and the schema migrated
    to the newest version; returns that version. Raises StorageError."""
    if engine.dialect.name == "sqlite" and not sa.event.contains(engine, "connect", _sqlite_pragmas):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return migrate(engine)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the projector read while a phone writes; the busy timeout makes writers queue instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_tables(connection: Connection) -> None:
    """Version 1: the students, their drawings and the class's settings."""
    metadata.create_all(connection, tables=[students, drawings, settings])


# The schema's history: version N is reached by running MIGRATIONS[N - 1]. Append, never edit, a step.
MIGRATIONS: list[Callable[[Connection], None]] = [_create_tables]


def schema_version(connection: Connection) -> int:
    """The version the database's schema is at; 0 for a database the app has never used."""
    if not sa.inspect(connection).has_table(schema.name):
        return 0
    return connection.execute(sa.select(sa.func.max(schema.c.version))).scalar() or 0


def migrate(engine: Engine, migrations: list[Callable[[Connection], None]] | None = None) -> int:
    """Run the migrations the database has not had yet, each recorded with its version, in one transaction;
    returns the version now. Raises StorageError for a database made by a newer DigitLab."""
    migrations = MIGRATIONS if migrations is None else migrations
    with _storage(N_("prepare the class's database")), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two app servers starting at once on a shared database migrate one after the other.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(73726)"))
        metadata.create_all(connection, tables=[schema])
        version = schema_version(connection)
        if version > len(migrations):
            raise StorageError(
                _(
                    "The class's database has schema version {version}, newer than this DigitLab knows ({known}): "
                    "update DigitLab, or name another database in .streamlit/secrets.toml."
                ).format(version=version, known=len(migrations))
            )
        for number, step in enumerate(migrations[version:], start=version + 1):
            step(connection)
            connection.execute(sa.insert(schema).values(version=number, migrated_at=_now()))
        return len(migrations)


# --- Writing ----------------------------------------------------------------------------------------------------


def clean_nickname(text: str | None) -> tuple[str, bool]:
    """A nickname as typed -> (what is stored: printable, single-spaced, at most NICKNAME_LIMIT characters; True
    when it had to be shortened)."""
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(char if unicodedata.category(char)[0] != "C" else " " for char in text[: 4 * NICKNAME_LIMIT])
    text = re.sub(r"\s+", " ", text).strip()
    long = len(text) > NICKNAME_LIMIT
    return text[:NICKNAME_LIMIT].rstrip(), long


def join(engine: Engine, student_id: str, nickname: str = "") -> None:
    """Record that a student joined the class (or changed their nickname)."""
    rename = sa.update(students).where(students.c.id == student_id).values(nickname=nickname)
    with _storage(N_("record that you joined")):
        try:
            with engine.begin() as connection:
                if not connection.execute(rename).rowcount:
                    connection.execute(sa.insert(students).values(id=student_id, nickname=nickname, joined_at=_now()))
        except IntegrityError:  # the same student joined in another tab at that moment: theirs is the row to rename
            with engine.begin() as connection:
                connection.execute(rename)


def add_drawing(engine: Engine, drawing: Drawing) -> bool:
    """Store a drawing once: True when stored now, False when its key was stored before (a double tap, a retry).
    Raises StorageError."""
    row = {
        "key": drawing.key,
        "student_id": drawing.student_id,
        "nickname": drawing.nickname,
        "prompt": int(drawing.prompt),
        "answer": drawing.answer,
        "confidence": float(np.max(drawing.probabilities)),
        "probabilities": [round(float(p), 6) for p in drawing.probabilities],
        "image": encode_image(drawing.image),
        "strokes": encode_strokes(drawing.strokes),
        "model_name": drawing.model_name,
        "model_sha256": drawing.model_sha256,
        "hidden": False,
        "created_at": _now(),
    }
    with _storage(N_("save your drawing")):
        try:
            with engine.begin() as connection:
                connection.execute(sa.insert(drawings).values(**row))
            return True
        except IntegrityError:
            # The key's unique index refused it: stored before, unless the row itself was refused for another reason.
            with engine.connect() as connection:
                if connection.execute(sa.select(drawings.c.id).where(drawings.c.key == drawing.key)).first():
                    return False
            raise


def hide_drawing(engine: Engine, drawing_id: int, hidden: bool = True) -> None:
    """Hide a drawing from the projector, the class's numbers, the export and fine-tuning (or show it again)."""
    with _storage(N_("hide the drawing")), engine.begin() as connection:
        connection.execute(sa.update(drawings).where(drawings.c.id == int(drawing_id)).values(hidden=hidden))


def clear_class(engine: Engine) -> int:
    """Delete every drawing and student of the class (its settings stay); returns the drawings deleted."""
    with _storage(N_("clear the class")), engine.begin() as connection:
        deleted = connection.execute(sa.delete(drawings)).rowcount
        connection.execute(sa.delete(students))
        return deleted


def set_setting(engine: Engine, name: str, value: str) -> None:
    """Set one of the class's settings (e.g. the model it draws with)."""
    with _storage(N_("save the class's settings")), engine.begin() as connection:
        connection.execute(sa.delete(settings).where(settings.c.name == name))
        connection.execute(sa.insert(settings).values(name=name, value=value))


# --- Reading ----------------------------------------------------------------------------------------------------


def setting(engine: Engine, name: str, default: str | None = None) -> str | None:
    """One of the class's settings, or `default`."""
    with _storage(N_("read the class's settings")), engine.connect() as connection:
        value = connection.execute(sa.select(settings.c.value).where(settings.c.name == name)).scalar()
    return default if value is None else value


def counts(engine: Engine) -> Counts:
    """How many joined (or drew: a student who drew after the class was cleared counts too), drew, and drawings."""
    visible = sa.not_(drawings.c.hidden)
    everyone = sa.union(sa.select(students.c.id), sa.select(drawings.c.student_id)).subquery()
    with _storage(N_("count the class")), engine.connect() as connection:
        joined = connection.execute(sa.select(sa.func.count()).select_from(everyone)).scalar()
        drawers, shown, total = connection.execute(
            sa.select(
                sa.func.count(sa.distinct(drawings.c.student_id)),
                sa.func.count().filter(visible),
                sa.func.count(),
            )
        ).one()
    return Counts(joined=joined, drawers=drawers, drawings=shown, hidden=total - shown)


def prompt_counts(engine: Engine, student_id: str) -> tuple[np.ndarray, np.ndarray]:
    """How often each digit was asked of this student and of the whole class: (int (10,), int (10,))."""
    query = sa.select(
        drawings.c.prompt,
        sa.func.count().filter(drawings.c.student_id == student_id),
        sa.func.count(),
    ).group_by(drawings.c.prompt)
    own, everyone = np.zeros(NUM_CLASSES, int), np.zeros(NUM_CLASSES, int)
    with _storage(N_("pick your next digit")), engine.connect() as connection:
        for prompt, mine, total in connection.execute(query):
            if 0 <= prompt < NUM_CLASSES:
                own[prompt], everyone[prompt] = mine, total
    return own, everyone


def class_answers(engine: Engine, include_hidden: bool = False) -> pd.DataFrame:
    """One row per drawing (ANSWER_COLUMNS, oldest first), without pictures: what the projector counts."""
    query = sa.select(*(drawings.c[name] for name in ANSWER_COLUMNS)).order_by(drawings.c.id)
    if not include_hidden:
        query = query.where(sa.not_(drawings.c.hidden))
    with _storage(N_("read the class's drawings")), engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    return frame.astype({"id": int, "prompt": int, "answer": int, "confidence": float, "hidden": bool})


@dataclass(frozen=True)
class ClassPictures:
    """Drawings with what the model read: ids, float32 (N, 28, 28) images, float32 (N, 10) probabilities."""

    ids: np.ndarray
    keys: list[str]
    prompts: np.ndarray
    images: np.ndarray
    probabilities: np.ndarray
    strokes: list[dict | None]


def class_pictures(engine: Engine, ids: Iterable[int] | None = None, include_hidden: bool = False) -> ClassPictures:
    """The drawings with `ids` (default: all of the class), oldest first, with their pictures and probabilities."""
    query = sa.select(
        drawings.c.id, drawings.c.key, drawings.c.prompt, drawings.c.image, drawings.c.probabilities,
        drawings.c.strokes,
    ).order_by(drawings.c.id)  # fmt: skip
    if ids is not None:
        query = query.where(drawings.c.id.in_([int(i) for i in ids]))
    if not include_hidden:
        query = query.where(sa.not_(drawings.c.hidden))
    with _storage(N_("read the class's drawings")), engine.connect() as connection:
        rows = connection.execute(query).all()
    return ClassPictures(
        ids=np.array([row.id for row in rows], int),
        keys=[row.key for row in rows],
        prompts=np.array([row.prompt for row in rows], int),
        images=np.stack([decode_image(row.image) for row in rows]) if rows else np.zeros((0, 28, 28), np.float32),
        probabilities=np.array([row.probabilities for row in rows], np.float32).reshape(-1, NUM_CLASSES),
        strokes=[json.loads(row.strokes) if row.strokes else None for row in rows],
    )


# --- Encoding ---------------------------------------------------------------------------------------------------


def encode_image(image: np.ndarray) -> bytes:
    """float (28, 28) in [0, 1] -> 3,136 bytes (float32 little-endian): exactly what the model read."""
    image = np.asarray(image, dtype="<f4")
    if image.shape != (IMAGE_SIZE, IMAGE_SIZE) or not np.isfinite(image).all():
        raise ValueError(_("expected a finite (28, 28) image, got {shape}").format(shape=image.shape))
    return image.tobytes()


def decode_image(data: bytes) -> np.ndarray:
    """The bytes of `encode_image` -> float32 (28, 28)."""
    return np.frombuffer(data, dtype="<f4").reshape(IMAGE_SIZE, IMAGE_SIZE).astype(np.float32)


def encode_strokes(strokes: dict | None) -> str | None:
    """The canvas's JSON as compact text; ValueError when it is too large to be one drawing."""
    if strokes is None:
        return None
    text = json.dumps(strokes, separators=(",", ":"), allow_nan=False)
    if len(text) > STROKES_LIMIT_BYTES:
        raise ValueError(
            _("the drawing's strokes take {size} bytes, more than one digit needs").format(size=number(len(text)))
        )
    return text


# --- Errors -----------------------------------------------------------------------------------------------------


@contextmanager
def _storage(action: str) -> Iterator[None]:
    """Turn a database error inside the block into a StorageError that says what failed while doing `action`."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as error:
        raise StorageError(describe_error(error, action)) from error


def describe_error(error: SQLAlchemyError, action: str) -> str:
    """What a teacher or student can do about a database error met while trying to `action` (a phrase marked with
    `N_`), in the language of the script run now."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    lowered = text.lower()
    code = getattr(getattr(error, "orig", None), "sqlstate", None) or ""
    action = _(action)
    if "locked" in lowered or "busy" in lowered:
        message = _(
            "Could not {action}: the class's database is busy (another program holds a lock on it). Nothing was "
            "lost: try again in a moment."
        )
    elif "disk is full" in lowered or "disk full" in lowered or code == "53100" or "no space" in lowered:
        message = _(
            "Could not {action}: the disk that holds the class's database is full. The class's earlier drawings "
            "are safe; free some space on it, then try again."
        )
    elif "readonly" in lowered or "read-only" in lowered:
        message = _("Could not {action}: the class's database is read-only. Give the app write access to it.")
    elif "no such table" in lowered or code == "42P01":
        message = _(
            "Could not {action}: the class's database has lost its tables (was its file deleted or replaced?). "
            "Restart the app to set up a new one."
        )
    elif "unable to open" in lowered or isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        message = _(
            "Could not {action}: the class's database cannot be reached ({error}). Check that it exists and that "
            "its server is running (the address is in .streamlit/secrets.toml, or the SQLite file in "
            "classroom-data/)."
        )
    else:
        message = _("Could not {action}: the class's database failed ({kind}: {error}).")
    return message.format(action=action, error=text, kind=type(error).__name__)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
