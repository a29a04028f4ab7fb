"""The bundled CNN's recipe: its training mix, augmentation, the fit, calibration and the metadata beside it."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
from keras import layers
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from digitlab.config import METADATA_PATH, MODEL_PATH, NUM_CLASSES
from digitlab.model import build_model, load_metadata, load_model
from digitlab.provenance import file_sha256, write_json
from digitlab.training.drawings import render_nondigit_images, render_styled_digits
from digitlab.training.fit import describe_run, fit
from digitlab.training.mnist import prepare_splits, restroke_images, side_by_side_images
from digitlab.training.settings import TrainSettings

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
    "restroke_pens": (0.08, 0.45),
    "template_pens": (0.12, 0.38),
}
# What a fine-tuned model's metadata keeps of the run it continued.
PARENT_KEYS = ("settings", "parent", "epochs_run", "best_epoch", "test_accuracy", "training_seconds", "trained_at")


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


def build_training_set(x: np.ndarray, y: np.ndarray, settings: TrainSettings) -> tuple[np.ndarray, np.ndarray]:
    """float32 (N, 28, 28) digits and int labels -> (images, soft targets (M, 10)).

    Besides the digits: a restroked copy of each (as the canvas would draw it), digits drawn from stroke
    templates of handwriting styles MNIST lacks (`templates`), and non-digits (generated scribbles, shapes,
    letters, blobs, and digits side by side) whose target is the uniform distribution, so the model learns to
    spread its confidence on them ("outlier exposure", Hendrycks et al., 2019).
    """
    digits = keras.utils.to_categorical(y, NUM_CLASSES)
    images, targets = [x], [digits]
    if settings.restroke:
        images.append(restroke_images(x, settings.seed, settings.elastic_probability, settings.restroke_pens))
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
            [render_nondigit_images(count - pairs, settings.seed), side_by_side_images(x, pairs, settings.seed)]
        )
        images.append(nondigits)
        targets.append(np.full((len(nondigits), NUM_CLASSES), 1.0 / NUM_CLASSES, np.float32))
    return np.concatenate(images), np.concatenate(targets).astype(np.float32)


def fit_bundled(
    model: keras.Model, train, validation, settings: TrainSettings, verbose="auto"
) -> keras.callbacks.History:
    """Train `model` in place on its training mix built from float (N, 28, 28) digits (augmented on the fly),
    with Adam and cosine decay, keeping the weights of the best validation epoch."""
    x_train, targets = build_training_set(*train, settings)
    trainer = model
    if settings.augment:
        inputs = keras.Input(shape=model.input_shape[1:])
        trainer = keras.Model(inputs, model(build_augmenter(settings)(inputs)), name="trainer")
    steps = settings.epochs * int(np.ceil(len(x_train) / settings.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate, decay_steps=max(steps, 1))
    return fit(trainer, x_train, targets, validation, settings, keras.optimizers.Adam(schedule), verbose=verbose)


def calibrate_temperature(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Fit the softmax temperature on held-out float32 (N, 28, 28) images (least negative log-likelihood)
    and set it in the model's `temperature` layer; returns the temperature (1 = unchanged)."""
    logits_model = keras.Model(model.inputs, model.get_layer("logits").output)
    logits = keras.ops.convert_to_numpy(logits_model(images[..., None], training=False)).astype(np.float64)

    def negative_log_likelihood(temperature: float) -> float:
        return -log_softmax(logits / temperature, axis=1)[np.arange(len(labels)), labels].mean()

    temperature = float(minimize_scalar(negative_log_likelihood, bounds=(0.05, 20.0), method="bounded").x)
    model.get_layer("temperature").scale = 1.0 / temperature
    return temperature


def describe_parent(path: str | Path) -> dict:
    """What a fine-tuning run started from: the model file's checksum and, when the metadata beside it
    describes that file, how it was trained."""
    path = Path(path)
    parent = {"file": path.name, "model_sha256": file_sha256(path)}
    metadata = load_metadata(path.parent / METADATA_PATH.name) if path.is_file() else None
    if metadata and metadata.get("model_sha256") == parent["model_sha256"]:
        parent.update({key: metadata.get(key) for key in PARENT_KEYS})
    return parent


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
    train_split, validation, test = prepare_splits(
        mnist, settings.validation_size, settings.validation_seed, settings.limit
    )

    started = time.perf_counter()
    history = fit_bundled(model, train_split, validation, settings, verbose=verbose)
    seconds = time.perf_counter() - started
    # Calibrate on held-out digits drawn the way the canvas draws them: that is where confidence is shown.
    x_val, y_val = validation
    temperature = 1.0
    if settings.calibrate:
        calibration_images = restroke_images(x_val, settings.validation_seed + 1, pen_range=settings.restroke_pens)
        temperature = calibrate_temperature(model, calibration_images, y_val)

    model_path = Path(output_dir) / MODEL_PATH.name
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model.save(model_path)
    metadata = describe_run(model, model_path, settings, history, seconds, test, data_path)
    metadata.update(parent=parent, temperature=round(temperature, 4))
    write_json(model_path.parent / METADATA_PATH.name, metadata)
    return metadata
