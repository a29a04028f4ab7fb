"""The DigitLab CNN: its definition, loading the bundled file, and fast prediction."""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import keras
import numpy as np
from keras import layers

from digitlab.config import IMAGE_SIZE, METADATA_PATH, MODEL_PATH, NUM_CLASSES
from digitlab.i18n import _

# Large inputs are fed in slices of this many images to bound memory.
PREDICT_BATCH = 1024
# Channels of the bundled CNN's two conv-conv-pool stages.
FILTERS = (32, 64)
# One compiled predict step at a time in this process. On JAX, Keras's predict step donates the model's
# weight buffers and writes the new ones back after the call, so two sessions predicting at once (with
# the same model, or with a feature-map extractor sharing its weights) fail with "Buffer has been deleted
# or donated". A call is short, so taking turns costs nothing a person can see.
_PREDICT_LOCK = threading.Lock()
# The file each model was loaded from: what was written beside it (its nearest-digit index) belongs to it.
_SOURCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class ModelLoadError(RuntimeError):
    """The model file is missing or unreadable; the message says which file and how to get one (in the language of
    the script run that loaded it: a page shows it, a terminal gets English)."""


def build_model(name: str = "digitlab_cnn", filters: tuple[int, int] = FILTERS) -> keras.Model:
    """The bundled CNN: two conv-conv-pool stages of `filters` channels each, then a dense classifier.

    Convolutions carry their ReLU so each conv layer's output is its activation map, and each pool
    layer directly follows a conv layer. Batch normalisation sits between stages, where it speeds
    training without hiding what a conv or pool layer computes. `logits` -> `temperature` ->
    `probabilities` keeps the softmax separate so its confidence can be calibrated.
    """
    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1), name="image")
    first, second = filters
    x = layers.Conv2D(first, 3, activation="relu", name="conv_1")(inputs)
    x = layers.BatchNormalization(name="norm_1")(x)
    x = layers.Conv2D(first, 3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(2, name="pool_1")(x)
    x = layers.BatchNormalization(name="norm_2")(x)
    x = layers.Conv2D(second, 3, activation="relu", name="conv_3")(x)
    x = layers.BatchNormalization(name="norm_3")(x)
    x = layers.Conv2D(second, 3, activation="relu", name="conv_4")(x)
    x = layers.MaxPooling2D(2, name="pool_2")(x)
    x = layers.BatchNormalization(name="norm_4")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.4, name="dropout_1")(x)
    x = layers.Dense(256, activation="relu", name="dense_1")(x)
    x = layers.Dropout(0.4, name="dropout_2")(x)
    x = layers.Dense(NUM_CLASSES, name="logits")(x)
    x = layers.Rescaling(1.0, name="temperature")(x)
    outputs = layers.Softmax(name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def load_model(path: str | Path | None = None) -> keras.Model:
    """Load a `.keras` model, the bundled one when `path` is None; raises ModelLoadError with a fix."""
    path = Path(path) if path is not None else MODEL_PATH
    if not path.is_file():
        raise ModelLoadError(
            _(
                "No model file at {path}. Train one with `python train.py` "
                "(or restore the bundled one with `git checkout model/`)."
            ).format(path=path)
        )
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a damaged zip or config
        raise ModelLoadError(
            _(
                "Could not read the model file {path} ({error}). It may be corrupt or from an incompatible version: "
                "retrain it with `python train.py` (or restore the bundled one with `git checkout model/`)."
            ).format(path=path, error=f"{type(error).__name__}: {error}")
        ) from error
    _SOURCES[model] = path
    return model


def model_source(model: keras.Model) -> Path | None:
    """The file `load_model` read this model from, or None for a model built in memory."""
    return _SOURCES.get(model)


def load_metadata(path: str | Path | None = None) -> dict | None:
    """The training metadata JSON written next to the model, or None when there is none."""
    path = Path(path) if path is not None else METADATA_PATH
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def predict_proba(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """float32 (N, 28, 28) in [0, 1] -> float32 (N, 10) class probabilities, rows summing to 1.

    Uses `predict_on_batch`, which runs the model's compiled predict step: for one drawing many times faster
    than an eager `model(x)` call or `model.predict`, which sets up a data pipeline on every call (the
    benchmark measures both). Large N is fed in slices of PREDICT_BATCH.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"expected images of shape (N, 28, 28), got {images.shape}")
    batches = [
        np.asarray(predict_batch(model, images[start : start + PREDICT_BATCH, ..., None]))
        for start in range(0, len(images), PREDICT_BATCH)
    ]
    if not batches:
        return np.zeros((0, NUM_CLASSES), dtype=np.float32)
    return np.concatenate(batches).astype(np.float32)


def predict_readings(classify: Callable[[np.ndarray], np.ndarray], readings: Sequence) -> np.ndarray:
    """Prepared drawings (`Preprocessed`, None for an empty canvas) -> float32 (N, 10) probabilities; the rows of
    empty canvases are NaN. `classify` maps float32 (M, 28, 28) images to (M, 10) probabilities, e.g.
    `functools.partial(predict_proba, model)`."""
    drawn = [index for index, reading in enumerate(readings) if reading is not None]
    probabilities = np.full((len(readings), NUM_CLASSES), np.nan, np.float32)
    if drawn:
        probabilities[drawn] = classify(np.stack([readings[index].image for index in drawn]))
    return probabilities


def predict_batch(model: keras.Model, inputs: np.ndarray):
    """`model.predict_on_batch(inputs)`, safe to call from several threads (Streamlit sessions) at once."""
    with taking_turns():
        return model.predict_on_batch(inputs)


@contextmanager
def taking_turns() -> Iterator[None]:
    """Run the block while no other thread of this process runs a model: anything that reads a model's weights
    (a prediction, a gradient) takes its turn, for the reason given at _PREDICT_LOCK."""
    with _PREDICT_LOCK:
        yield
