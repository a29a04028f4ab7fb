"""Shared fixtures and helpers: synthetic canvases, a small untrained model, pages under AppTest, and the real app
in headless Chromium."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw
from scipy import ndimage
from streamlit.testing.v1 import AppTest

from bench import browser
from digitlab import config, i18n
from digitlab.catalog import CLASSICS
from digitlab.config import DRAW_CANVAS, ROOT_DIR, CanvasKeys
from digitlab.drawing import Stroke, canvas_strokes, pencil_json, stroke_picture
from digitlab.drawn.unipen import writer_split

APP = ROOT_DIR / "app.py"
PAGES = {path.stem.split("_", 1)[1]: path for path in sorted((ROOT_DIR / "app_pages").glob("[0-9]*_*.py"))}
# Every element whose text a test reads off a page.
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error")


def run_page(path: str | Path = APP, secrets: dict | None = None, **state) -> AppTest:
    """Run a page script once under AppTest with `state` in its session state (keys of digitlab.config) and
    `secrets` as its st.secrets."""
    app = AppTest.from_file(str(path), default_timeout=120)
    app.secrets.update(secrets or {})
    for key, value in state.items():
        app.session_state[key] = value
    return app.run()


def texts(app: AppTest) -> str:
    """Every text a page shows, joined with spaces."""
    return " ".join(element.value for name in TEXT_ELEMENTS for element in getattr(app, name))


def in_language(message: str, language: str) -> str:
    """An English text of the app as a session speaking `language` shows it."""
    with i18n.speaking(language):
        return i18n._(message)


def drawing_state(strokes: list[Stroke], shape: tuple[int, int] = (280, 280), keys: CanvasKeys = DRAW_CANVAS) -> dict:
    """The session state of a canvas of `shape` on which `strokes` (pointer paths) were drawn with its pencil: its
    picture and its JSON, as `digitlab.ui.drawing_canvas` stores them under `keys`."""
    json_data = pencil_json(strokes)
    return {keys.rgba: stroke_picture(canvas_strokes(json_data), shape), keys.json: json_data}


def ellipse(centre: tuple[float, float], radii: tuple[float, float], points: int = 40) -> np.ndarray:
    """float (points, 2): a closed ellipse, as a pointer would go round it."""
    turn = np.linspace(0, 2 * np.pi, points)
    return np.stack([centre[0] + radii[0] * np.cos(turn), centre[1] + radii[1] * np.sin(turn)], axis=1)


def polyline(*corners: tuple[float, float], spacing: float = 4.0) -> np.ndarray:
    """float (n, 2): a pointer going straight from corner to corner, reported about `spacing` pixels apart."""
    parts = [
        np.linspace(start, end, max(2, int(np.hypot(*np.subtract(end, start)) / spacing)))[:-1]
        for start, end in itertools.pairwise(corners)
    ]
    return np.vstack([*parts, corners[-1:]])


# A few digits as pointer paths in a box 100 wide and 160 tall, one array per stroke: the 4 in two strokes that
# cross, the 5 with its flag drawn last, the 7 with a crossbar.
DIGIT_PATHS = {
    "0": [ellipse((50, 80), (40, 76))],
    "1": [polyline((62, 4), (50, 156))],
    "4": [polyline((60, 4), (8, 110), (96, 110)), polyline((70, 50), (70, 156))],
    "5": [polyline((20, 6), (14, 70), (70, 66), (92, 110), (60, 154), (10, 140)), polyline((20, 6), (90, 6))],
    "7": [polyline((6, 8), (94, 8), (36, 156)), polyline((30, 82), (86, 82))],
}


def number_paths(text: str, left: float = 40, top: float = 40, pitch: float = 150, width: float = 12) -> list[Stroke]:
    """The pointer paths of `text` written with DIGIT_PATHS, one digit every `pitch` pixels from `left`."""
    return [
        Stroke(path + (left + index * pitch, top), width)
        for index, character in enumerate(text)
        for path in DIGIT_PATHS[character]
    ]


def make_canvas(
    size: tuple[int, int] = (280, 280),
    box: tuple[float, float, float, float] = (0.3, 0.2, 0.7, 0.8),
    width: int = 18,
    ink: tuple[int, int, int] = (0, 0, 0),
    background: tuple[int, int, int, int] = (255, 255, 255, 255),
    shape: str = "seven",
) -> np.ndarray:
    """A uint8 (H, W, 4) canvas with a digit-like stroke drawn in `box` (left, top, right, bottom as shares)."""
    w, h = size
    left, top, right, bottom = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    image = Image.new("RGBA", size, background)
    pen = ImageDraw.Draw(image)
    colour = (*ink, 255)
    if shape == "seven":
        points = [(left, top), (right, top), (left + (right - left) * 0.3, bottom)]
    elif shape == "one":
        points = [((left + right) / 2, top), ((left + right) / 2, bottom)]
    elif shape == "zero":
        pen.ellipse((left, top, right, bottom), outline=colour, width=width)
        return np.asarray(image)
    else:
        raise ValueError(shape)
    pen.line(points, fill=colour, width=width, joint="curve")
    for x, y in points:  # round caps, like a canvas brush
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=colour)
    return np.asarray(image)


def hole_area(images: np.ndarray) -> int:
    """Pixels enclosed by the ink of float (N, 28, 28) digits: the inside of their loops, 0 when all are closed up."""
    return int(sum((ndimage.binary_fill_holes(ink) & ~ink).sum() for ink in images > 0.5))


# The conv and pool layers of the bundled architecture, in model order.
CONV_AND_POOL = ["conv_1", "conv_2", "pool_1", "conv_3", "conv_4", "pool_2"]


@pytest.fixture(scope="module")
def digit_image():
    """A float32 (28, 28) image with a bright diagonal stroke and a bar, values in [0, 1]."""
    image = np.zeros((28, 28), dtype=np.float32)
    for i in range(6, 22):
        image[i, 28 - i - 2 : 28 - i + 1] = 1.0
    image[6:9, 8:20] = 0.8
    return image


def numpy_max_pool_2x2(feature_maps: np.ndarray) -> np.ndarray:
    """Reference 2x2, stride-2 max pooling of (h, w, c), written with explicit loops."""
    height, width, channels = feature_maps.shape
    pooled = np.zeros((height // 2, width // 2, channels), dtype=feature_maps.dtype)
    for row in range(height // 2):
        for col in range(width // 2):
            pooled[row, col] = feature_maps[2 * row : 2 * row + 2, 2 * col : 2 * col + 2].max(axis=(0, 1))
    return pooled


@pytest.fixture
def canvas_factory():
    return make_canvas


@pytest.fixture(scope="session")
def tiny_model():
    """The real architecture, untrained: enough to check shapes and contracts quickly."""
    import keras

    from digitlab.model import build_model

    keras.utils.set_random_seed(0)
    return build_model()


class AlwaysHealthy(BaseHTTPRequestHandler):
    """A server that is not the app: every request is answered 200, with nothing in it."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def healthy_server() -> Iterator[int]:
    """A server on localhost, answering every request with 200 (`AlwaysHealthy`), in a thread; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), AlwaysHealthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report ends with what each app server running then last wrote: an error on the
    server (a traceback, a file that was not found) is often the cause of what the page showed."""
    report = yield
    if report.failed and item.get_closest_marker("browser"):
        for pid, tail in browser.server_log_tails().items():
            report.sections.append((f"app server {pid}, its last lines", tail))
    return report


@pytest.fixture(scope="session")
def app_url():
    """The real app served by `streamlit run app.py` on a free localhost port."""
    with browser.running_app() as (url, _process):
        yield url


@pytest.fixture(scope="session")
def chromium_browser():
    with browser.chromium() as chromium:
        yield chromium


@pytest.fixture
def new_context(chromium_browser):
    """Opens browser contexts (Playwright's options) that close when the test ends: a page left open goes on polling
    its server, and retrying it once the server has stopped, through the tests that follow."""
    opened = []

    def open_context(**options):
        opened.append(chromium_browser.new_context(**options))
        return opened[-1]

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context(viewport={"width": 1400, "height": 1100}).new_page()


@pytest.fixture(scope="session")
def synthetic_mnist(tmp_path_factory):
    """500 learnable MNIST-shaped images in the Keras npz layout: a bar whose position encodes the label."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("synthetic") / "mnist-synthetic.npz"
    x = np.zeros((500, 28, 28), np.uint8)
    y = rng.integers(0, 10, 500).astype(np.uint8)
    for image, label in zip(x, y, strict=True):
        image[4:24, 2 + 2 * label : 4 + 2 * label] = 255
    np.savez(path, x_train=x[:400], y_train=y[:400], x_test=x[400:], y_test=y[400:])
    return path


@pytest.fixture(scope="session")
def trained_zoo(tmp_path_factory, synthetic_mnist):
    """A model folder whose zoo/ holds every classic network after one epoch on 400 synthetic digits."""
    # Imported here, not at the top: train.py picks TensorFlow for the process if it is imported before Keras,
    # and the app's tests must run on the JAX backend it serves on.
    import train

    model_dir = tmp_path_factory.mktemp("models")
    for name in CLASSICS:
        argv = ["--arch", name, "--data", str(synthetic_mnist), "--epochs", "1", "--output-dir", str(model_dir)]
        assert train.main([*argv, "--quiet"]) == 0, name
    return model_dir


def write_ndjson(path: Path, records) -> Path:
    """Records as the shared data folder stores pen drawings: gzip-compressed, one JSON object a line."""
    with gzip.open(path, "wt", encoding="utf-8") as lines:
        for record in records:
            lines.write(json.dumps(record) + "\n")
    return path


def writers_in(split: str, count: int) -> list[str]:
    """`count` writer keys that belong to `split`."""
    return [writer for writer in (f"test/w{index}" for index in range(1000)) if writer_split(writer) == split][:count]


@pytest.fixture
def tiny_handwriting(tmp_path, monkeypatch):
    """Small real-handwriting files in the shared folder's formats, where training looks for them: ten digits
    and a letter of each of 3 training, 2 validation and 2 test writers, and a gesture."""
    rng = np.random.default_rng(0)
    seven = [[0, 0], [40, 0], [15, 60]]
    writers = writers_in("train", 3) + writers_in("validation", 2) + writers_in("test", 2)
    digits = [
        {
            "label": label,
            "writer": writer,
            "source": "x",
            "strokes": [(np.array(seven) + rng.normal(0, 2, (3, 2))).tolist()],
        }
        for writer in writers
        for label in range(10)
    ]
    letters = [
        {
            "label": "A",
            "category": "1b",
            "writer": writer,
            "strokes": [[[0, 60], [20, 0], [40, 60]], [[8, 35], [32, 35]]],
        }
        for writer in writers
    ]
    gestures = [{"name": "star", "subject": "user1", "points": [[0, 0], [5, 9], [9, 0], [0, 6], [9, 6], [0, 0]]}]
    monkeypatch.setattr(config, "UNIPEN_DIGITS_PATH", write_ndjson(tmp_path / "digits.ndjson.gz", digits))
    monkeypatch.setattr(config, "UNIPEN_NONDIGITS_PATH", write_ndjson(tmp_path / "letters.ndjson.gz", letters))
    monkeypatch.setattr(config, "GESTURES_PATH", write_ndjson(tmp_path / "gestures.ndjson.gz", gestures))
    return tmp_path


# --- Databases of a class ---------------------------------------------------------------------------------------

POSTGRES_MISSING = "PostgreSQL is not installed (`apt-get install postgresql`): its storage tests need a real server"


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl): on PATH, else Debian's, newest first."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster listening only on a Unix socket; yields the URL of its server (no database).

    Skips where PostgreSQL is not installed, except under CI, which installs it and must run these tests.
    """
    folder = postgres_bin()
    if folder is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(POSTGRES_MISSING)
    root = Path(tempfile.mkdtemp(prefix="digitlab-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: the cluster runs as Debian's postgres user
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    subprocess.run([*run_as, folder / "initdb", "-D", data, "-U", "digitlab", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-k {root} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    subprocess.run([*run_as, folder / "pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://digitlab@/{{database}}?host={root}"
    finally:
        subprocess.run([*run_as, folder / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fresh_postgres_database(server_url: str) -> str:
    """A new empty database on the throwaway server; returns its URL."""
    name = f"class_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url.format(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.format(database=name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The URL of an empty database of each kind the app supports: an SQLite file, and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classroom.sqlite'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def class_engine(database_url):
    """A SQLAlchemy engine on an empty database of each kind, prepared for a class (schema migrated)."""
    from digitlab.classroom import store

    engine = sa.create_engine(database_url)
    store.prepare(engine)
    yield engine
    engine.dispose()


def class_drawing(prompt: int = 7, answer: int | None = None, student: str = "s1", key: str | None = None,
                  nickname: str = "Ada", confidence: float = 0.9):  # fmt: skip
    """A `store.Drawing` asked as `prompt` and read as `answer` (default: right) with `confidence`."""
    from digitlab.classroom import store

    answer = prompt if answer is None else answer
    probabilities = np.full(10, (1 - confidence) / 9, np.float32)
    probabilities[answer] = confidence
    image = np.zeros((28, 28), np.float32)
    image[6:22, 10 + prompt % 5 : 14 + prompt % 5] = 1.0
    return store.Drawing(
        key=key or uuid.uuid4().hex, student_id=student, nickname=nickname, prompt=prompt, image=image,
        probabilities=probabilities, model_name="digitlab", model_sha256="0" * 64,
        strokes={"version": "7.4.0", "objects": []},
    )  # fmt: skip
