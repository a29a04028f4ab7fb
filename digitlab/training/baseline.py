"""The non-neural baseline of the Compare models page: PCA, then an RBF support vector classifier.

Its fitted model is not bundled (a pickled SVC is large and version-bound); `train` writes its numbers to
`model/zoo/pca-svc.json`, drawn-digit accuracy included, measured here with the one drawn-accuracy harness.
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import SVC

from digitlab.catalog import BASELINE, title, zoo_dir
from digitlab.config import NUM_CLASSES, PENDIGITS_PATH
from digitlab.data import to_float_images
from digitlab.drawn import harness
from digitlab.drawn.drawings import every_kth
from digitlab.drawn.pendigits import load_pendigits
from digitlab.provenance import data_identity, timestamp, versions, write_json
from digitlab.timing import time_call

PCA_COMPONENTS = 50
SVC_C = 10.0
# How many training images the SVC sees (libsvm is single-threaded and grows faster than linearly with the
# training set).
SVC_TRAIN_SIZE = 60_000


def build_baseline(seed: int = 42) -> Pipeline:
    """PCA to PCA_COMPONENTS dimensions, then an RBF support vector classifier: a scikit-learn Pipeline."""
    return make_pipeline(PCA(PCA_COMPONENTS, random_state=seed), SVC(C=SVC_C, gamma="scale", random_state=seed))


def baseline_classifier(pipeline: Pipeline):
    """A classifier for the drawn-accuracy harness: float32 (N, 28, 28) -> one-hot (N, 10) of the SVC's answers."""

    def classify(images: np.ndarray) -> np.ndarray:
        return np.eye(NUM_CLASSES, dtype=np.float32)[pipeline.predict(images.reshape(len(images), -1))]

    return classify


def train_baseline(
    mnist,
    data_path: Path,
    model_dir: Path,
    train_size: int = SVC_TRAIN_SIZE,
    seed: int = 42,
    limit: int | None = None,
    pendigits_every: int | None = None,
) -> dict:
    """Fit PCA + SVC on a seeded subset of MNIST's training set; write `zoo/pca-svc.json`; returns it.

    Its drawn-digit accuracy is measured on every `pendigits_every`-th pen-drawn digit (as
    `python -m bench --models` measures the bundled models); None skips it.
    """
    (x_train, y_train), (x_test, y_test) = mnist
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    chosen = np.sort(np.random.default_rng(seed).permutation(len(x_train))[:train_size])
    flat_train = to_float_images(x_train[chosen]).reshape(len(chosen), -1)
    flat_test = to_float_images(x_test).reshape(len(x_test), -1)

    pipeline = build_baseline(seed)
    started = time.perf_counter()
    pipeline.fit(flat_train, y_train[chosen])
    seconds = time.perf_counter() - started
    predicted = pipeline.predict(flat_test)
    pca, svc = pipeline[0], pipeline[-1]
    stored = pca.components_.size + pca.mean_.size + svc.support_vectors_.size + svc.dual_coef_.size
    result = {
        "arch": BASELINE,
        "title": title(BASELINE),
        "pca_components": PCA_COMPONENTS,
        "svc": {"kernel": "rbf", "C": SVC_C, "gamma": "scale", "support_vectors": int(svc.support_vectors_.shape[0])},
        "train_size": int(len(chosen)),
        "train_size_note": _describe_subset(len(chosen), len(x_train)),
        "parameters": int(stored),
        "parameters_note": "numbers stored: PCA components and mean, support vectors, dual coefficients",
        "size_bytes": len(pickle.dumps(pipeline)),
        "size_note": "pickled pipeline, not bundled",
        "test_accuracy": float(np.mean(predicted == y_test)),
        "test_size": int(len(y_test)),
        "training_seconds": round(seconds, 1),
        "predict_ms": time_call(lambda: pipeline.predict(flat_test[:1])),
        "seed": seed,
        "trained_at": timestamp(),
        "data": data_identity(data_path),
        "versions": versions(),
    }
    if pendigits_every:
        digits = every_kth(load_pendigits(PENDIGITS_PATH), pendigits_every)
        pipelines = {BASELINE: harness.Pipeline(harness.READERS["draw page"], baseline_classifier(pipeline))}
        result["drawn"] = {**harness.score_drawings(pipelines, digits)[BASELINE].summary(), "every": pendigits_every}
    write_json(zoo_dir(model_dir) / f"{BASELINE}.json", result)
    return result


def _describe_subset(chosen: int, available: int) -> str:
    if chosen == available:
        return f"all {chosen:,} training images"
    return f"seeded subset of {chosen:,} of the {available:,} training images"
