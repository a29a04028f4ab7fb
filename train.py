"""Train DigitLab's bundled CNN (or a classic network to compare it with) on MNIST and write it into model/.

python train.py                      # full run, writes model/digitlab_cnn.keras + model/metadata.json
python train.py --fine-tune          # then the bundled model's second stage: 3 epochs with thicker pens
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

from digitlab.architectures import ARCHITECTURES, BASELINE, BUNDLED, describe_recipes
from digitlab.config import KERAS_MNIST_PATH, METADATA_PATH, MODEL_DIR, MODEL_PATH, SAMPLES_PATH
from digitlab.data import DataNotFoundError, find_mnist, load_mnist, write_samples
from digitlab.model import ModelLoadError
from digitlab.training import FINE_TUNE, TrainSettings


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
        help=f"MNIST npz in the Keras layout (x_train, y_train, x_test, y_test); "
        f"default: the Keras loader's file {KERAS_MNIST_PATH}, then ../shared/data/mnist.npz",
    )
    parser.add_argument("--output-dir", type=Path, default=MODEL_DIR, help="where the model and metadata go")
    # Not given: the bundled model's TrainSettings, or a classic network's own recipe.
    recipe_default = f"for {BUNDLED}; the recipe's for the other architectures"
    parser.add_argument(
        "--epochs",
        type=int,
        default=argparse.SUPPRESS,
        help=f"training epochs (default: {defaults.epochs} {recipe_default})",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=argparse.SUPPRESS,
        help=f"images per step (default: {defaults.batch_size} {recipe_default})",
    )
    parser.add_argument("--learning-rate", type=float, default=argparse.SUPPRESS,
                        help=f"initial learning rate (default: {defaults.learning_rate}, Adam with cosine decay, "
                        f"{recipe_default})")  # fmt: skip
    parser.add_argument(
        "--validation-size",
        type=int,
        default=defaults.validation_size,
        help="training images held out to pick the best epoch",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=argparse.SUPPRESS,
        help=f"random seed for the split, weights and augmentation (default: {defaults.seed}; "
        f"{FINE_TUNE['seed']} with --fine-tune)",
    )
    parser.add_argument(
        "--no-augment", dest="augment", action="store_false", help="train on plain MNIST, without augmentation"
    )
    parser.add_argument(
        "--rotation-degrees", type=float, default=defaults.rotation_degrees, help="augmentation: maximum rotation"
    )
    parser.add_argument(
        "--zoom", type=float, default=defaults.zoom, help="augmentation: maximum zoom in or out (share of size)"
    )
    parser.add_argument(
        "--shift", type=float, default=defaults.shift, help="augmentation: maximum shift (share of size)"
    )
    parser.add_argument(
        "--thickness-probability",
        type=float,
        default=defaults.thickness_probability,
        help="augmentation: chance of thickening or thinning the strokes",
    )
    parser.add_argument(
        "--no-redraw",
        dest="redraw",
        action="store_false",
        help="skip the redrawn copy of each digit (canvas-style pen strokes through the app's pipeline)",
    )
    parser.add_argument(
        "--elastic-probability",
        type=float,
        default=defaults.elastic_probability,
        help="chance that a redrawn digit is also elastically distorted",
    )
    parser.add_argument(
        "--nondigits",
        type=int,
        default=defaults.nondigits,
        help="generated non-digit drawings trained toward 'no digit' (uniform probabilities), "
        "at most one per 6 training digits; 0 turns this off",
    )
    parser.add_argument(
        "--styled-digits",
        type=int,
        default=defaults.styled_digits,
        help="digits drawn from stroke templates of handwriting styles MNIST lacks (flagged 1s, crossed 7s, ...), "
        "at most one per 3 training digits; 0 turns this off",
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
        ("redraw_pens", "redrawn digits, as shares of the digit's height"),
        ("template_pens", "styled digits, as shares of the drawing's size"),
    ]:
        parser.add_argument(
            "--" + pens.replace("_", "-"),
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
    try:
        data_path = find_mnist(args.data)
        mnist = load_mnist(data_path)
    except DataNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    # Import the training stack only once the data is there: TensorFlow takes seconds to load.
    from digitlab.training import train

    if (args.fine_tune or hasattr(args, "init_from")) and (args.arch != BUNDLED or args.kfold is not None):
        print(
            f"error: --init-from and --fine-tune continue training {BUNDLED}; not with --arch or --kfold",
            file=sys.stderr,
        )
        return 2
    if args.arch != BUNDLED:
        if args.kfold is not None:
            print(f"error: --kfold cross-validates the {BUNDLED} recipe only", file=sys.stderr)
            return 2
        return train_classic(mnist, args, data_path)
    given = {field.name: getattr(args, field.name) for field in fields(TrainSettings) if hasattr(args, field.name)}
    if args.fine_tune:
        given = {**FINE_TUNE, "init_from": os.path.relpath(MODEL_PATH), **given}
    settings = TrainSettings(**given)
    if args.kfold is not None:
        return run_cross_validation(mnist, args.kfold, settings, args.output_dir, verbose=2 if args.quiet else "auto")
    print(f"Training on {data_path} -> {args.output_dir} with {settings}")
    try:
        metadata = train(mnist, settings, data_path, args.output_dir, verbose=2 if args.quiet else "auto")
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Best epoch {metadata['best_epoch']}/{metadata['epochs_run']}: "
        f"validation accuracy {metadata['validation_accuracy']:.4%}, "
        f"MNIST test accuracy {metadata['test_accuracy']:.4%} on {metadata['test_size']} images, "
        f"{metadata['training_seconds']:.0f} s. Wrote {args.output_dir}/."
    )
    write_evaluation(mnist, settings, data_path, args.output_dir / metadata["model_file"], args.output_dir)
    (x_test, y_test) = mnist[1]
    write_samples(x_test, y_test, args.output_dir / SAMPLES_PATH.name)
    return 0


def train_classic(mnist, args: argparse.Namespace, data_path: Path) -> int:
    """`--arch` other than the bundled model: a classic network (with its evaluation) or the PCA + SVC baseline."""
    seed = getattr(args, "seed", TrainSettings.seed)
    from digitlab import zoo

    if args.arch == BASELINE:
        every = None if args.limit else zoo_pendigits_every()
        print(f"Training {BASELINE} on {data_path} -> {zoo.zoo_dir(args.output_dir)}/ (seed {seed})")
        result = zoo.train_baseline(
            mnist, data_path, args.output_dir, seed=seed, limit=args.limit, pendigits_every=every
        )
        print(
            f"{BASELINE}: MNIST test accuracy {result['test_accuracy']:.2%} on {result['test_size']} images, "
            f"trained on {result['train_size']:,} images in {result['training_seconds']:.0f} s."
        )
        return 0
    settings = zoo.ZooSettings(
        args.arch, getattr(args, "epochs", None), getattr(args, "batch_size", None),
        getattr(args, "learning_rate", None), args.validation_size, seed, args.limit,
    )  # fmt: skip
    print(f"Training {args.arch} on {data_path} -> {zoo.zoo_dir(args.output_dir)}/ with {settings.resolved()}")
    metadata = zoo.train_recipe(mnist, settings, data_path, args.output_dir, verbose=2 if args.quiet else "auto")
    print(
        f"{args.arch}: {metadata['parameters']:,} parameters, {metadata['size_bytes'] / 1e6:.1f} MB; epoch "
        f"{metadata['best_epoch']}/{metadata['epochs_run']} kept, MNIST test accuracy {metadata['test_accuracy']:.2%}, "
        f"{metadata['training_seconds']:.0f} s, {metadata['predict_ms']['p50']:.2f} ms per prediction (p50)."
    )
    files = zoo.model_files(args.arch, args.output_dir)
    _, (x_test, y_test) = mnist
    if args.limit:
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    from digitlab.evaluate import write_artifacts

    write_artifacts(files.model, x_test, y_test, data_path, files.evaluation.parent, stem=files.evaluation.stem)
    print(f"Evaluation written to {files.evaluation} and {files.evaluation_summary}.")
    return 0


def zoo_pendigits_every() -> int | None:
    """Every k-th pen-drawn digit for the baseline's drawn-digit accuracy (as the benchmark), None without the data."""
    from digitlab.config import PENDIGITS_PATH

    return int(os.environ.get("DIGITLAB_PENDIGITS_EVERY", 10)) if PENDIGITS_PATH.is_file() else None


def write_evaluation(mnist, settings: TrainSettings, data_path: Path, model_path: Path, output_dir: Path) -> None:
    """Write the saved model's evaluation artifacts (predictions, metrics, mistakes on the test set)."""
    from digitlab.evaluate import write_artifacts

    _, (x_test, y_test) = mnist
    if settings.limit:
        x_test, y_test = x_test[: settings.limit], y_test[: settings.limit]
    summary = write_artifacts(model_path, x_test, y_test, data_path, output_dir)
    print(f"Evaluation: test accuracy {summary['accuracy']:.2%} on {summary['test_size']} images, in {output_dir}/.")


def run_cross_validation(mnist, folds: int, settings: TrainSettings, output_dir: Path, verbose) -> int:
    """Stratified K-fold CV on the training set, saved under "kfold" in the metadata; the model is untouched."""
    from digitlab.evaluate import cross_validate, save_cross_validation

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
