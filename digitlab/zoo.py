"""The bundled models side by side: where each one's files live, training a classic recipe, the PCA + SVC
baseline, timing a prediction, and the comparison table the Compare page shows.

Layout under model/: the bundled CNN is `digitlab_cnn.keras` + `metadata.json` + `evaluation.{npz,json}`;
each classic network is `zoo/<name>.keras` + `zoo/<name>.json` (metadata) + `zoo/<name>.evaluation.{npz,json}`;
the baseline is only `zoo/pca-svc.json`; `zoo/benchmark.json` holds the drawn-digit accuracy and prediction
time of every bundled model (written by `python -m bench --models`).
"""

from __future__ import annotations

import datetime
import json
import pickle
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from digitlab import config
from digitlab.architectures import BASELINE, BUNDLED, RECIPES, title
from digitlab.data import file_sha256, to_float_images

# Timing one prediction: warm-up calls, then this many timed calls of predict_proba on one image.
TIMING_WARM_UP = 5
TIMING_RUNS = 50
# The baseline: PCA components, SVC regularisation, and how many training images the SVC sees (libsvm is
# single-threaded and grows faster than linearly with the training set: all 60,000 take about a minute here).
PCA_COMPONENTS = 50
SVC_C = 10.0
SVC_TRAIN_SIZE = 60_000


@dataclass(frozen=True)
class ModelFiles:
    """Where one bundled model's files live."""

    name: str
    model: Path
    metadata: Path
    evaluation: Path
    evaluation_summary: Path

    @property
    def title(self) -> str:
        return title(self.name)

    @property
    def train_command(self) -> str:
        """The command that (re)writes the model, its metadata and its evaluation."""
        return "python train.py" if self.name == BUNDLED else f"python train.py --arch {self.name}"

    def is_available(self) -> bool:
        return self.model.is_file()


def zoo_dir(model_dir: Path | None = None) -> Path:
    return Path(model_dir or config.MODEL_DIR) / config.ZOO_DIR_NAME


def model_files(name: str, model_dir: Path | None = None) -> ModelFiles:
    """The files of `name` ("digitlab" or a key of RECIPES) under `model_dir` (default model/)."""
    if name == BUNDLED:
        base = Path(model_dir) if model_dir else None
        pick = (lambda path: base / path.name) if base else (lambda path: path)
        return ModelFiles(
            name,
            pick(config.MODEL_PATH),
            pick(config.METADATA_PATH),
            pick(config.EVALUATION_PATH),
            pick(config.EVALUATION_SUMMARY_PATH),
        )
    if name not in RECIPES:
        raise KeyError(f"unknown model {name!r}: expected {BUNDLED} or one of {', '.join(RECIPES)}")
    folder = zoo_dir(model_dir)
    return ModelFiles(
        name,
        folder / f"{name}.keras",
        folder / f"{name}.json",
        folder / f"{name}.evaluation.npz",
        folder / f"{name}.evaluation.json",
    )


def available_models(model_dir: Path | None = None) -> list[str]:
    """Names of the models the app can switch between: the bundled one first, then each classic that is trained."""
    return [BUNDLED] + [name for name in RECIPES if model_files(name, model_dir).is_available()]


def is_convolutional(model) -> bool:
    """True when the Keras model has at least one convolution layer (so feature maps and filters exist)."""
    import keras

    return any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers)


# --- Measuring ------------------------------------------------------------------------------------------------


def time_prediction(model, runs: int = TIMING_RUNS) -> dict:
    """Milliseconds of `predict_proba` for one float32 (28, 28) image: {"p50", "p95", "runs"}."""
    from digitlab.model import predict_proba

    image = np.zeros((1, config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32)
    image[0, 6:22, 12:16] = 1.0
    for _ in range(TIMING_WARM_UP):
        predict_proba(model, image)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        predict_proba(model, image)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": round(float(np.percentile(times, 50)), 3), "p95": round(float(np.percentile(times, 95)), 3),
            "runs": runs}  # fmt: skip


def versions() -> dict:
    import keras
    import sklearn

    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


# --- Training a classic recipe --------------------------------------------------------------------------------


@dataclass
class ZooSettings:
    """What determines the training of a classic network; None means the recipe's own value."""

    arch: str
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    validation_size: int = 5000
    seed: int = 42
    limit: int | None = None

    def resolved(self) -> ZooSettings:
        recipe = RECIPES[self.arch]
        return ZooSettings(
            self.arch,
            self.epochs or recipe.epochs,
            self.batch_size or recipe.batch_size,
            self.learning_rate or recipe.learning_rate,
            self.validation_size,
            self.seed,
            self.limit,
        )


def fit_recipe(model, train, validation, settings: ZooSettings, verbose="auto"):
    """Train `model` in place on plain float (N, 28, 28) MNIST with its recipe; returns the History.

    With `keep_best`, the weights of the best validation epoch are restored at the end.
    """
    import keras

    recipe = RECIPES[settings.arch]
    (x_train, y_train), (x_val, y_val) = train, validation
    model.compile(
        optimizer=recipe.make_optimizer(settings.learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = []
    if recipe.keep_best:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=settings.epochs, restore_best_weights=True)
        )
    return model.fit(
        x_train[..., None],
        keras.utils.to_categorical(y_train, config.NUM_CLASSES),
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        validation_data=(x_val[..., None], keras.utils.to_categorical(y_val, config.NUM_CLASSES)),
        callbacks=callbacks,
        verbose=verbose,
    )


def save_weights_only(model, build, path: Path) -> None:
    """Save `model` as a `.keras` file without its optimizer state (a third of the size for Adam)."""
    clean = build()
    clean.set_weights(model.get_weights())
    path.parent.mkdir(parents=True, exist_ok=True)
    clean.save(path)


def train_recipe(mnist, settings: ZooSettings, data_path: Path, model_dir: Path, verbose="auto") -> dict:
    """Train a classic network from scratch; write `zoo/<arch>.keras` and its metadata; returns the metadata."""
    import keras

    from digitlab.training import accuracy, describe_architecture, prepare_splits

    settings = settings.resolved()
    recipe = RECIPES[settings.arch]
    keras.utils.set_random_seed(settings.seed)
    train_split, validation, (x_test, y_test) = prepare_splits(mnist, settings)

    model = recipe.build()
    started = time.perf_counter()
    history = fit_recipe(model, train_split, validation, settings, verbose=verbose)
    seconds = time.perf_counter() - started

    files = model_files(settings.arch, model_dir)
    save_weights_only(model, recipe.build, files.model)
    val_history = history.history["val_accuracy"]
    best = int(np.argmax(val_history)) if recipe.keep_best else len(val_history) - 1
    metadata = {
        "arch": settings.arch,
        "title": recipe.title,
        "model_file": files.model.name,
        "model_sha256": file_sha256(files.model),
        "size_bytes": files.model.stat().st_size,
        "architecture": describe_architecture(model),
        "parameters": int(model.count_params()),
        "recipe": {"optimizer": recipe.optimizer, "keep_best": recipe.keep_best, "augmentation": None},
        "settings": asdict(settings),
        "train_size": int(len(train_split[0])),
        "epochs_run": len(val_history),
        "best_epoch": best + 1,
        "validation_accuracy": float(val_history[best]),
        "test_accuracy": accuracy(model, x_test, y_test),
        "test_size": int(len(x_test)),
        "training_seconds": round(seconds, 1),
        "predict_ms": time_prediction(model),
        "trained_at": _now(),
        "data": {"file": Path(data_path).name, "sha256": file_sha256(data_path)},
        "versions": versions(),
        "history": {key: [round(float(v), 5) for v in values] for key, values in history.history.items()},
    }
    files.metadata.write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


# --- The non-neural baseline ----------------------------------------------------------------------------------


def build_baseline(seed: int = 42):
    """PCA to PCA_COMPONENTS dimensions, then an RBF support vector classifier: a scikit-learn Pipeline."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    return make_pipeline(PCA(PCA_COMPONENTS, random_state=seed), SVC(C=SVC_C, gamma="scale", random_state=seed))


def baseline_predictor(pipeline):
    """A `pendigits` predictor for the baseline: canvases through the app's preprocessing -> int (N,) labels."""
    from digitlab.preprocess import canvas_to_mnist

    def predict(canvases: np.ndarray) -> np.ndarray:
        images = [canvas_to_mnist(canvas) for canvas in canvases]
        drawn = [index for index, image in enumerate(images) if image is not None]
        labels = np.full(len(images), -1, dtype=int)
        if drawn:
            flat = np.stack([images[index] for index in drawn]).reshape(len(drawn), -1)
            labels[drawn] = pipeline.predict(flat)
        return labels

    return predict


def train_baseline(
    mnist,
    data_path: Path,
    model_dir: Path,
    train_size: int = SVC_TRAIN_SIZE,
    seed: int = 42,
    limit: int | None = None,
    pendigits_every: int | None = None,
) -> dict:
    """Fit PCA + SVC on a seeded subset of MNIST's training set; write `zoo/pca-svc.json`; returns it.

    Its drawn-digit accuracy is measured here (same digits and conditions as `python -m bench --models`)
    because the pickled model is not bundled; `pendigits_every` None skips it.
    """
    (x_train, y_train), (x_test, y_test) = mnist
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    chosen = np.sort(np.random.default_rng(seed).permutation(len(x_train))[:train_size])
    flat_train = to_float_images(x_train[chosen]).reshape(len(chosen), -1)
    flat_test = to_float_images(x_test).reshape(len(x_test), -1)

    pipeline = build_baseline(seed)
    started = time.perf_counter()
    pipeline.fit(flat_train, y_train[chosen])
    seconds = time.perf_counter() - started
    predicted = pipeline.predict(flat_test)
    pca, svc = pipeline[0], pipeline[-1]
    stored = pca.components_.size + pca.mean_.size + svc.support_vectors_.size + svc.dual_coef_.size
    timing = _time_baseline(pipeline, flat_test[:1])
    result = {
        "arch": BASELINE,
        "title": title(BASELINE),
        "pca_components": PCA_COMPONENTS,
        "svc": {"kernel": "rbf", "C": SVC_C, "gamma": "scale", "support_vectors": int(svc.support_vectors_.shape[0])},
        "train_size": int(len(chosen)),
        "train_size_note": _describe_subset(len(chosen), len(x_train)),
        "parameters": int(stored),
        "parameters_note": "numbers stored: PCA components and mean, support vectors, dual coefficients",
        "size_bytes": len(pickle.dumps(pipeline)),
        "size_note": "pickled pipeline, not bundled",
        "test_accuracy": float(np.mean(predicted == y_test)),
        "test_size": int(len(y_test)),
        "training_seconds": round(seconds, 1),
        "predict_ms": timing,
        "seed": seed,
        "trained_at": _now(),
        "data": {"file": Path(data_path).name, "sha256": file_sha256(data_path)},
        "versions": versions(),
    }
    if pendigits_every:
        result["drawn"] = drawn_accuracy({BASELINE: baseline_predictor(pipeline)}, pendigits_every)[BASELINE]
    path = zoo_dir(model_dir) / f"{BASELINE}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _describe_subset(chosen: int, available: int) -> str:
    if chosen == available:
        return f"all {chosen:,} training images"
    return f"seeded subset of {chosen:,} of the {available:,} training images"


def _time_baseline(pipeline, flat_image: np.ndarray, runs: int = TIMING_RUNS) -> dict:
    """Milliseconds of one baseline prediction on a float (1, 784) image: {"p50", "p95", "runs"}."""
    for _ in range(TIMING_WARM_UP):
        pipeline.predict(flat_image)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pipeline.predict(flat_image)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": round(float(np.percentile(times, 50)), 3), "p95": round(float(np.percentile(times, 95)), 3),
            "runs": runs}  # fmt: skip


# --- Drawn digits ---------------------------------------------------------------------------------------------


def drawn_accuracy(predictors: dict, every: int, path: Path | None = None, limit: int | None = None) -> dict:
    """Accuracy of each canvas predictor on every `every`-th pen-drawn digit of each writer, all conditions.

    Returns {name: {"accuracy", "count", "conditions": {condition: accuracy}, "every"}}.
    """
    from digitlab import pendigits

    digits = pendigits.every_kth(pendigits.load_pendigits(path or config.PENDIGITS_PATH), every)[:limit]
    results = pendigits.compare_drawn_digit_accuracy(predictors, digits)
    return {
        name: {
            "accuracy": result["overall"]["accuracy"],
            "count": result["overall"]["count"],
            "digits": len(digits),
            "every": every,
            "conditions": {condition: scored["accuracy"] for condition, scored in result["conditions"].items()},
        }
        for name, result in results.items()
    }


def shared_canvas_predictors(models: dict) -> dict:
    """Canvas predictors for several Keras models that preprocess each batch of canvases only once.

    `compare_drawn_digit_accuracy` hands the same batch to every predictor in turn, so the app's
    preprocessing (the slow part) is remembered for the last batch seen.
    """
    from digitlab.model import predict_proba
    from digitlab.preprocess import canvas_to_mnist

    last: dict = {}

    def images_of(canvases: np.ndarray) -> tuple[np.ndarray, list[int]]:
        if last.get("canvases") is not canvases:
            images = [canvas_to_mnist(canvas) for canvas in canvases]
            drawn = [index for index, image in enumerate(images) if image is not None]
            stacked = np.stack([images[index] for index in drawn]) if drawn else None
            last.update(canvases=canvases, images=stacked, drawn=drawn)
        return last["images"], last["drawn"]

    def predictor(model):
        def predict(canvases: np.ndarray) -> np.ndarray:
            images, drawn = images_of(canvases)
            labels = np.full(len(canvases), -1, dtype=int)
            if drawn:
                labels[drawn] = predict_proba(model, images).argmax(axis=1)
            return labels

        return predict

    return {name: predictor(model) for name, model in models.items()}


def write_benchmark(results: dict, path: Path | None = None, **about) -> Path:
    """Store the per-model benchmark results ({name: {...}}) with when and how they were measured."""
    path = Path(path or zoo_dir() / config.BENCHMARK_FILE_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_at": _now(), **about, "models": results}, indent=2) + "\n")
    return path


# --- The comparison table -------------------------------------------------------------------------------------


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def comparison_rows(model_dir: Path | None = None) -> list[dict]:
    """One row per bundled model (plus the baseline when trained), from the files train.py and the benchmark wrote.

    Keys: name, title, kind, parameters, size_mb, training_s, mnist_accuracy, drawn_accuracy, predict_ms,
    epochs, optimizer, train_size, note. A number nobody measured yet is None.
    """
    benchmark = _read_json(zoo_dir(model_dir) / config.BENCHMARK_FILE_NAME).get("models", {})
    rows = []
    for name in available_models(model_dir):
        files = model_files(name, model_dir)
        if not files.is_available():
            continue
        metadata = _read_json(files.metadata)
        measured = benchmark.get(name, {})
        is_current = measured.get("model_sha256") in (None, file_sha256(files.model))
        rows.append(
            {
                "name": name,
                "title": files.title,
                "kind": "CNN" if name != "mlp" else "MLP",
                "parameters": metadata.get("parameters"),
                "size_mb": files.model.stat().st_size / 1e6,
                "training_s": _over_lineage(metadata, "training_seconds"),
                "mnist_accuracy": metadata.get("test_accuracy"),
                "drawn_accuracy": measured.get("accuracy") if is_current else None,
                "predict_ms": (measured.get("predict_ms") or metadata.get("predict_ms") or {}).get("p50"),
                "epochs": _over_lineage(metadata, "epochs_run"),
                "optimizer": metadata.get("recipe", {}).get("optimizer", "adam + cosine decay"),
                "train_size": metadata.get("train_size", _bundled_train_size(metadata)),
                "note": "" if is_current else "drawn-digit accuracy is stale: rerun `python -m bench --models`",
            }
        )
    baseline = _read_json(zoo_dir(model_dir) / f"{BASELINE}.json")
    if baseline:
        rows.append(
            {
                "name": BASELINE,
                "title": baseline["title"],
                "kind": "PCA + SVM",
                "parameters": baseline["parameters"],
                "size_mb": baseline["size_bytes"] / 1e6,
                "training_s": baseline["training_seconds"],
                "mnist_accuracy": baseline["test_accuracy"],
                "drawn_accuracy": baseline.get("drawn", {}).get("accuracy"),
                "predict_ms": baseline["predict_ms"]["p50"],
                "epochs": None,
                "optimizer": "libsvm",
                "train_size": baseline["train_size"],
                "note": f"{baseline['train_size_note']}; {baseline['size_note']}; not selectable in the app",
            }
        )
    return rows


def _over_lineage(metadata: dict, key: str) -> float | None:
    """The sum of `metadata[key]` over a model and its parents (a fine-tuned model's training time and
    epochs include the run it continued); None when the model's own value is unknown."""
    own = metadata.get(key)
    parent = metadata.get("parent") if own is not None else None
    return own if not parent else own + (_over_lineage(parent, key) or 0)


def _bundled_train_size(metadata: dict) -> int | None:
    """Training digits of the bundled recipe (before its redrawn copies and non-digits), when known."""
    settings = metadata.get("settings", {})
    size = settings.get("limit") or 60_000
    return size - min(settings.get("validation_size", 0), size // 5) if metadata else None
