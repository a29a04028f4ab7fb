"""Training the bundled model: augmentation, the fit, evaluation and the metadata written beside it."""

from __future__ import annotations

import datetime
import json
import platform
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras
import numpy as np
from keras import layers

from digitlab.config import METADATA_PATH, NUM_CLASSES
from digitlab.data import file_sha256, to_float_images
from digitlab.handwriting import PEN_RANGE as TEMPLATE_PENS
from digitlab.handwriting import render_styled_digits
from digitlab.model import FILTERS, build_model, load_metadata, load_model, predict_proba
from digitlab.nondigits import render_nondigit_images, side_by_side_images
from digitlab.redraw import PEN_RANGE as REDRAW_PENS
from digitlab.redraw import redraw_images

# At most one non-digit per this many training digits, and one styled digit per STYLED_PER_DIGIT_LIMIT
# (a small --limit run gets a few).
NONDIGITS_PER_DIGIT_LIMIT = 6
STYLED_PER_DIGIT_LIMIT = 3
# The bundled model's second stage (`python train.py --fine-tune`): a few more epochs of the first stage's
# network, at a lower learning rate, on a fresh draw of the training mix drawn with thicker pens, as
# thick as the default 18 px pen on a digit drawn a quarter of the canvas high (about 0.26 of its size).
FINE_TUNE = {
    "epochs": 3,
    "learning_rate": 3e-4,
    "seed": 7,
    "redraw_pens": (0.08, 0.45),
    "template_pens": (0.12, 0.38),
}


@dataclass
class TrainSettings:
    """Everything that determines a training run; saved in the metadata to reproduce it."""

    # Channels of the network's two conv-conv-pool stages (a run continuing a model keeps that model's).
    filters: tuple[int, int] = FILTERS
    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 2e-3
    validation_size: int = 5000
    seed: int = 42
    augment: bool = True
    rotation_degrees: float = 12.0
    zoom: float = 0.15
    shift: float = 0.1
    thickness_probability: float = 0.5
    redraw: bool = True
    elastic_probability: float = 0.5
    nondigits: int = 9000
    styled_digits: int = 18000
    # Pen widths as shares of the digit's size, for the redrawn MNIST digits and for the styled digits.
    redraw_pens: tuple[float, float] = REDRAW_PENS
    template_pens: tuple[float, float] = TEMPLATE_PENS
    calibrate: bool = True
    limit: int | None = None
    # Seed of the validation split (None: `seed`); a fine-tuning run keeps its parent's split.
    split_seed: int | None = None
    # A .keras model to continue training instead of starting from scratch.
    init_from: str | None = None

    def __post_init__(self):
        # From the command line or a metadata file the pen ranges arrive as lists.
        self.redraw_pens, self.template_pens = tuple(self.redraw_pens), tuple(self.template_pens)
        self.filters = tuple(self.filters)


class RandomStrokeWidth(layers.Layer):
    """Training-only augmentation: thickens or thins strokes by a grey-level 2x2 dilation or erosion.

    Each image is left alone, dilated or eroded; `probability` is the chance of a change, split
    evenly. Inputs and outputs are float32 (N, 28, 28, 1) in [0, 1].
    """

    def __init__(self, probability: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.probability = probability
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        dilated = keras.ops.max_pool(images, 2, strides=1, padding="same")
        eroded = -keras.ops.max_pool(-images, 2, strides=1, padding="same")
        draw = keras.random.uniform((keras.ops.shape(images)[0], 1, 1, 1), seed=self.seed_generator)
        half = self.probability / 2
        images = keras.ops.where(draw < half, dilated, images)
        return keras.ops.where((draw >= half) & (draw < self.probability), eroded, images)


def build_augmenter(settings: TrainSettings) -> keras.Sequential:
    """Random stroke width, rotation, zoom and shift: drawings are less neat than MNIST."""
    seed = settings.seed
    return keras.Sequential(
        [
            RandomStrokeWidth(settings.thickness_probability, seed=seed),
            layers.RandomRotation(settings.rotation_degrees / 360, fill_mode="constant", seed=seed + 1),
            layers.RandomZoom(settings.zoom, fill_mode="constant", seed=seed + 2),
            layers.RandomTranslation(settings.shift, settings.shift, fill_mode="constant", seed=seed + 3),
        ],
        name="augment",
    )


def split_validation(x: np.ndarray, y: np.ndarray, size: int, seed: int):
    """Seeded random split of (x, y) into ((x_train, y_train), (x_val, y_val)) with `size` held out."""
    order = np.random.default_rng(seed).permutation(len(x))
    held, kept = order[:size], order[size:]
    return (x[kept], y[kept]), (x[held], y[held])


def build_training_set(x: np.ndarray, y: np.ndarray, settings: TrainSettings) -> tuple[np.ndarray, np.ndarray]:
    """float32 (N, 28, 28) digits and int labels -> (images, soft targets (M, 10)).

    Besides the digits: a redrawn copy of each (as the canvas would draw it), digits drawn from stroke
    templates of handwriting styles MNIST lacks (`handwriting`), and non-digits (generated
    scribbles, shapes, letters, blobs, and digits side by side) whose target is the uniform distribution,
    so the model learns to spread its confidence on them ("outlier exposure", Hendrycks et al., 2019).
    """
    digits = keras.utils.to_categorical(y, NUM_CLASSES)
    images, targets = [x], [digits]
    if settings.redraw:
        images.append(redraw_images(x, settings.seed, settings.elastic_probability, settings.redraw_pens))
        targets.append(digits)
    styled = min(settings.styled_digits, len(x) // STYLED_PER_DIGIT_LIMIT)
    if styled:
        styled_images, styled_labels = render_styled_digits(styled, settings.seed, settings.template_pens)
        images.append(styled_images)
        targets.append(keras.utils.to_categorical(styled_labels, NUM_CLASSES))
    count = min(settings.nondigits, len(x) // NONDIGITS_PER_DIGIT_LIMIT)
    if count:
        pairs = count // 3
        nondigits = np.concatenate(
            [
                render_nondigit_images(count - pairs, settings.seed),
                side_by_side_images(x, pairs, settings.seed),
            ]
        )
        images.append(nondigits)
        targets.append(np.full((len(nondigits), NUM_CLASSES), 1.0 / NUM_CLASSES, np.float32))
    return np.concatenate(images), np.concatenate(targets).astype(np.float32)


def prepare_splits(mnist, settings, split_seed: int | None = None):
    """uint8 MNIST ((x_train, y_train), (x_test, y_test)) -> (train, validation, test) splits of float32
    (N, 28, 28) images in [0, 1] with their labels; `settings.limit` keeps the first N of each set, and the
    validation split is drawn with `split_seed` (default `settings.seed`)."""
    (x_train, y_train), (x_test, y_test) = mnist
    if settings.limit:
        x_train, y_train = x_train[: settings.limit], y_train[: settings.limit]
        x_test, y_test = x_test[: settings.limit], y_test[: settings.limit]
    x_train, x_test = to_float_images(x_train), to_float_images(x_test)
    validation_size = min(settings.validation_size, len(x_train) // 5)
    seed = settings.seed if split_seed is None else split_seed
    train_split, validation = split_validation(x_train, y_train, validation_size, seed)
    return train_split, validation, (x_test, y_test)


def fit_model(
    model: keras.Model, train, validation, settings: TrainSettings, verbose="auto"
) -> keras.callbacks.History:
    """Train `model` in place on float (N, 28, 28) data, keeping the weights of the best validation epoch."""
    (x_train, y_train), (x_val, y_val) = build_training_set(*train, settings), validation
    trainer = model
    if settings.augment:
        inputs = keras.Input(shape=model.input_shape[1:])
        trainer = keras.Model(inputs, model(build_augmenter(settings)(inputs)), name="trainer")
    steps = settings.epochs * int(np.ceil(len(x_train) / settings.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate, decay_steps=max(steps, 1))
    trainer.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    keep_best = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=settings.epochs, restore_best_weights=True
    )
    return trainer.fit(
        x_train[..., None],
        y_train,
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        validation_data=(x_val[..., None], keras.utils.to_categorical(y_val, NUM_CLASSES)),
        callbacks=[keep_best],
        verbose=verbose,
    )


def calibrate_temperature(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Fit the softmax temperature on held-out float32 (N, 28, 28) images (least negative log-likelihood)
    and set it in the model's `temperature` layer; returns the temperature (1 = unchanged)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    logits_model = keras.Model(model.inputs, model.get_layer("logits").output)
    logits = keras.ops.convert_to_numpy(logits_model(images[..., None], training=False)).astype(np.float64)

    def negative_log_likelihood(temperature: float) -> float:
        return -log_softmax(logits / temperature, axis=1)[np.arange(len(labels)), labels].mean()

    temperature = float(minimize_scalar(negative_log_likelihood, bounds=(0.05, 20.0), method="bounded").x)
    model.get_layer("temperature").scale = 1.0 / temperature
    return temperature


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of float32 (N, 28, 28) images whose most probable class equals the label."""
    return float(np.mean(predict_proba(model, images).argmax(axis=1) == labels))


def describe_parent(path: str | Path) -> dict:
    """What a fine-tuning run started from: the model file's checksum and, when the metadata beside it
    describes that file, how it was trained."""
    path = Path(path)
    parent = {"file": path.name, "model_sha256": file_sha256(path)}
    metadata = load_metadata(path.parent / METADATA_PATH.name) if path.is_file() else None
    if metadata and metadata.get("model_sha256") == parent["model_sha256"]:
        for key in (
            "settings",
            "parent",
            "epochs_run",
            "best_epoch",
            "test_accuracy",
            "training_seconds",
            "trained_at",
        ):
            parent[key] = metadata.get(key)
    return parent


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


def train(mnist, settings: TrainSettings, data_path: Path, output_dir: Path, verbose="auto") -> dict:
    """Train from scratch (or continue `settings.init_from`), save `<output_dir>/digitlab_cnn.keras` and
    `metadata.json`; returns the metadata. Raises ModelLoadError when `init_from` cannot be read."""
    keras.utils.set_random_seed(settings.seed)
    if settings.init_from:
        model, parent = load_model(settings.init_from), describe_parent(settings.init_from)
        # The continued network keeps its own width, whatever `filters` said.
        settings = replace(settings, filters=(model.get_layer("conv_1").filters, model.get_layer("conv_3").filters))
        if settings.split_seed is None:
            # Keep the parent's validation split: never train on the images it picked its best epoch with.
            parent_seed = (parent.get("settings") or {}).get("seed", TrainSettings.seed)
            settings = replace(settings, split_seed=parent_seed)
    else:
        model, parent = build_model(filters=settings.filters), None
    split_seed = settings.seed if settings.split_seed is None else settings.split_seed
    train_split, validation, (x_test, y_test) = prepare_splits(mnist, settings, split_seed)

    started = time.perf_counter()
    history = fit_model(model, train_split, validation, settings, verbose=verbose)
    seconds = time.perf_counter() - started
    # Calibrate on held-out digits drawn the way the canvas draws them: that is where confidence is shown.
    x_val, y_val = validation
    temperature = 1.0
    if settings.calibrate:
        calibration_images = redraw_images(x_val, split_seed + 1, pen_range=settings.redraw_pens)
        temperature = calibrate_temperature(model, calibration_images, y_val)

    output_dir.mkdir(parents=True, exist_ok=True)
    model_path = output_dir / "digitlab_cnn.keras"
    model.save(model_path)
    val_history = history.history["val_accuracy"]
    metadata = {
        "model_file": model_path.name,
        "model_sha256": file_sha256(model_path),
        "architecture": describe_architecture(model),
        "parameters": int(model.count_params()),
        "settings": asdict(settings),
        "parent": parent,
        "epochs_run": len(val_history),
        "best_epoch": int(np.argmax(val_history)) + 1,
        "validation_accuracy": float(max(val_history)),
        "temperature": round(temperature, 4),
        "test_accuracy": accuracy(model, x_test, y_test),
        "test_size": int(len(x_test)),
        "training_seconds": round(seconds, 1),
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "data": {"file": Path(data_path).name, "sha256": file_sha256(data_path)},
        "versions": {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "numpy": np.__version__,
        },
        "history": {key: [round(float(v), 5) for v in values] for key, values in history.history.items()},
    }
    (output_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata
