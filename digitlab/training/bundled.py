"""The bundled CNN's recipe: its training mix, augmentation, the fit, calibration and the metadata beside it."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import keras
import numpy as np
from keras import layers
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from digitlab import config
from digitlab.config import METADATA_PATH, MODEL_PATH, NUM_CLASSES
from digitlab.drawn.drawings import NOT_A_DIGIT, PenDrawing
from digitlab.drawn.unipen import cap_per_writer, in_split, is_digit_like, load_nondigits, load_unipen_digits
from digitlab.model import build_model, load_metadata, load_model
from digitlab.provenance import data_identity, file_sha256, write_json
from digitlab.training.drawings import generated_nondigits, render_drawings, styled_digits
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
    "real_nondigits": 15000,
}
# Real non-digits of one writer, at most: a few prolific writers must not decide what "not a digit" looks like.
NONDIGITS_PER_WRITER = 120
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
    augmenter = keras.Sequential(
        [
            RandomStrokeWidth(settings.thickness_probability, seed=seed),
            layers.RandomRotation(settings.rotation_degrees / 360, fill_mode="constant", seed=seed + 1),
            layers.RandomZoom(settings.zoom, fill_mode="constant", seed=seed + 2),
            layers.RandomTranslation(settings.shift, settings.shift, fill_mode="constant", seed=seed + 3),
        ],
        name="augment",
    )
    if keras.backend.backend() == "jax":
        # Keras marks its image transforms as not compilable because TensorFlow's XLA lacks their op; JAX compiles
        # them. Left marked, a model holding them trains op by op wherever Keras trains on JAX: the test suite trains
        # in its own process on the app's backend (train.py and the class's fine-tuning train on TensorFlow).
        for layer in augmenter.layers:
            layer.supports_jit = True
    return augmenter


@dataclass(frozen=True)
class Handwriting:
    """Real pen drawings of the training writers (digits, and non-digits that look like no digit) and the
    validation writers' digits, from `load_handwriting`."""

    digits: list[PenDrawing]
    nondigits: list[PenDrawing]
    validation_digits: list[PenDrawing]
    sources: list[dict]


def load_handwriting(settings: TrainSettings) -> Handwriting | None:
    """The real handwriting the recipe trains on, split by writer; None when it uses none.

    Raises DataNotFoundError, saying where to get the data, when a data set is missing.
    """
    if not settings.uses_handwriting:
        return None
    digits = load_unipen_digits()
    nondigits = [
        drawing
        for drawing in (load_nondigits() if settings.real_nondigits else [])
        if not is_digit_like(drawing) and drawing.kind != settings.leave_out
    ]
    paths = [config.UNIPEN_DIGITS_PATH] + ([config.UNIPEN_NONDIGITS_PATH, config.GESTURES_PATH] if nondigits else [])
    sources = [data_identity(path) for path in paths]
    # A --limit run (a smoke test) keeps only the first drawings of each set, like the first MNIST images.
    return Handwriting(
        digits=cap_per_writer(in_split(digits, "train"), settings.handwriting_per_writer)[: settings.limit],
        nondigits=cap_per_writer(in_split(nondigits, "train"), NONDIGITS_PER_WRITER)[: settings.limit],
        validation_digits=in_split(digits, "validation")[: settings.limit],
        sources=sources,
    )


def build_training_set(
    x: np.ndarray, y: np.ndarray, settings: TrainSettings, handwriting: Handwriting | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """float32 (N, 28, 28) MNIST digits and int labels, and the real handwriting -> (images, soft targets (M, 10)).

    Besides the MNIST digits: a restroked copy of each (as the canvas would draw it), real pen-drawn digits and
    digits drawn from stroke templates of handwriting styles MNIST lacks (both read exactly as the draw page
    reads a drawing), and non-digits (real letters, symbols and gestures, generated scribbles and shapes, and
    MNIST digits side by side) whose target is the uniform distribution, so the model learns to spread its
    confidence on them ("outlier exposure", Hendrycks et al., 2019).
    """
    images, labels = [x], [y]
    if settings.restroke:
        images.append(restroke_images(x, settings.seed, settings.elastic_probability, settings.restroke_pens))
        labels.append(y)
    drawings = styled_digits(min(settings.styled_digits, len(x) // STYLED_PER_DIGIT_LIMIT), settings.seed)
    drawn, drawn_labels = render_drawings(drawings, settings.seed, pens=settings.template_pens)
    images.append(drawn)
    labels.append(drawn_labels)
    if handwriting is not None:
        drawn, drawn_labels = render_drawings(handwriting.digits, settings.seed + 1, settings.handwriting_copies)
        images.append(drawn)
        labels.append(drawn_labels)
        picked = np.random.default_rng(settings.seed).permutation(len(handwriting.nondigits))[: settings.real_nondigits]
        drawn, drawn_labels = render_drawings([handwriting.nondigits[i] for i in picked], settings.seed + 2)
        images.append(drawn)
        labels.append(drawn_labels)
    count = min(settings.nondigits, len(x) // NONDIGITS_PER_DIGIT_LIMIT)
    if count:
        pairs = count // 3
        drawn, drawn_labels = render_drawings(generated_nondigits(count - pairs, settings.seed), settings.seed + 3)
        images += [drawn, side_by_side_images(x, pairs, settings.seed)]
        labels += [drawn_labels, np.full(pairs, NOT_A_DIGIT)]
    labels = np.concatenate(labels)
    targets = np.full((len(labels), NUM_CLASSES), 1.0 / NUM_CLASSES, np.float32)
    is_digit = labels != NOT_A_DIGIT
    targets[is_digit] = keras.utils.to_categorical(labels[is_digit], NUM_CLASSES)
    return np.concatenate(images).astype(np.float32), targets


def validation_set(validation, handwriting: Handwriting | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The held-out MNIST digits and, with real handwriting, the validation writers' digits read like the draw
    page reads them: float32 (N, 28, 28) and int labels, the set that picks the best epoch."""
    x_val, y_val = validation
    if handwriting is None:
        return validation
    drawn, labels = render_drawings(handwriting.validation_digits, seed)
    return np.concatenate([x_val, drawn]), np.concatenate([y_val, labels])


def fit_bundled(
    model: keras.Model,
    train,
    validation,
    settings: TrainSettings,
    handwriting: Handwriting | None = None,
    verbose="auto",
) -> keras.callbacks.History:
    """Train `model` in place on its training mix built from float (N, 28, 28) digits and the real handwriting
    (augmented on the fly), with Adam and cosine decay, keeping the weights of the best validation epoch."""
    x_train, targets = build_training_set(*train, settings, handwriting)
    return fit_augmented(model, x_train, targets, validation, settings, verbose=verbose)


def fit_augmented(
    model: keras.Model,
    x_train: np.ndarray,
    targets: np.ndarray,
    validation,
    settings: TrainSettings,
    keep_best: bool = True,
    verbose="auto",
    callbacks=(),
) -> keras.callbacks.History:
    """The recipe's fit of a ready training set, float32 (N, 28, 28) images and (N, 10) targets: augmented on the
    fly (`build_augmenter`), Adam with cosine decay from `settings.learning_rate`, through the one fit loop."""
    trainer = model
    if settings.augment:
        inputs = keras.Input(shape=model.input_shape[1:])
        trainer = keras.Model(inputs, model(build_augmenter(settings)(inputs)), name="trainer")
    steps = settings.epochs * int(np.ceil(len(x_train) / settings.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate, decay_steps=max(steps, 1))
    optimizer = keras.optimizers.Adam(schedule)
    return fit(trainer, x_train, targets, validation, settings, optimizer, keep_best, verbose, callbacks)


def calibration_set(validation, handwriting: Handwriting | None, settings: TrainSettings):
    """Held-out drawings to fit the temperature on: the validation writers' real digits read like the draw page
    reads them; without real handwriting, the held-out MNIST digits restroked like canvas strokes."""
    x_val, y_val = validation
    if handwriting is not None:
        return render_drawings(handwriting.validation_digits, settings.validation_seed + 1)
    return restroke_images(x_val, settings.validation_seed + 1, pen_range=settings.restroke_pens), y_val


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
    handwriting = load_handwriting(settings)

    started = time.perf_counter()
    checked = validation_set(validation, handwriting, settings.validation_seed)
    history = fit_bundled(model, train_split, checked, settings, handwriting, verbose=verbose)
    seconds = time.perf_counter() - started
    # Calibrate on held-out drawings read the way the draw page reads them: that is where confidence is shown.
    temperature = 1.0
    if settings.calibrate:
        temperature = calibrate_temperature(model, *calibration_set(validation, handwriting, settings))

    model_path = Path(output_dir) / MODEL_PATH.name
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model.save(model_path)
    metadata = describe_run(model, model_path, settings, history, seconds, test, data_path)
    metadata.update(parent=parent, temperature=round(temperature, 4))
    if handwriting is not None:
        metadata["handwriting"] = {
            "sources": handwriting.sources,
            "training_digits": len(handwriting.digits),
            "training_nondigits": len(handwriting.nondigits),
            "validation_digits": len(handwriting.validation_digits),
        }
    write_json(model_path.parent / METADATA_PATH.name, metadata)
    return metadata
