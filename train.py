"""Train DigitLab's bundled CNN on MNIST and write it, with its metadata, into model/.

    python train.py                      # full run, writes model/digitlab_cnn.keras + model/metadata.json
    python train.py --data ~/mnist.npz   # MNIST from an npz in the Keras layout
    python train.py --kfold 5            # stratified 5-fold CV only: stored in model/metadata.json, model untouched
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from digitlab.config import KERAS_MNIST_PATH, METADATA_PATH, MODEL_DIR, SAMPLES_PATH
from digitlab.data import DataNotFoundError, find_mnist, load_mnist, write_samples
from digitlab.training import TrainSettings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = TrainSettings()
    parser = argparse.ArgumentParser(
        description="Train DigitLab's CNN on MNIST (seeded, reproducible) and write it into model/.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"MNIST npz in the Keras layout (x_train, y_train, x_test, y_test); "
        f"default: the Keras loader's file {KERAS_MNIST_PATH}, then ../shared/data/mnist.npz",
    )
    parser.add_argument("--output-dir", type=Path, default=MODEL_DIR, help="where the model and metadata go")
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="training epochs")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="images per step")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate, help="Adam's initial rate (cosine decay)")
    parser.add_argument("--validation-size", type=int, default=defaults.validation_size, help="training images held out to pick the best epoch")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed for the split, weights and augmentation")
    parser.add_argument("--no-augment", dest="augment", action="store_false", help="train on plain MNIST, without augmentation")
    parser.add_argument("--rotation-degrees", type=float, default=defaults.rotation_degrees, help="augmentation: maximum rotation")
    parser.add_argument("--zoom", type=float, default=defaults.zoom, help="augmentation: maximum zoom in or out (share of size)")
    parser.add_argument("--shift", type=float, default=defaults.shift, help="augmentation: maximum shift (share of size)")
    parser.add_argument("--thickness-probability", type=float, default=defaults.thickness_probability, help="augmentation: chance of thickening or thinning the strokes")
    parser.add_argument("--no-redraw", dest="redraw", action="store_false", help="skip the redrawn copy of each digit (canvas-style pen strokes through the app's pipeline)")
    parser.add_argument("--elastic-probability", type=float, default=defaults.elastic_probability, help="chance that a redrawn digit is also elastically distorted")
    parser.add_argument("--nondigits", type=int, default=defaults.nondigits, help="generated non-digit drawings trained toward 'no digit' (uniform probabilities), at most one per 6 training digits; 0 turns this off")
    parser.add_argument("--no-calibrate", dest="calibrate", action="store_false", help="skip fitting the softmax temperature on the validation split")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training and N test images (smoke tests)")
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

    settings = TrainSettings(**{field.name: getattr(args, field.name) for field in fields(TrainSettings)})
    if args.kfold is not None:
        return run_cross_validation(mnist, args.kfold, settings, args.output_dir, verbose=2 if args.quiet else "auto")
    print(f"Training on {data_path} -> {args.output_dir} with {settings}")
    metadata = train(mnist, settings, data_path, args.output_dir, verbose=2 if args.quiet else "auto")
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


if __name__ == "__main__":
    sys.exit(main())
