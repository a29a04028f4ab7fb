"""The nearest-digit index of a model: MNIST training digits where the network itself puts them.

Each digit is represented by what the model's last hidden layer makes of it, reduced by PCA to a few
dimensions; the digits nearest to a drawing in that space are the ones the network reads it like. The index
lives beside the model file (`<model>.neighbours.npz`), holds its digits' pictures, and carries the model file's
SHA-256, so a stale index is detected.

    python -m digitlab.neighbours                  # is each bundled model's index there and current?
    python -m digitlab.neighbours --write          # (re)build the index of every bundled model from MNIST
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from digitlab import catalog
from digitlab.activations import last_hidden_layer, layer_outputs
from digitlab.data import DataNotFoundError, find_mnist, load_mnist, to_float_images
from digitlab.i18n import _
from digitlab.model import ModelLoadError, load_model, model_source
from digitlab.provenance import data_identity, file_sha256

# A subset of the training digits, the same for every model: enough that the nearest ones look alike, few
# enough that every bundled model's index together stays a few MB.
DIGITS_PER_CLASS = 250
# PCA dimensions kept of the last hidden layer: the neighbours' labels barely change from the full layer.
DIMENSIONS = 16
SUBSET_SEED = 0
INDEX_SUFFIX = ".neighbours.npz"
REGENERATE_COMMAND = "python -m digitlab.neighbours --write"


class IndexNotFoundError(FileNotFoundError):
    """A model's nearest-digit index is missing, unreadable or stale; the message, shown on the Explain page and in
    the language of the script run that raised it, says how to make it."""


@dataclass(frozen=True)
class NeighbourIndex:
    """Training digits as a model represents them.

    images: uint8 (N, 28, 28); labels: uint8 (N,); vectors: float32 (N, D), the digits' last-hidden-layer
    outputs projected on the PCA axes; mean: float32 (F,) and components: float32 (D, F), the projection from
    the layer's F outputs; layer: its name; model_sha256: the model file it was built from.
    """

    images: np.ndarray
    labels: np.ndarray
    vectors: np.ndarray
    mean: np.ndarray
    components: np.ndarray
    layer: str
    model_sha256: str

    def project(self, representations: np.ndarray) -> np.ndarray:
        """float (M, F) last-hidden-layer outputs -> float32 (M, D) in the index's space."""
        return ((np.asarray(representations, dtype=np.float32) - self.mean) @ self.components.T).astype(np.float32)

    @cached_property
    def search(self) -> NearestNeighbors:
        # A k-d tree answers one query on one thread, in well under a millisecond in so few dimensions.
        return NearestNeighbors(algorithm="kd_tree").fit(self.vectors)

    def nearest(self, representations: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """float (M, F) outputs -> (distances float32 (M, k), indices int (M, k)) of the k nearest digits,
        nearest first."""
        distances, indices = self.search.kneighbors(self.project(representations), n_neighbors=k)
        return distances.astype(np.float32), indices


def index_path(model_path: str | Path) -> Path:
    """Where the index of the model file `model_path` lives: beside it, `<stem>.neighbours.npz`."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + INDEX_SUFFIX)


def choose_digits(labels: np.ndarray, per_class: int = DIGITS_PER_CLASS, seed: int = SUBSET_SEED) -> np.ndarray:
    """Sorted int (M,) indices of up to `per_class` training digits of each class, drawn at random (seeded)."""
    rng = np.random.default_rng(seed)
    picks = [
        rng.choice(members, min(per_class, members.size), replace=False)
        for members in (np.flatnonzero(labels == digit) for digit in np.unique(labels))
    ]
    return np.sort(np.concatenate(picks)).astype(np.int64)


def build_index(
    model: keras.Model, images: np.ndarray, labels: np.ndarray, model_sha256: str = "", dimensions: int = DIMENSIONS
) -> NeighbourIndex:
    """The index of `model` over uint8 (N, 28, 28) digits with labels (N,)."""
    layer = last_hidden_layer(model)
    representations = layer_outputs(model, layer, to_float_images(images)).reshape(len(images), -1)
    pca = PCA(min(dimensions, *representations.shape), random_state=SUBSET_SEED).fit(representations)
    # Stored at half precision, and searched in exactly what was stored.
    vectors = pca.transform(representations).astype(np.float16).astype(np.float32)
    return NeighbourIndex(
        images=np.asarray(images, dtype=np.uint8),
        labels=np.asarray(labels, dtype=np.uint8),
        vectors=vectors,
        mean=pca.mean_.astype(np.float32),
        components=pca.components_.astype(np.float32),
        layer=layer,
        model_sha256=model_sha256,
    )


def write_index(model_path: str | Path, x_train: np.ndarray, y_train: np.ndarray, data_path: str | Path) -> Path:
    """Build the index of the saved model from its subset of uint8 (N, 28, 28) training digits and write it
    beside the model; returns its path."""
    model_path = Path(model_path)
    chosen = choose_digits(y_train)
    index = build_index(load_model(model_path), x_train[chosen], y_train[chosen], file_sha256(model_path))
    path = index_path(model_path)
    np.savez_compressed(
        path,
        images=index.images,
        labels=index.labels,
        vectors=index.vectors.astype(np.float16),
        mean=index.mean,
        components=index.components,
        layer=np.array(index.layer),
        model_sha256=np.array(index.model_sha256),
        mnist_indices=chosen.astype(np.int32),
        data_sha256=np.array(data_identity(data_path)["sha256"]),
    )
    return path


def load_index(path: str | Path) -> NeighbourIndex:
    """The index written by `write_index`; raises IndexNotFoundError with the command that makes it."""
    path = Path(path)
    if not path.is_file():
        message = _("No nearest-digit index at {path}. Make it with `{command}`.")
        raise IndexNotFoundError(message.format(path=path, command=REGENERATE_COMMAND))
    stat = path.stat()
    return _read_index(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _read_index(path: str, mtime_ns: int, size: int) -> NeighbourIndex:
    """The index file, read once per version of it (its time and size are part of the cache key)."""
    try:
        with np.load(path) as data:
            return NeighbourIndex(
                images=data["images"],
                labels=data["labels"],
                vectors=data["vectors"].astype(np.float32),
                mean=data["mean"],
                components=data["components"],
                layer=str(data["layer"]),
                model_sha256=str(data["model_sha256"]),
            )
    except (KeyError, ValueError, OSError) as error:
        message = _("Could not read the nearest-digit index {path} ({error}). Rewrite it with `{command}`.")
        raise IndexNotFoundError(message.format(path=path, error=error, command=REGENERATE_COMMAND)) from error


def describe_mismatch(index: NeighbourIndex, model_path: str | Path) -> str | None:
    """Why the index does not describe the model file at `model_path`, or None when it does."""
    actual = _file_sha256(str(model_path), *_stamp(model_path))
    if actual == index.model_sha256:
        return None
    return _(
        "The nearest-digit index was built for a different model (SHA-256 {index_sha256}…) than the model file "
        "{file} (SHA-256 {file_sha256}…). Rebuild it with `{command}`."
    ).format(
        index_sha256=index.model_sha256[:12],
        file=Path(model_path).name,
        file_sha256=actual[:12],
        command=REGENERATE_COMMAND,
    )


def model_index(model: keras.Model) -> NeighbourIndex:
    """The index written for the file `model` was loaded from; IndexNotFoundError when there is none, or when it
    is stale (built for another version of the file)."""
    source = model_source(model)
    if source is None:
        raise IndexNotFoundError(
            _(
                "This model was not loaded from a file, so it has no nearest-digit index: save it and make one with "
                "`{command}`."
            ).format(command=REGENERATE_COMMAND)
        )
    index = load_index(index_path(source))
    mismatch = describe_mismatch(index, source)
    if mismatch:
        raise IndexNotFoundError(mismatch)
    return index


def _stamp(path: str | Path) -> tuple[int, int]:
    stat = Path(path).stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=16)
def _file_sha256(path: str, mtime_ns: int, size: int) -> str:
    """A model file's SHA-256, computed once per version of the file."""
    return file_sha256(path)


def describe_index(model_path: Path) -> str:
    """One line on the index of the model file at `model_path`: current (and its size), stale or missing."""
    path = index_path(model_path)
    try:
        index = load_index(path)
    except IndexNotFoundError as error:
        return f"missing or unreadable: {error}"
    mismatch = describe_mismatch(index, model_path)
    if mismatch:
        return f"stale: {mismatch}"
    size = path.stat().st_size / 1e6
    dimensions = index.vectors.shape[1]
    return f"current: {len(index.labels):,} digits in {dimensions} dimensions of {index.layer}, {size:.2f} MB"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m digitlab.neighbours",
        description="Check, or with --write build, the nearest-digit index of every bundled model (the Explain "
        "page's 'what it thinks the drawing looks like').",
    )
    parser.add_argument("--data", type=Path, default=None, help="MNIST npz in the Keras layout (default: as train.py)")
    parser.add_argument(
        "--model", choices=[catalog.BUNDLED, *catalog.CLASSICS], action="append", help="only this model (repeatable)"
    )
    parser.add_argument("--write", action="store_true", help="build the indexes from MNIST's training digits")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [name for name in catalog.available_models() if not args.model or name in args.model]
    if args.write:
        try:
            data_path = find_mnist(args.data, download=True)
            (x_train, y_train), _test = load_mnist(data_path)
            for name in names:
                path = write_index(catalog.model_files(name).model, x_train, y_train, data_path)
                print(f"{name}: wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
        except (DataNotFoundError, ModelLoadError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    for name in names:
        print(f"{name}: {describe_index(catalog.model_files(name).model)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
