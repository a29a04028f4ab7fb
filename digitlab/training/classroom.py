"""Teach the model a class's handwriting: fine-tune a model on the class's drawings with MNIST replay (so it does
not forget the digits it knew), then compare it with its parent on the class's drawings held back from it.

The class's data set is the one `digitlab.classroom.export` writes (MNIST layout; the held-back drawings are its
test split), so the app's button and `python train.py --fine-tune --extra PATH` train on the same split. The fit
is the bundled recipe's (`fit_augmented`: its augmentation, Adam with cosine decay, the one fit loop) at its
second stage's learning rate, sized to take well under a minute on a laptop's CPU.

The app's button runs it in a process of its own on TensorFlow (`FineTuneJob`, through this module's command line),
where Keras trains this network on a CPU much faster than on JAX, the backend the app serves with; the process
reports its progress as lines of JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from digitlab import i18n
from digitlab.config import NUM_CLASSES, ROOT_DIR
from digitlab.data import DataNotFoundError, find_mnist, load_mnist, to_float_images
from digitlab.evaluate import summarise, write_artifacts
from digitlab.i18n import N_, Deferred
from digitlab.model import ModelLoadError, load_model, predict_proba
from digitlab.provenance import read_json, write_json
from digitlab.training.bundled import FINE_TUNE, describe_parent, fit_augmented
from digitlab.training.fit import describe_run
from digitlab.training.settings import TrainSettings

# The fit: a few epochs at the bundled second stage's learning rate; each class drawing is seen up to CLASS_COPIES
# times an epoch (augmented anew each time, CLASS_SAMPLES at most in all) beside REPLAY_DIGITS MNIST training digits.
CLASS_FINE_TUNE = {
    "epochs": 3,
    "batch_size": 128,
    "learning_rate": FINE_TUNE["learning_rate"],
    "seed": FINE_TUNE["seed"],
}
CLASS_COPIES = 4
CLASS_SAMPLES = 2400
REPLAY_DIGITS = 1500
# Fewer drawings than this to learn from teach the model nothing worth showing.
MIN_TRAINING_DRAWINGS = 20
MIN_HELD_BACK = 5

# The Keras backend the app's fine-tuning process trains on.
TRAINING_BACKEND = "tensorflow"
# What the progress says until the process's first line: its first seconds are TensorFlow's import.
STARTING = N_("Starting: loading TensorFlow, which trains the model")
FAILED = N_("Fine-tuning failed ({kind}: {error}).")
STOPPED = N_("The fine-tuning process stopped unexpectedly (exit status {status}).")

Progress = Callable[[float, str], None]
LOGGER = logging.getLogger(__name__)


class NotEnoughDrawingsError(ValueError):
    """Too few class drawings to fine-tune on, or to measure the result on; the message says how many more."""


@dataclass(frozen=True)
class ClassSplit:
    """A class's drawings split for fine-tuning: uint8 (N, 28, 28) images and int labels to train on, and the
    held-back ones to measure on (with their drawing ids in the class's database, when known)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_ids: tuple[int, ...] = ()

    @classmethod
    def from_dataset(cls, dataset, test_ids=()) -> ClassSplit:
        """From ((x_train, y_train), (x_test, y_test)) as `digitlab.data.load_mnist` reads the class's export."""
        (x_train, y_train), (x_test, y_test) = dataset
        return cls(x_train, np.asarray(y_train, int), x_test, np.asarray(y_test, int), tuple(test_ids))

    def save(self, path: Path) -> None:
        """Write the split as the class's export is written (MNIST's npz layout), with the held-back drawings' ids."""
        np.savez(path, x_train=self.x_train, y_train=self.y_train, x_test=self.x_test, y_test=self.y_test,
                 test_ids=np.asarray(self.test_ids, int))  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> ClassSplit:
        """A split `save` wrote."""
        with np.load(path) as data:
            dataset = (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
            return cls.from_dataset(dataset, [int(i) for i in data["test_ids"]])

    def check(self) -> None:
        """Raise NotEnoughDrawingsError, saying how many more are needed, when the split is too small."""
        if len(self.x_train) < MIN_TRAINING_DRAWINGS or len(self.x_test) < MIN_HELD_BACK:
            # Said in the language of whoever reads it: the check may run in the background job.
            raise NotEnoughDrawingsError(
                Deferred(
                    N_(
                        "Fine-tuning needs at least {to_learn} drawings to learn from and {held_back} held back to "
                        "measure it on; the class has {learning} and {holding} (one drawing in four is held back). "
                        "Draw some more!"
                    ),
                    to_learn=MIN_TRAINING_DRAWINGS,
                    held_back=MIN_HELD_BACK,
                    learning=len(self.x_train),
                    holding=len(self.x_test),
                )
            )


def class_settings(**overrides) -> TrainSettings:
    """The bundled recipe's settings for fine-tuning on a class: its augmentation, CLASS_FINE_TUNE's schedule."""
    return TrainSettings(**{**CLASS_FINE_TUNE, "calibrate": False, **overrides})


def replay_digits(mnist, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` MNIST training digits drawn at random: float32 (count, 28, 28) and int labels."""
    x_train, y_train = mnist[0]
    picked = np.random.default_rng(seed).choice(len(x_train), size=min(count, len(x_train)), replace=False)
    return to_float_images(x_train[picked]), np.asarray(y_train[picked], int)


def copies_of(drawings: int) -> int:
    """How often each class drawing is seen an epoch: CLASS_COPIES, fewer for a large class (at least once)."""
    return int(np.clip(CLASS_SAMPLES // max(drawings, 1), 1, CLASS_COPIES))


def training_mix(split: ClassSplit, replay: tuple[np.ndarray, np.ndarray], copies: int):
    """The class's drawings `copies` times beside the replayed MNIST digits: float32 (N, 28, 28), targets (N, 10)."""
    images = np.concatenate([np.repeat(to_float_images(split.x_train), copies, axis=0), replay[0]])
    labels = np.concatenate([np.repeat(split.y_train, copies), replay[1]])
    order = np.random.default_rng(0).permutation(len(images))
    return images[order], keras.utils.to_categorical(labels[order], NUM_CLASSES).astype(np.float32)


class ProgressCallback(keras.callbacks.Callback):
    """Reports the share of training steps done to a `Progress` function after every batch."""

    def __init__(self, progress: Progress, steps: int) -> None:
        super().__init__()
        self.progress, self.steps, self.done = progress, max(steps, 1), 0

    def on_train_batch_end(self, batch, logs=None) -> None:
        self.done += 1
        message = Deferred(N_("Learning the class's handwriting: step {step}"), step=self.done)
        self.progress(min(self.done / self.steps, 1.0), message)


def compare(labels: np.ndarray, before: np.ndarray, after: np.ndarray) -> dict:
    """Two models' (N, 10) probabilities on the same held-back drawings with int (N,) labels -> their summaries
    (`evaluate.summarise`) and which drawings the new one now reads right (and wrong), as positions."""
    before_right, after_right = before.argmax(axis=1) == labels, after.argmax(axis=1) == labels
    return {
        "before": summarise(labels, before.argmax(axis=1)),
        "after": summarise(labels, after.argmax(axis=1)),
        "now_right": np.flatnonzero(~before_right & after_right).tolist(),
        "now_wrong": np.flatnonzero(before_right & ~after_right).tolist(),
    }


def fine_tune_on_class(
    parent: str | Path,
    split: ClassSplit,
    mnist,
    data_path: Path,
    output: Path,
    settings: TrainSettings | None = None,
    progress: Progress | None = None,
) -> dict:
    """Fine-tune the model at `parent` on the class's drawings with MNIST replay; save it at `output` (.keras) with
    its metadata and its MNIST test evaluation beside it; returns the metadata, whose "class" entry holds the
    before/after comparison on the held-back drawings. Raises NotEnoughDrawingsError, ModelLoadError."""
    split.check()
    settings = settings or class_settings()
    report = progress or (lambda share, message: None)
    report(0.0, Deferred(N_("Preparing the class's drawings and the MNIST digits to replay")))
    keras.utils.set_random_seed(settings.seed)
    model, before_model = load_model(parent), load_model(parent)
    held_back = to_float_images(split.x_test), split.y_test
    before = predict_proba(before_model, held_back[0])
    copies = copies_of(len(split.x_train))
    x, targets = training_mix(split, replay_digits(mnist, REPLAY_DIGITS, settings.seed), copies)
    steps = settings.epochs * int(np.ceil(len(x) / settings.batch_size))

    started = time.perf_counter()
    # The held-back drawings are only watched, never used to pick an epoch: the last epoch's weights are kept.
    history = fit_augmented(model, x, targets, held_back, settings, keep_best=False, verbose=0,
                            callbacks=[ProgressCallback(report, steps)])  # fmt: skip
    seconds = time.perf_counter() - started

    report(1.0, Deferred(N_("Measuring the fine-tuned model")))
    comparison = compare(split.y_test, before, predict_proba(model, held_back[0]))
    comparison["now_right_ids"] = [split.test_ids[i] for i in comparison["now_right"]] if split.test_ids else []
    comparison.update(training_drawings=len(split.x_train), held_back=len(split.x_test), replay=REPLAY_DIGITS,
                      copies=copies)  # fmt: skip
    save_atomically(model, output)
    x_test, y_test = mnist[1]  # not `_, ...`: `_` translates here
    metadata = describe_run(model, output, settings, history, seconds, (to_float_images(x_test), y_test), data_path,
                            keep_best=False)  # fmt: skip
    metadata.update(parent=describe_parent(parent), parent_test_accuracy=_accuracy(before_model, x_test, y_test),
                    recipe={"optimizer": "adam + cosine decay"}, **{"class": comparison})  # fmt: skip
    metadata_path = output.with_suffix(".json")
    write_json(metadata_path, metadata)
    write_artifacts(output, x_test, y_test, data_path, output.parent, f"{output.stem}.evaluation")
    return metadata


def _accuracy(model: keras.Model, x_test: np.ndarray, y_test: np.ndarray) -> float:
    return float(np.mean(predict_proba(model, to_float_images(x_test)).argmax(axis=1) == y_test))


def save_atomically(model: keras.Model, path: Path) -> None:
    """Save `model` at `path` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".keras", dir=path.parent)
    os.close(handle)
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


class FineTuneJob:
    """One fine-tuning at a time, in a process of its own on TRAINING_BACKEND, watched from a background thread so
    the app keeps serving the class meanwhile: its progress (0..1 and a message), then its metadata or an error
    message. Show the messages with `str()`: each session reads them in its own language (an error from loading the
    model or the data, in the language of the session that started the job)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.progress, self.message = 0.0, ""
        self.metadata: dict | None = None
        self.error: str | None = None

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, parent: Path, split: ClassSplit, output: Path, data_path: Path | None = None) -> bool:
        """Start fine-tuning `parent` on `split` into `output` (MNIST from `data_path`, else where it is found);
        False when one is running already."""
        with self._lock:
            if self.is_running:
                return False
            self.progress, self.message, self.metadata, self.error = 0.0, Deferred(STARTING), None, None
            # A new thread starts without the language of the run that starts it.
            arguments = {"parent": parent, "split": split, "output": output, "data_path": data_path,
                         "language": i18n.language()}  # fmt: skip
            self._thread = threading.Thread(target=self._run, kwargs=arguments, name="class-fine-tune", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, parent: Path, split: ClassSplit, output: Path, data_path: Path | None, language: str) -> None:
        i18n.set_language(language)
        try:
            split.check()
            data_path = data_path or find_mnist()
            with tempfile.TemporaryDirectory(prefix="digitlab-class-") as folder:
                split_path = Path(folder) / "split.npz"
                split.save(split_path)
                paths = [os.path.abspath(path) for path in (parent, split_path, output, data_path)]
                command = [sys.executable, "-m", __name__, *paths[:3], "--data", paths[3], "--language", language]
                if self._follow(command) == 0 and self.error is None:
                    self.metadata = read_json(output.with_suffix(".json"))
        except (NotEnoughDrawingsError, DataNotFoundError) as error:
            self.error = message_of(error)
        except Exception as error:  # anything else still ends the job with a message, and in the server's log
            self.error = failure(error)

    def _follow(self, command: list[str]) -> int:
        """Run the fine-tuning process, taking in its progress and error lines; returns its exit status. The process
        does not outlive the watching: whatever stops the watching stops it too."""
        environment = {**os.environ, "KERAS_BACKEND": TRAINING_BACKEND, "TF_CPP_MIN_LOG_LEVEL": "2"}
        # Its log goes to a file, not a pipe that nobody reads while it trains; the server's log gets it on failure.
        # It runs from the repository's folder, where `python -m` finds the package.
        with tempfile.TemporaryFile(mode="w+") as log, subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8", errors="replace",
            env=environment, cwd=ROOT_DIR,
        ) as process:  # fmt: skip
            try:
                for line in process.stdout:
                    said = read_line(line)
                    if said is None:
                        # A library's own output: read on past it, or the process would wait on a full pipe.
                        LOGGER.info("fine-tuning process: %s", line.rstrip())
                    elif said["error"]:
                        self.error = said["message"]
                    else:
                        self._report(said["progress"], said["message"])
            except BaseException:
                process.kill()
                raise
            status = process.wait()
            if status:
                log.seek(0)
                LOGGER.error("fine-tuning on the class's drawings failed (exit status %s):\n%s", status, log.read())
                if self.error is None:
                    self.error = Deferred(STOPPED, status=status)
        return status

    def _report(self, share: float, message: str) -> None:
        self.progress, self.message = share, message


def message_of(error: Exception) -> str:
    """An error's message; one made to be translated where it is shown (a `Deferred`) stays so."""
    return error.args[0] if error.args and isinstance(error.args[0], Deferred) else str(error)


def failure(error: Exception) -> Deferred:
    """The message of an error nobody foresaw, which is logged with its traceback."""
    LOGGER.exception("fine-tuning on the class's drawings failed")
    return Deferred(FAILED, kind=type(error).__name__, error=str(error))


def progress_line(message: str, progress: float | None = None) -> str:
    """A line of the fine-tuning process's output: its progress (0..1) or, without one, its error; the message in
    English with its fields, so that each session reads it in its own language (see `read_line`)."""
    fields = message.fields if isinstance(message, Deferred) else {}
    said = {"message": str.__str__(message), "fields": fields, "progress": progress}
    return json.dumps(said, default=str)


def read_line(line: str) -> dict | None:
    """A `progress_line` read back: {"message": a Deferred, "progress": 0..1 or None, "error": bool}; None for any
    other line."""
    try:
        said = json.loads(line)
        message = Deferred(said["message"], **said["fields"])
        progress = None if said["progress"] is None else float(said["progress"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return {"message": message, "progress": progress, "error": progress is None}


def main(argv: list[str] | None = None) -> int:
    """The fine-tuning process `FineTuneJob` runs: writes its progress, or its error, as `progress_line`s; exits
    with 0 once the model and its metadata are saved."""
    parser = argparse.ArgumentParser(description="Fine-tune a model on a class's drawings (FineTuneJob's process).")
    parser.add_argument("parent", type=Path, help="the model to fine-tune (.keras)")
    parser.add_argument("split", type=Path, help="the class's drawings, as ClassSplit.save writes them")
    parser.add_argument("output", type=Path, help="where to save the fine-tuned model (.keras)")
    parser.add_argument("--data", type=Path, help="MNIST's npz (default: where it is found)")
    parser.add_argument("--language", default=i18n.DEFAULT_LANGUAGE, help="of the messages made here")
    args = parser.parse_args(argv)
    i18n.set_language(args.language)

    def report(share: float, message: str) -> None:
        print(progress_line(message, share), flush=True)

    try:
        data_path = find_mnist(args.data)
        fine_tune_on_class(args.parent, ClassSplit.load(args.split), load_mnist(data_path), data_path, args.output,
                           progress=report)  # fmt: skip
    except (NotEnoughDrawingsError, ModelLoadError, DataNotFoundError) as error:
        print(progress_line(message_of(error)), flush=True)
        return 1
    except Exception as error:
        print(progress_line(failure(error)), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
