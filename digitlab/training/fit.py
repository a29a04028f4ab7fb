"""The one fit loop (compile, keep the best validation epoch, fit) and the metadata every trained network gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np

from digitlab.config import NUM_CLASSES
from digitlab.model import predict_proba
from digitlab.provenance import data_identity, file_sha256, timestamp, versions
from digitlab.training.settings import FitSettings


def fit(
    model: keras.Model,
    x: np.ndarray,
    targets: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray],
    settings: FitSettings,
    optimizer: keras.optimizers.Optimizer,
    keep_best: bool = True,
    verbose="auto",
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> keras.callbacks.History:
    """Train `model` in place on float32 (N, 28, 28) images and (N, 10) targets; returns the History.

    Validation is float32 (M, 28, 28) images with int labels. With `keep_best`, the weights of the epoch with
    the best validation accuracy are restored at the end (else the last epoch's stay). `callbacks` are Keras's,
    e.g. one that reports progress.
    """
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    callbacks = list(callbacks)
    if keep_best:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=settings.epochs, restore_best_weights=True)
        )
    x_val, y_val = validation
    return model.fit(
        x[..., None],
        targets,
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        validation_data=(x_val[..., None], keras.utils.to_categorical(y_val, NUM_CLASSES)),
        callbacks=callbacks,
        verbose=verbose,
    )


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of float32 (N, 28, 28) images whose most probable class equals the label."""
    return float(np.mean(predict_proba(model, images).argmax(axis=1) == labels))


def describe_architecture(model: keras.Model) -> list[dict]:
    """One entry per layer: name, type, output shape and parameter count."""
    return [
        {
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": list(layer.output.shape[1:]),
            "parameters": int(layer.count_params()),
        }
        for layer in model.layers
    ]


def describe_run(
    model: keras.Model,
    model_path: Path,
    settings: FitSettings,
    history: keras.callbacks.History,
    seconds: float,
    test: tuple[np.ndarray, np.ndarray],
    data_path: Path,
    keep_best: bool = True,
) -> dict:
    """The metadata of a trained and saved network: its file, layers, settings, epochs, accuracies, timing,
    data and versions."""
    val_history = history.history["val_accuracy"]
    best = int(np.argmax(val_history)) if keep_best else len(val_history) - 1
    x_test, y_test = test
    return {
        "model_file": model_path.name,
        "model_sha256": file_sha256(model_path),
        "architecture": describe_architecture(model),
        "parameters": int(model.count_params()),
        "settings": asdict(settings),
        "epochs_run": len(val_history),
        "best_epoch": best + 1,
        "validation_accuracy": float(val_history[best]),
        "test_accuracy": accuracy(model, x_test, y_test),
        "test_size": int(len(x_test)),
        "training_seconds": round(seconds, 1),
        "trained_at": timestamp(),
        "data": data_identity(data_path),
        "versions": versions(),
        "history": {key: [round(float(v), 5) for v in values] for key, values in history.history.items()},
    }
