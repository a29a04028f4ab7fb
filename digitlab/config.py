"""Constants shared by the app, training, benchmarks and tests: paths, geometry, thresholds, colours, state keys."""

import os
from pathlib import Path
from typing import NamedTuple

# Where things live
ROOT_DIR = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT_DIR / "model"
MODEL_PATH = MODEL_DIR / "digitlab_cnn.keras"
METADATA_PATH = MODEL_DIR / "metadata.json"
# A few MNIST test images per class, shown on the inside-the-network pages before anything is drawn.
SAMPLES_PATH = MODEL_DIR / "samples.npz"
# Predictions of the bundled model on the MNIST test set, and its misclassified images.
EVALUATION_PATH = MODEL_DIR / "evaluation.npz"
EVALUATION_SUMMARY_PATH = MODEL_DIR / "evaluation.json"
# The classic networks beside the bundled one (see digitlab.catalog): model/zoo/<name>.keras, <name>.json, ...
ZOO_DIR_NAME = "zoo"
# Drawn-digit accuracy and prediction time of every bundled model, written by `python -m bench --models`.
BENCHMARK_FILE_NAME = "benchmark.json"
KERAS_MNIST_PATH = Path.home() / ".keras" / "datasets" / "mnist.npz"
# The type of the words drawn into the app's pictures: Pillow's own font has no accented letters ("ativação" would
# show boxes), so a Latin subset of DejaVu Sans comes with the package, its licence beside it (no font is fetched).
FONT_PATH = ROOT_DIR / "digitlab" / "fonts" / "DejaVuSans-Latin.ttf"
# Beside the checkout: MNIST and the pen-drawn data sets (never committed here).
SHARED_DATA_DIR = ROOT_DIR.parent / "shared" / "data"
PENDIGITS_PATH = SHARED_DATA_DIR / "pendigits" / "pendigits-orig.tra"
UNIPEN_DIGITS_PATH = SHARED_DATA_DIR / "unipen-digits" / "unipen_1a_digits.ndjson.gz"
UNIPEN_NONDIGITS_PATH = SHARED_DATA_DIR / "nondigits" / "unipen_letters_symbols.ndjson.gz"
GESTURES_PATH = SHARED_DATA_DIR / "nondigits" / "gestures.ndjson.gz"
# What a class makes during a lesson, never committed: its SQLite database (unless .streamlit/secrets.toml names
# another) and the model fine-tuned on its drawings. $DIGITLAB_CLASSROOM_DIR moves it (the tests and the benchmark
# give each run its own).
CLASSROOM_DIR = Path(os.environ.get("DIGITLAB_CLASSROOM_DIR") or ROOT_DIR / "classroom-data")
CLASSROOM_DB_NAME = "classroom.sqlite"

# MNIST geometry (LeCun et al.): the digit fits a 20x20 box, centred by mass in 28x28.
IMAGE_SIZE = 28
DIGIT_BOX = 20
# Where MNIST's centre of mass sits, as pixel indices (row, column).
CENTRE_OF_MASS = (14.0, 14.0)
NUM_CLASSES = 10
# MNIST's median stroke width at 28x28, in pixels.
MNIST_STROKE_WIDTH = 2.5

# Ink detection: a pixel counts as ink when it differs from the background by this much (0..1).
INK_THRESHOLD = 0.1
# A drawing whose ink spans fewer pixels than this share of the canvas' short side is "too small".
MIN_INK_EXTENT = 0.08
# A stroke whose path spans no more than this many canvas pixels (nor its pen's width) is a tap: a click, or a
# finger that barely moved. Fixed rather than growing with the pen, so a small digit drawn with a thick pen is read.
TAP_SIDE = 8.0
# A pen this wide a share of the drawing's longest side closes loops and merges strokes.
THICK_PEN_SHARE = 0.25
# The draw page reads the canvas's strokes with a pen this share of the drawing's longest side (at least
# MIN_READING_PEN pixels, and never wider than the pen drawn with), so a small drawing keeps its loops open.
READING_PEN_SHARE = 0.04
MIN_READING_PEN = 3.0

# Canvas defaults: big enough for a finger, stroke width that maps to MNIST's ~2-3 px at 28x28.
CANVAS_SIZE = 280
DEFAULT_STROKE_WIDTH = 18
STROKE_WIDTH_RANGE = (6, 40)

# The width, in a laptop's pixels, of the QR code that takes a phone to the class.
QR_WIDTH = 320
# The widths, in a laptop's pixels, of the pages' pictures: the enlarged 28x28 pictures of `ui.show_image` (what the
# model sees, the network pages' input, the confusion matrix's examples), the class's drawings and the QR code. On a
# projector each grows with the type.
PICTURE_WIDTHS = (84, 140, 168, QR_WIDTH)

# Below this confidence the app says it is unsure instead of announcing a digit.
CONFIDENT_THRESHOLD = 0.6

# The Write a number page: a wide canvas (height, width) for a row of digits, and a pen thinner than the draw
# page's, as the digits are drawn smaller there.
NUMBER_CANVAS_SHAPE = (240, 840)
NUMBER_STROKE_WIDTH = 12
# A piece of a number less than this share of its tallest piece's height is a mark (a dot, a dash, a stray
# fragment of a digit), never a digit.
MARK_HEIGHT_SHARE = 0.4
# A mark before a number's first digit is its minus sign where it is a dash: one straight stroke across, at least
# MINUS_ASPECT times as wide as it is tall and no taller than MINUS_PENS pen widths (an "=" or a "~" is taller), at
# least MINUS_LENGTH of that digit's height long, at most MINUS_GAP of its height before it (less than half of the
# dash may reach over the digit's box, under the bar of a 7), and level with its middle: the dash's middle at
# least MINUS_LEVEL of the digit's height below its top and above its bottom. A dash lower down, higher up, far
# away or between digits stays a mark.
MINUS_ASPECT = 2.5
MINUS_PENS = 2.0
MINUS_LENGTH = 0.25
MINUS_GAP = 1.0
MINUS_LEVEL = 0.25
# Strokes of a number that do not touch are one digit when their ink overlaps horizontally by at least this share
# of the narrower one's width (a 7's crossbar, a 5's flag): a digit reaching a little under its neighbour is not.
MERGE_OVERLAP = 0.5
# Two groups of strokes that overlap less still make one digit where they do not stand on one line, as a number's
# digits do: where their heights overlap by less than this share of the height they span together.
LEVEL_OVERLAP = 0.6

# Theme: the accent marks the answer everywhere (charts, pictures, the big digit); .streamlit/config.toml's
# primaryColor must be the same colour (a test checks it).
ACCENT = "#e4572e"
MUTED = "#9aa5b1"
TEXT_COLOUR = "#111827"

# Session-state keys: the seam between the drawing page, the other pages and the tests.
STATE_IMAGE = "digit_image"  # float32 (28, 28) in [0, 1], or None
STATE_IMAGE_SOURCE = "digit_image_source"  # i18n.Deferred: what that image is, for the network pages; None: the drawing
STATE_CANVAS_RGBA = "canvas_rgba"  # uint8 (H, W, 4) as returned by the canvas, or None
STATE_CANVAS_JSON = "canvas_json"  # the canvas's fabric.js JSON (its strokes), or None
STATE_CANVAS_KEY = "canvas_key"  # int bumped to clear the canvas
# The Write a number page's canvas keeps its own drawing, under the same three kinds of key.
STATE_NUMBER_RGBA = "number_canvas_rgba"
STATE_NUMBER_JSON = "number_canvas_json"
STATE_NUMBER_KEY = "number_canvas_key"
STATE_NUMBER_PIECE = "number_piece"  # int: the piece of the written number shown inside the network


class CanvasKeys(NamedTuple):
    """The session-state keys of one drawing canvas: its picture, its JSON, and the int bumped to clear it."""

    rgba: str
    json: str
    clear: str


DRAW_CANVAS = CanvasKeys(STATE_CANVAS_RGBA, STATE_CANVAS_JSON, STATE_CANVAS_KEY)
NUMBER_CANVAS = CanvasKeys(STATE_NUMBER_RGBA, STATE_NUMBER_JSON, STATE_NUMBER_KEY)
STATE_SAMPLE = "sample_index"  # int: the MNIST sample shown inside the network when nothing is drawn
STATE_MODEL = "model_name"  # str: the model every page uses, "digitlab" (the bundled CNN) or a classic's name
STATE_STUDENT = "student_id"  # str: this browser's student in the class (a UUID), set when the join page opens
STATE_PROMPT = "student_prompt"  # int: the digit the student is asked to draw now
STATE_SEND_KEY = "send_key"  # str: the idempotency key of the drawing on the canvas (a double tap stores it once)
STATE_RESULT = "student_result"  # dict: what the model read in the student's last drawing, or None
STATE_LANGUAGE = "language"  # str: the session's language, a key of digitlab.i18n.languages()
STATE_TEACHER = "is_teacher"  # bool: this session has typed the teacher's key
STATE_LOOK_CLOSER = "class_drawing"  # int: the id of the class drawing enlarged on the Classroom page, or None


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """ "#e4572e" -> (228, 87, 46)."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
