"""The classic MNIST networks of the Keras tutorials, beside DigitLab's own, each with its training recipe.

Every network takes float32 (N, 28, 28, 1) in [0, 1] and ends in a softmax layer named `probabilities`,
so `digitlab.model.predict_proba` and the app's pages work with all of them. Layers are named like the
bundled model's (`conv_1`, `pool_1`, `flatten`, `dense_1`, `dropout_1`, ...). The recipes train on plain
MNIST, as the tutorials do: no augmentation, no redrawn digits, no non-digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
from keras import layers

from digitlab.config import IMAGE_SIZE, NUM_CLASSES

# The bundled model (digitlab.model.build_model, trained by digitlab.training with TrainSettings).
BUNDLED = "digitlab"
BUNDLED_TITLE = "DigitLab CNN (bundled)"


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


def build_cnn_two_conv() -> keras.Model:
    """Conv 32 3x3 -> Conv 32 3x3 -> MaxPool -> Dropout 0.25 -> Dense 128 -> Dropout 0.5 -> softmax."""
    inputs = _image_input()
    x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(inputs)
    x = layers.Conv2D(32, 3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(2, name="pool_1")(x)
    x = layers.Dropout(0.25, name="dropout_1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name="dense_1")(x)
    x = layers.Dropout(0.5, name="dropout_2")(x)
    return keras.Model(inputs, _classifier(x), name="cnn_two_conv")


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


def build_cnn_rmsprop() -> keras.Model:
    """Conv 32 3x3 -> Conv 64 3x3 -> MaxPool -> Dropout 0.25 -> Dense 256 -> Dropout 0.8 -> softmax."""
    inputs = _image_input()
    x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(2, name="pool_1")(x)
    x = layers.Dropout(0.25, name="dropout_1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, activation="relu", name="dense_1")(x)
    x = layers.Dropout(0.8, name="dropout_2")(x)
    return keras.Model(inputs, _classifier(x), name="cnn_rmsprop")


@dataclass(frozen=True)
class Recipe:
    """A classic network and how its tutorial trains it (plain MNIST, categorical cross-entropy).

    Epochs are the tutorials' where the issue fixes them (lenet-like: 10) or they are cheap; the two largest
    CNNs get fewer (cnn-two-conv 8 instead of Keras' 12, cnn-rmsprop 6) to train in minutes on 2 CPU cores.
    """

    name: str
    title: str
    description: str
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


RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in [
        Recipe("mlp", "MLP (2×512)", "784 → Dense 512 → Dense 512 → 10, dropout 0.2; no convolutions",
               build_mlp, "rmsprop", 1e-3, 128, 20),
        Recipe("cnn-small", "Small CNN", "Conv 32 3×3 → pool → Dense 128 → 10, dropout 0.5",
               build_cnn_small, "adam", 1e-3, 128, 10),
        Recipe("cnn-two-conv", "Two-conv CNN", "Conv 32 3×3 → Conv 32 3×3 → pool → Dense 128 → 10, dropout 0.25/0.5",
               build_cnn_two_conv, "adadelta", 1.0, 128, 8),
        Recipe("lenet-like", "LeNet-like CNN", "Conv 32 5×5 → pool → Conv 64 5×5 → pool → Dense 1000 → 10",
               build_lenet_like, "adam", 1e-3, 128, 10),
        Recipe("cnn-rmsprop", "CNN + RMSprop", "Conv 32 3×3 → Conv 64 3×3 → pool → Dense 256 → 10, dropout 0.25/0.8, "
               "best validation epoch kept", build_cnn_rmsprop, "rmsprop", 5e-4, 128, 6, keep_best=True),
    ]
}  # fmt: skip

# Everything `python train.py --arch` knows: the bundled model first, then the classics, then the baseline.
BASELINE = "pca-svc"
BASELINE_TITLE = "PCA + SVC (scikit-learn)"
ARCHITECTURES = [BUNDLED, *RECIPES, BASELINE]


def title(name: str) -> str:
    """The display name of an architecture, e.g. "mlp" -> "MLP (2×512)"."""
    titles = {BUNDLED: BUNDLED_TITLE, BASELINE: BASELINE_TITLE}
    return titles.get(name) or RECIPES[name].title


def describe_recipes() -> str:
    """One line per architecture for `train.py --help`: layers, optimizer, batch size, epochs."""
    lines = [f"{BUNDLED}: the bundled CNN (4 conv, 2 pool, batch norm), Adam + cosine decay, augmentation; "
             "the options above set its recipe"]  # fmt: skip
    for recipe in RECIPES.values():
        lines.append(
            f"{recipe.name}: {recipe.description}; {recipe.optimizer} (learning rate {recipe.learning_rate:g}), "
            f"batch {recipe.batch_size}, {recipe.epochs} epochs"
        )
    lines.append(f"{BASELINE}: PCA to 50 components + RBF support vector classifier, on a seeded training subset")
    return "\n".join(lines)
