"""MNIST: finding and loading it, and the few sample digits bundled with the app."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitlab.config import KERAS_MNIST_PATH, SHARED_DATA_DIR

MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataNotFoundError(FileNotFoundError):
    """A data set is not where we looked; the message says where to put it or where to get it."""


def find_mnist(path: str | Path | None = None) -> Path:
    """The MNIST npz to read: `path` if given, else Keras' cache, else the shared data folder."""
    candidates = [Path(path)] if path is not None else [KERAS_MNIST_PATH, SHARED_DATA_DIR / "mnist.npz"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    raise DataNotFoundError(
        f"MNIST not found (looked at: {looked}). Put the Keras file mnist.npz at {KERAS_MNIST_PATH} "
        "or pass its path with --data PATH (an npz holding x_train, y_train, x_test, y_test)."
    )


def load_mnist(path: str | Path | None = None) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) as in `keras.datasets.mnist.load_data()`: uint8 (N, 28, 28)."""
    source = find_mnist(path)
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
