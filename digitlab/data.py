"""MNIST: finding and loading it, and the few sample digits bundled with the app."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import keras
import numpy as np

from digitlab.config import KERAS_MNIST_PATH, SHARED_DATA_DIR

MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
# A download that gets no answer for this long gives up, rather than hanging a command on a dead network.
DOWNLOAD_TIMEOUT_S = 60


class DataNotFoundError(FileNotFoundError):
    """A data set is not where we looked; the message says where to put it or where to get it."""


def find_mnist(path: str | Path | None = None, download: bool = False) -> Path:
    """The MNIST npz to read: `path` if given; else Keras's cache, then the shared data folder, then (with
    `download`) Keras's own loader, which fetches the standard file into Keras's cache where the network allows.

    Raises DataNotFoundError, saying where it looked and where to put the file, when there is none.
    """
    candidates = [Path(path)] if path is not None else [KERAS_MNIST_PATH, SHARED_DATA_DIR / "mnist.npz"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    message = (
        f"MNIST not found (looked at: {looked}). Put the Keras file mnist.npz at {KERAS_MNIST_PATH} "
        "or pass its path with --data PATH (an npz holding x_train, y_train, x_test, y_test)."
    )
    if path is not None or not download:
        raise DataNotFoundError(message)
    print(f"MNIST is not on this machine: downloading it with Keras's loader into {KERAS_MNIST_PATH.parent}.",
          file=sys.stderr)  # fmt: skip
    try:
        download_mnist()
    except Exception as error:  # offline, a proxy, a server error: urllib raises many kinds
        raise DataNotFoundError(f"{message} The download failed ({type(error).__name__}: {error}).") from error
    if not KERAS_MNIST_PATH.is_file():
        raise DataNotFoundError(f"{message} The download did not leave a file there.")
    return KERAS_MNIST_PATH


def download_mnist() -> None:
    """Fetch the standard mnist.npz into Keras's cache (~/.keras/datasets/) with Keras's own loader."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        keras.datasets.mnist.load_data()
    finally:
        socket.setdefaulttimeout(previous)


def load_mnist(
    path: str | Path | None = None, download: bool = False
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) as in `keras.datasets.mnist.load_data()`: uint8 (N, 28, 28).

    Found as `find_mnist` finds it."""
    source = find_mnist(path, download)
    try:
        with np.load(source) as data:
            x_train, y_train, x_test, y_test = (data[key] for key in MNIST_KEYS)
    except (KeyError, ValueError, OSError) as error:
        raise DataNotFoundError(
            f"{source} is not a Keras MNIST npz (needs arrays {', '.join(MNIST_KEYS)}): {error}"
        ) from error
    return (x_train, y_train), (x_test, y_test)


def to_float_images(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) in [0, 255] -> float32 (N, 28, 28) in [0, 1]."""
    return np.asarray(images, dtype=np.float32) / 255.0


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float images of any shape in [0, 1] -> uint8 in [0, 255], rounded, as MNIST stores its digits: the inverse of
    `to_float_images`."""
    return np.clip(np.rint(np.asarray(images, dtype=np.float32) * 255), 0, 255).astype(np.uint8)


def write_samples(x_test: np.ndarray, y_test: np.ndarray, path: str | Path, per_class: int = 10) -> Path:
    """Save the first `per_class` test images of each digit, grouped by class, as a small npz.

    Args:
        x_test: uint8 (N, 28, 28) MNIST test images.
        y_test: int (N,) their labels 0-9.
        path: where to write the npz (arrays `images` uint8 (10 * per_class, 28, 28), `labels` uint8).
    """
    picks = np.concatenate([np.flatnonzero(y_test == digit)[:per_class] for digit in range(10)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, images=np.asarray(x_test[picks], dtype=np.uint8), labels=y_test[picks].astype(np.uint8))
    return path


def load_samples(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (M, 28, 28), labels uint8 (M,)) from a file written by `write_samples`, grouped by class."""
    with np.load(path) as data:
        return data["images"], data["labels"]
