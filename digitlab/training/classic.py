"""The classic MNIST networks of the Keras tutorials and how each tutorial trains it, beside DigitLab's own.

Every network takes float32 (N, 28, 28, 1) in [0, 1] and ends in a softmax layer named `probabilities`,
so `digitlab.model.predict_proba` and the app's pages work with all of them. Layers are named like the
bundled model's (`conv_1`, `pool_1`, `flatten`, `dense_1`, `dropout_1`, ...). The recipes train on plain
MNIST, as the tutorials do: no augmentation, no restroked digits, no non-digits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import keras
import numpy as np
from keras import layers

from digitlab.catalog import BASELINE, BUNDLED, CLASSICS, model_files
from digitlab.config import IMAGE_SIZE, NUM_CLASSES
from digitlab.model import predict_proba
from digitlab.provenance import write_json
from digitlab.timing import time_call
from digitlab.training.fit import describe_run, fit
from digitlab.training.mnist import prepare_splits
from digitlab.training.settings import ClassicSettings


def _image_input() -> keras.KerasTensor:
    return keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1), name="image")


def _classifier(x) -> keras.KerasTensor:
    return layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)


def build_mlp() -> keras.Model:
    """784 -> Dense 512 ReLU -> Dropout 0.2 -> Dense 512 ReLU -> Dropout 0.2 -> softmax (Keras' mnist_mlp)."""
    inputs = _image_input()
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(512, activation="relu", name="dense_1")(x)
    x = layers.Dropout(0.2, name="dropout_1")(x)
    x = layers.Dense(512, activation="relu", name="dense_2")(x)
    x = layers.Dropout(0.2, name="dropout_2")(x)
    return keras.Model(inputs, _classifier(x), name="mlp")


def build_cnn_small() -> keras.Model:
    """Conv 32 3x3 -> MaxPool 2x2 -> Dense 128 -> Dropout 0.5 -> softmax."""
    inputs = _image_input()
    x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(inputs)
    x = layers.MaxPooling2D(2, name="pool_1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name="dense_1")(x)
    x = layers.Dropout(0.5, name="dropout_1")(x)
    return keras.Model(inputs, _classifier(x), name="cnn_small")


def _two_conv_network(name: str, second_filters: int, dense_units: int, dropouts: tuple[float, float]) -> keras.Model:
    """Conv 32 3x3 -> Conv `second_filters` 3x3 -> MaxPool -> Dropout -> Dense `dense_units` -> Dropout -> softmax."""
    inputs = _image_input()
    x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(inputs)
    x = layers.Conv2D(second_filters, 3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(2, name="pool_1")(x)
    x = layers.Dropout(dropouts[0], name="dropout_1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense_1")(x)
    x = layers.Dropout(dropouts[1], name="dropout_2")(x)
    return keras.Model(inputs, _classifier(x), name=name)


def build_cnn_two_conv() -> keras.Model:
    """Conv 32 3x3 -> Conv 32 3x3 -> MaxPool -> Dropout 0.25 -> Dense 128 -> Dropout 0.5 -> softmax."""
    return _two_conv_network("cnn_two_conv", 32, 128, (0.25, 0.5))


def build_cnn_rmsprop() -> keras.Model:
    """Conv 32 3x3 -> Conv 64 3x3 -> MaxPool -> Dropout 0.25 -> Dense 256 -> Dropout 0.8 -> softmax."""
    return _two_conv_network("cnn_rmsprop", 64, 256, (0.25, 0.8))


def build_lenet_like() -> keras.Model:
    """Conv 32 5x5 -> MaxPool 2x2 stride 2 -> Conv 64 5x5 -> MaxPool 2x2 -> Dense 1000 ReLU -> softmax."""
    inputs = _image_input()
    x = layers.Conv2D(32, 5, activation="relu", name="conv_1")(inputs)
    x = layers.MaxPooling2D(2, strides=2, name="pool_1")(x)
    x = layers.Conv2D(64, 5, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(2, name="pool_2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(1000, activation="relu", name="dense_1")(x)
    return keras.Model(inputs, _classifier(x), name="lenet_like")


@dataclass(frozen=True)
class Recipe:
    """How a classic network's tutorial trains it (plain MNIST, categorical cross-entropy).

    Epochs are the tutorials' where they are cheap; the two largest CNNs get fewer (cnn-two-conv 8 instead of
    Keras' 12, cnn-rmsprop 6) to train in minutes on a laptop CPU.
    """

    build: Callable[[], keras.Model]
    optimizer: str  # "adam", "rmsprop" or "adadelta"
    learning_rate: float
    batch_size: int
    epochs: int
    # Keep the weights of the epoch with the best validation accuracy (else those of the last epoch).
    keep_best: bool = False

    def make_optimizer(self, learning_rate: float | None = None) -> keras.optimizers.Optimizer:
        optimizers = {
            "adam": keras.optimizers.Adam,
            "rmsprop": keras.optimizers.RMSprop,
            "adadelta": keras.optimizers.Adadelta,
        }
        return optimizers[self.optimizer](learning_rate=learning_rate or self.learning_rate)


# Keyed by the names of digitlab.catalog.CLASSICS, which holds their titles.
RECIPES: dict[str, Recipe] = {
    "mlp": Recipe(build_mlp, "rmsprop", 1e-3, 128, 20),
    "cnn-small": Recipe(build_cnn_small, "adam", 1e-3, 128, 10),
    "cnn-two-conv": Recipe(build_cnn_two_conv, "adadelta", 1.0, 128, 8),
    "lenet-like": Recipe(build_lenet_like, "adam", 1e-3, 128, 10),
    "cnn-rmsprop": Recipe(build_cnn_rmsprop, "rmsprop", 5e-4, 128, 6, keep_best=True),
}


def resolve(settings: ClassicSettings) -> ClassicSettings:
    """The settings with the recipe's own epochs, batch size and learning rate wherever none was given."""
    recipe = RECIPES[settings.arch]
    return replace(
        settings,
        epochs=settings.epochs or recipe.epochs,
        batch_size=settings.batch_size or recipe.batch_size,
        learning_rate=settings.learning_rate or recipe.learning_rate,
    )


def train_classic(mnist, settings: ClassicSettings, data_path: Path, model_dir: Path, verbose="auto") -> dict:
    """Train a classic network from scratch; write `zoo/<arch>.keras` and its metadata; returns the metadata."""
    settings = resolve(settings)
    recipe = RECIPES[settings.arch]
    keras.utils.set_random_seed(settings.seed)
    (x_train, y_train), validation, test = prepare_splits(
        mnist, settings.validation_size, settings.seed, settings.limit
    )

    model = recipe.build()
    targets = keras.utils.to_categorical(y_train, NUM_CLASSES)
    started = time.perf_counter()
    optimizer = recipe.make_optimizer(settings.learning_rate)
    history = fit(model, x_train, targets, validation, settings, optimizer, recipe.keep_best, verbose)
    seconds = time.perf_counter() - started

    files = model_files(settings.arch, model_dir)
    save_weights_only(model, recipe.build, files.model)
    metadata = describe_run(model, files.model, settings, history, seconds, test, data_path, recipe.keep_best)
    image = np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    metadata.update(
        arch=settings.arch,
        title=files.title,
        size_bytes=files.model.stat().st_size,
        recipe={"optimizer": recipe.optimizer, "keep_best": recipe.keep_best, "augmentation": None},
        train_size=int(len(x_train)),
        predict_ms=time_call(partial(predict_proba, model, image)),
    )
    write_json(files.metadata, metadata)
    return metadata


def save_weights_only(model: keras.Model, build: Callable[[], keras.Model], path: Path) -> None:
    """Save `model` as a `.keras` file without its optimizer state (a third of the size for Adam)."""
    clean = build()
    clean.set_weights(model.get_weights())
    path.parent.mkdir(parents=True, exist_ok=True)
    clean.save(path)


def describe_recipes() -> str:
    """One line per architecture for `train.py --help`: layers, optimizer, batch size, epochs."""
    lines = [f"{BUNDLED}: the bundled CNN (4 conv, 2 pool, batch norm), Adam + cosine decay, augmentation; "
             "the options above set its recipe"]  # fmt: skip
    for name, recipe in RECIPES.items():
        lines.append(
            f"{name}: {CLASSICS[name][1]}; {recipe.optimizer} (learning rate {recipe.learning_rate:g}), "
            f"batch {recipe.batch_size}, {recipe.epochs} epochs"
        )
    lines.append(f"{BASELINE}: PCA to 50 components + RBF support vector classifier, on a seeded training subset")
    return "\n".join(lines)
