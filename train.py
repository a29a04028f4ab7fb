"""Train DigitLab's bundled CNN (or a classic network to compare it with) on MNIST and write it into model/.

python train.py                      # full run, writes model/digitlab_cnn.keras + model/metadata.json
python train.py --fine-tune          # then the bundled model's second stage: 3 epochs with thicker pens
python train.py --fine-tune --extra class.npz   # teach it a class's handwriting (the Classroom page's export)
python train.py --arch mlp           # a classic network: model/zoo/mlp.keras + mlp.json + its evaluation
python train.py --arch pca-svc       # the PCA + SVC baseline: model/zoo/pca-svc.json (numbers only)
python train.py --data ~/mnist.npz   # MNIST from an npz in the Keras layout
python train.py --kfold 5            # stratified 5-fold CV only: stored in model/metadata.json, model untouched
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields
from pathlib import Path

# Train on TensorFlow (faster on a CPU than JAX, which serves the app); set before Keras is imported.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from digitlab.catalog import ARCHITECTURES, BASELINE, BUNDLED, CLASS, ModelFiles, model_files, zoo_dir
from digitlab.config import (
    CLASSROOM_DIR,
    KERAS_MNIST_PATH,
    METADATA_PATH,
    MODEL_DIR,
    MODEL_PATH,
    PENDIGITS_PATH,
    SAMPLES_PATH,
)
from digitlab.data import DataNotFoundError, find_mnist, load_mnist, write_samples
from digitlab.drawn.unipen import NONDIGIT_KINDS
from digitlab.evaluate import write_artifacts
from digitlab.model import ModelLoadError
from digitlab.neighbours import write_index
from digitlab.training.baseline import train_baseline
from digitlab.training.bundled import FINE_TUNE, train
from digitlab.training.classic import describe_recipes, resolve, train_classic
from digitlab.training.classroom import CLASS_FINE_TUNE, ClassSplit, NotEnoughDrawingsError, class_settings
from digitlab.training.classroom import fine_tune_on_class as tune_on_class
from digitlab.training.kfold import cross_validate, save_cross_validation
from digitlab.training.settings import ClassicSettings, FitSettings, TrainSettings

# The baseline's drawn-digit accuracy is measured on every this-many-th pen-drawn digit, as `python -m bench
# --models` measures the bundled models.
BASELINE_PENDIGITS_EVERY = 10


# Options that set one number of the training schedule; not given, the recipe's own value is used.
SCHEDULE_OPTIONS = {
    "epochs": "training epochs",
    "batch_size": "images per step",
    "learning_rate": "initial learning rate (Adam with cosine decay for the bundled model)",
    "seed": "random seed for the split, weights and augmentation",
}
# Options that set one number of the bundled model's recipe.
RECIPE_OPTIONS = {
    "validation_size": "training images held out to pick the best epoch",
    "rotation_degrees": "augmentation: maximum rotation",
    "zoom": "augmentation: maximum zoom in or out (share of size)",
    "shift": "augmentation: maximum shift (share of size)",
    "thickness_probability": "augmentation: chance of thickening or thinning the strokes",
    "elastic_probability": "chance that a restroked digit is also elastically distorted",
    "nondigits": "generated non-digit drawings trained toward 'no digit' (uniform probabilities), at most one per "
    "6 training digits; 0 turns this off",
    "styled_digits": "digits drawn from stroke templates of handwriting styles MNIST lacks (flagged 1s, crossed "
    "7s, ...), at most one per 3 training digits; 0 turns this off",
    "handwriting_copies": "real pen-drawn digits (UNIPEN, the training writers): how many times each is read "
    "like the draw page reads a drawing, placed anew each time; 0 trains without them",
    "handwriting_per_writer": "at most this many real pen-drawn digits of one writer",
    "real_nondigits": "real drawings that are not digits (UNIPEN letters and symbols, gestures) trained toward "
    "'no digit'; 0 turns them off",
}


def _option(field: str) -> str:
    """A TrainSettings field's command-line option: "batch_size" -> "--batch-size"."""
    return "--" + field.replace("_", "-")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = TrainSettings()
    parser = argparse.ArgumentParser(
        description="Train DigitLab's CNN on MNIST (seeded, reproducible) and write it into model/.",
        epilog="architectures (--arch):\n" + describe_recipes(),
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--arch",
        choices=ARCHITECTURES,
        default=BUNDLED,
        help=f"what to train: {BUNDLED} writes <output-dir>/digitlab_cnn.keras; a classic network writes "
        "<output-dir>/zoo/<arch>.keras, <arch>.json (metadata) and its evaluation; "
        f"{BASELINE} writes only <output-dir>/zoo/{BASELINE}.json (see the list below). The classic networks "
        "train on plain MNIST with their own recipe; --epochs, --batch-size and --learning-rate override it, "
        "--seed, --validation-size and --limit apply, the augmentation options do not",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"MNIST npz in the Keras layout (x_train, y_train, x_test, y_test); default: the Keras loader's file "
        f"{KERAS_MNIST_PATH}, then ../shared/data/mnist.npz, then Keras's loader downloads it (needs the network)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help=f"where the model and metadata go (default: {MODEL_DIR}; with --extra, the class's folder "
        f"{CLASSROOM_DIR}, where the app's model selector finds the fine-tuned model)",
    )
    # Not given: the bundled model's TrainSettings (or its second stage's), or a classic network's own recipe.
    for field, what in SCHEDULE_OPTIONS.items():
        default = getattr(defaults, field)
        stage = f", {FINE_TUNE[field]} with --fine-tune" if field in FINE_TUNE else ""
        parser.add_argument(_option(field), type=type(default), default=argparse.SUPPRESS,
                            help=f"{what} (default: {default} for {BUNDLED}{stage}; a classic network's recipe has "
                            "its own)")  # fmt: skip
    parser.add_argument(
        "--no-augment", dest="augment", action="store_false", help="train on plain MNIST, without augmentation"
    )
    parser.add_argument(
        "--no-restroke",
        dest="restroke",
        action="store_false",
        help="skip the restroked copy of each digit (canvas-style pen strokes through the app's pipeline)",
    )
    for field, what in RECIPE_OPTIONS.items():
        # Not given, the recipe's value holds: TrainSettings', or the second stage's (FINE_TUNE).
        default = getattr(defaults, field)
        stage = f"; {FINE_TUNE[field]} with --fine-tune" if field in FINE_TUNE else ""
        parser.add_argument(
            _option(field), type=type(default), default=argparse.SUPPRESS, help=f"{what} (default: {default}{stage})"
        )
    parser.add_argument(
        "--leave-out",
        choices=NONDIGIT_KINDS,
        default=None,
        help="a kind of real non-digit never trained on, to measure how the model treats kinds it never saw "
        "(see docs/robustness.md)",
    )
    parser.add_argument(
        "--filters",
        type=int,
        nargs=2,
        metavar=("FIRST", "SECOND"),
        default=defaults.filters,
        help="channels of the network's two conv-conv-pool stages (ignored when continuing a model)",
    )
    for pens, what in [
        ("restroke_pens", "restroked digits, as shares of the digit's height"),
        ("template_pens", "styled digits, as shares of the drawing's size"),
    ]:
        parser.add_argument(
            _option(pens),
            type=float,
            nargs=2,
            metavar=("LOW", "HIGH"),
            default=argparse.SUPPRESS,
            help=f"pen widths of the {what} (default: {getattr(defaults, pens)}; {FINE_TUNE[pens]} with --fine-tune)",
        )
    parser.add_argument(
        "--init-from",
        metavar="MODEL",
        default=argparse.SUPPRESS,
        help="continue training this .keras model (keeping the validation split of its metadata's seed) "
        "instead of starting from scratch",
    )
    parser.add_argument(
        "--fine-tune",
        action="store_true",
        help="the bundled model's second stage: continue training --init-from (default: the bundled model) with "
        f"{FINE_TUNE['epochs']} epochs at learning rate {FINE_TUNE['learning_rate']}, seed {FINE_TUNE['seed']} "
        "and the thicker pens above; options given explicitly override these",
    )
    parser.add_argument(
        "--extra",
        type=Path,
        metavar="PATH",
        default=None,
        help="with --fine-tune: teach the model a class's handwriting instead. PATH is the class's drawings as the "
        "Classroom page exports them (an MNIST-format .npz whose test split is the drawings held back from "
        f"fine-tuning); {CLASS_FINE_TUNE['epochs']} epochs at learning rate {CLASS_FINE_TUNE['learning_rate']} on "
        "them beside replayed MNIST digits, then the before/after comparison on the held-back drawings; writes "
        "<output-dir>/class_cnn.keras, .json and its evaluation",
    )
    parser.add_argument(
        "--no-calibrate",
        dest="calibrate",
        action="store_false",
        help="skip fitting the softmax temperature on the validation split",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="use only the first N training and N test images (smoke tests)"
    )
    parser.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")
    parser.add_argument(
        "--kfold",
        type=int,
        default=None,
        metavar="K",
        help="instead of training the model: stratified K-fold cross-validation of these settings on the training "
        "set; adds each fold's accuracy and the mean and std under 'kfold' in <output-dir>/metadata.json and "
        "leaves the model and its evaluation untouched (--limit N uses the first N training images)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.extra is not None and (not args.fine_tune or args.arch != BUNDLED or args.kfold is not None):
        print("error: --extra goes with --fine-tune (and not with --arch or --kfold)", file=sys.stderr)
        return 2
    if args.output_dir is None:
        args.output_dir = CLASSROOM_DIR if args.extra is not None else MODEL_DIR
    try:
        data_path = find_mnist(args.data, download=True)
        mnist = load_mnist(data_path)
    except DataNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    if (args.fine_tune or hasattr(args, "init_from")) and (args.arch != BUNDLED or args.kfold is not None):
        print(
            f"error: --init-from and --fine-tune continue training {BUNDLED}; not with --arch or --kfold",
            file=sys.stderr,
        )
        return 2
    verbose = 2 if args.quiet else "auto"
    if args.extra is not None:
        return fine_tune_on_class(mnist, args, data_path)
    if args.arch != BUNDLED:
        if args.kfold is not None:
            print(f"error: --kfold cross-validates the {BUNDLED} recipe only", file=sys.stderr)
            return 2
        if args.arch == BASELINE:
            return train_baseline_model(mnist, args, data_path)
        return train_classic_model(mnist, args, data_path, verbose)
    given = {field.name: getattr(args, field.name) for field in fields(TrainSettings) if hasattr(args, field.name)}
    if args.fine_tune:
        given = {**FINE_TUNE, "init_from": os.path.relpath(MODEL_PATH), **given}
    settings = TrainSettings(**given)
    if args.kfold is not None:
        return run_cross_validation(mnist, args.kfold, settings, args.output_dir, verbose)
    print(f"Training on {data_path} -> {args.output_dir} with {settings}")
    try:
        metadata = train(mnist, settings, data_path, args.output_dir, verbose=verbose)
    except DataNotFoundError as error:
        print(f"error: {error} Or train without it: --handwriting-copies 0 --real-nondigits 0.", file=sys.stderr)
        return 2
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Best epoch {metadata['best_epoch']}/{metadata['epochs_run']}: "
        f"validation accuracy {metadata['validation_accuracy']:.4%}, "
        f"MNIST test accuracy {metadata['test_accuracy']:.4%} on {metadata['test_size']} images, "
        f"{metadata['training_seconds']:.0f} s. Wrote {args.output_dir}/."
    )
    write_evaluation(mnist, model_files(BUNDLED, args.output_dir), data_path, settings.limit)
    write_nearest_digits(mnist, model_files(BUNDLED, args.output_dir), data_path, settings.limit)
    (x_test, y_test) = mnist[1]
    write_samples(x_test, y_test, args.output_dir / SAMPLES_PATH.name)
    return 0


def fine_tune_on_class(mnist, args: argparse.Namespace, data_path: Path) -> int:
    """`--fine-tune --extra PATH`: the model (or --init-from) fine-tuned on a class's drawings, compared with it."""
    schedule = {field: getattr(args, field) for field in SCHEDULE_OPTIONS if hasattr(args, field)}
    parent = getattr(args, "init_from", None) or MODEL_PATH
    output = model_files(CLASS, args.output_dir).model
    try:
        split = ClassSplit.from_dataset(load_mnist(args.extra))
        print(f"Fine-tuning {parent} on {len(split.x_train)} class drawings ({len(split.x_test)} held back)")
        metadata = tune_on_class(parent, split, mnist, data_path, output, class_settings(**schedule))
    except (DataNotFoundError, NotEnoughDrawingsError, ModelLoadError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = metadata["class"]
    print(
        f"On the {result['held_back']} held-back class drawings: {result['before']['accuracy']:.1%} before, "
        f"{result['after']['accuracy']:.1%} after ({len(result['now_right'])} now read right, "
        f"{len(result['now_wrong'])} now wrong). MNIST test accuracy {metadata['parent_test_accuracy']:.2%} before, "
        f"{metadata['test_accuracy']:.2%} after. {metadata['training_seconds']:.0f} s. Wrote {output}."
    )
    return 0


def train_classic_model(mnist, args: argparse.Namespace, data_path: Path, verbose) -> int:
    """`--arch` a classic network: train it with its recipe, then write its evaluation."""
    settings = ClassicSettings(
        arch=args.arch,
        epochs=getattr(args, "epochs", None),
        batch_size=getattr(args, "batch_size", None),
        learning_rate=getattr(args, "learning_rate", None),
        validation_size=getattr(args, "validation_size", FitSettings.validation_size),
        seed=getattr(args, "seed", FitSettings.seed),
        limit=args.limit,
    )
    print(f"Training {args.arch} on {data_path} -> {zoo_dir(args.output_dir)}/ with {resolve(settings)}")
    metadata = train_classic(mnist, settings, data_path, args.output_dir, verbose=verbose)
    print(
        f"{args.arch}: {metadata['parameters']:,} parameters, {metadata['size_bytes'] / 1e6:.1f} MB; epoch "
        f"{metadata['best_epoch']}/{metadata['epochs_run']} kept, MNIST test accuracy {metadata['test_accuracy']:.2%}, "
        f"{metadata['training_seconds']:.0f} s, {metadata['predict_ms']['p50']:.2f} ms per prediction (p50)."
    )
    write_evaluation(mnist, model_files(args.arch, args.output_dir), data_path, args.limit)
    write_nearest_digits(mnist, model_files(args.arch, args.output_dir), data_path, args.limit)
    return 0


def train_baseline_model(mnist, args: argparse.Namespace, data_path: Path) -> int:
    """`--arch pca-svc`: fit the baseline and write its numbers (its drawn-digit accuracy too, given the data)."""
    seed = getattr(args, "seed", FitSettings.seed)
    every = None if args.limit or not PENDIGITS_PATH.is_file() else BASELINE_PENDIGITS_EVERY
    print(f"Training {BASELINE} on {data_path} -> {zoo_dir(args.output_dir)}/ (seed {seed})")
    result = train_baseline(mnist, data_path, args.output_dir, seed=seed, limit=args.limit, pendigits_every=every)
    print(
        f"{BASELINE}: MNIST test accuracy {result['test_accuracy']:.2%} on {result['test_size']} images, "
        f"trained on {result['train_size']:,} images in {result['training_seconds']:.0f} s."
    )
    return 0


def write_evaluation(mnist, files: ModelFiles, data_path: Path, limit: int | None) -> None:
    """Write a saved model's evaluation artifacts (predictions, metrics, mistakes on the test set)."""
    _, (x_test, y_test) = mnist
    x_test, y_test = x_test[:limit], y_test[:limit]
    summary = write_artifacts(files.model, x_test, y_test, data_path, files.evaluation.parent, files.evaluation.stem)
    print(
        f"Evaluation: test accuracy {summary['accuracy']:.2%} on {summary['test_size']} images, "
        f"in {files.evaluation} and {files.evaluation_summary}."
    )


def write_nearest_digits(mnist, files: ModelFiles, data_path: Path, limit: int | None) -> None:
    """Write a saved model's nearest-digit index (the Explain page's training digits nearest to a drawing)."""
    (x_train, y_train), _ = mnist
    path = write_index(files.model, x_train[:limit], y_train[:limit], data_path)
    print(f"Nearest-digit index: {path} ({path.stat().st_size / 1e6:.1f} MB).")


def run_cross_validation(mnist, folds: int, settings: TrainSettings, output_dir: Path, verbose) -> int:
    """Stratified K-fold CV on the training set, saved under "kfold" in the metadata; the model is untouched."""
    if folds < 2:
        print("error: --kfold needs K >= 2", file=sys.stderr)
        return 2
    (x_train, y_train), _ = mnist
    print(f"Stratified {folds}-fold cross-validation with {settings}")
    report = cross_validate(x_train, y_train, folds, settings, verbose=verbose)
    path = save_cross_validation(report, output_dir / METADATA_PATH.name)
    print(
        f"{folds}-fold accuracy {report['mean_accuracy']:.2%} ± {report['std_accuracy']:.2%} "
        f"on {report['images']} training images. Saved under 'kfold' in {path}."
    )
    return 0


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults in the option help, and the architecture list below kept line by line."""


if __name__ == "__main__":
    sys.exit(main())
