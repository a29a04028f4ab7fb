"""Stratified K-fold cross-validation of the bundled recipe on MNIST's training set (`train.py --kfold K`)."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold

from digitlab.config import METADATA_PATH
from digitlab.data import to_float_images
from digitlab.model import build_model, predict_proba
from digitlab.provenance import read_json, timestamp, write_json
from digitlab.training.bundled import fit_bundled, load_handwriting, validation_set
from digitlab.training.mnist import split_validation
from digitlab.training.settings import TrainSettings


def cross_validate(x_train: np.ndarray, y_train: np.ndarray, folds: int, settings: TrainSettings, verbose="auto"):
    """Stratified K-fold CV of the training recipe on uint8 (N, 28, 28) images; returns a JSON-ready report.

    Each fold trains a fresh model exactly as `train` does (same settings, a validation split carved out of
    the fold's training part to pick the best epoch) and is scored on its held-out fold. `settings.limit`
    keeps only the first N images. std is the population standard deviation, as in scikit-learn's examples.
    """
    if settings.limit:
        x_train, y_train = x_train[: settings.limit], y_train[: settings.limit]
    images = to_float_images(x_train)
    handwriting = load_handwriting(settings)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=settings.seed)
    started = time.perf_counter()
    results = []
    for fold, (train_index, test_index) in enumerate(splitter.split(images, y_train), start=1):
        keras.backend.clear_session()
        keras.utils.set_random_seed(settings.seed)
        validation_size = min(settings.validation_size, len(train_index) // 5)
        fold_train, validation = split_validation(
            images[train_index], y_train[train_index], validation_size, settings.seed
        )
        model = build_model(filters=settings.filters)
        checked = validation_set(validation, handwriting, settings.validation_seed)
        fit_bundled(model, fold_train, checked, settings, handwriting, verbose=verbose)
        predicted = predict_proba(model, images[test_index]).argmax(axis=1)
        score = float(accuracy_score(y_train[test_index], predicted))
        results.append(
            {"fold": fold, "accuracy": score, "train_size": int(len(train_index)), "test_size": int(len(test_index))}
        )
        print(f"Fold {fold}/{folds}: accuracy {score:.2%} on {len(test_index)} held-out images", flush=True)
    scores = np.array([result["accuracy"] for result in results])
    return {
        "k": folds,
        "folds": results,
        "mean_accuracy": float(scores.mean()),
        "std_accuracy": float(scores.std()),
        "images": int(len(images)),
        "settings": asdict(settings),
        "seconds": round(time.perf_counter() - started, 1),
        "run_at": timestamp(),
    }


def save_cross_validation(report: dict, metadata_path: str | Path = METADATA_PATH) -> Path:
    """Store the k-fold report under "kfold" in the metadata JSON, keeping everything else in it."""
    return write_json(metadata_path, {**read_json(metadata_path), "kfold": report})
