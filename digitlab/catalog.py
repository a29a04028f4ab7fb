"""Which models exist: their names and titles, where each one's files live, and the comparison rows of the
Compare models page.

Layout under model/: the bundled CNN is `digitlab_cnn.keras` + `metadata.json` + `evaluation.{npz,json}`;
each classic network is `zoo/<name>.keras` + `zoo/<name>.json` (metadata) + `zoo/<name>.evaluation.{npz,json}`;
the PCA + SVC baseline is only `zoo/pca-svc.json`; `zoo/benchmark.json` holds the drawn-digit accuracy and
prediction time of every bundled model (written by `python -m bench --models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digitlab import config
from digitlab.i18n import N_, _
from digitlab.provenance import file_sha256, read_json, timestamp, write_json

# The bundled model (digitlab.model.build_model, trained by digitlab.training.bundled).
BUNDLED = "digitlab"
# The classic networks of the Keras MNIST tutorials (their recipes are in digitlab.training.classic): name ->
# (title, what it is). The titles are marked for translation and translated by `title()`; the descriptions are
# only printed by train.py, in English.
CLASSICS: dict[str, tuple[str, str]] = {
    "mlp": (N_("MLP (2×512)"), "784 → Dense 512 → Dense 512 → 10, dropout 0.2; no convolutions"),
    "cnn-small": (N_("Small CNN"), "Conv 32 3×3 → pool → Dense 128 → 10, dropout 0.5"),
    "cnn-two-conv": (N_("Two-conv CNN"), "Conv 32 3×3 → Conv 32 3×3 → pool → Dense 128 → 10, dropout 0.25/0.5"),
    "lenet-like": (N_("LeNet-like CNN"), "Conv 32 5×5 → pool → Conv 64 5×5 → pool → Dense 1000 → 10"),
    "cnn-rmsprop": (
        N_("CNN + RMSprop"),
        "Conv 32 3×3 → Conv 64 3×3 → pool → Dense 256 → 10, dropout 0.25/0.8, best validation epoch kept",
    ),
}
# The non-neural baseline: numbers only, its fitted model is not bundled.
BASELINE = "pca-svc"
# The bundled model fine-tuned on a class's drawings (digitlab.training.classroom): it lives with the class's data
# (config.CLASSROOM_DIR), never in model/, as class_cnn.keras + class_cnn.json + its evaluation.
CLASS = "class"
CLASS_STEM = "class_cnn"
# In English, as the code writes them; `title()` gives them in the language of the script run now.
TITLES = {BUNDLED: N_("DigitLab CNN (bundled)"), **{name: title for name, (title, _about) in CLASSICS.items()},
          BASELINE: N_("PCA + SVC (scikit-learn)"), CLASS: N_("DigitLab CNN, fine-tuned on our class")}  # fmt: skip
# Everything `python train.py --arch` knows: the bundled model first, then the classics, then the baseline.
ARCHITECTURES = [BUNDLED, *CLASSICS, BASELINE]


# A model's files beside each other: the network, its metadata, its evaluation on the MNIST test set.
SUFFIXES = (".keras", ".json", ".evaluation.npz", ".evaluation.json")

# Texts of the comparison rows, in English: `ui.get_comparison` caches the rows for every session, so the page
# translates them with `shown_text()` where it shows them.
DEFAULT_OPTIMIZER = N_("adam + cosine decay")
STALE_NOTE = N_("drawn-digit accuracy is stale: rerun `python -m bench --models`")
NOT_SELECTABLE_NOTE = N_("not selectable in the app")
# How a note joins its parts, each a text of its own (the baseline's first two are written by its training, in
# English).
NOTE_SEPARATOR = "; "


def title(name: str) -> str:
    """The display name of a model in the language of the script run now, e.g. "mlp" -> "MLP (2×512)"."""
    return _(TITLES[name])


def shown_text(text: str | None) -> str | None:
    """A text of `comparison_rows` (an optimizer, a note) in the language of the script run now: each of its
    parts that the catalogs know translated, the others (names, notes from a model's own files) as written."""
    if not text:
        return text
    return NOTE_SEPARATOR.join(_(part) if part else part for part in text.split(NOTE_SEPARATOR))


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
        if self.name == CLASS:
            return _("python train.py --fine-tune --extra PATH (the class's exported .npz)")
        return "python train.py" if self.name == BUNDLED else f"python train.py --arch {self.name}"

    def is_available(self) -> bool:
        return self.model.is_file()


def zoo_dir(model_dir: Path | None = None) -> Path:
    """The folder of the classic networks under `model_dir` (default model/)."""
    return Path(model_dir or config.MODEL_DIR) / config.ZOO_DIR_NAME


def model_files(name: str, model_dir: Path | None = None) -> ModelFiles:
    """The files of `name` (BUNDLED, CLASS or a key of CLASSICS) under `model_dir` (default model/; the class's
    folder for CLASS)."""
    if name == CLASS:
        folder = Path(model_dir or config.CLASSROOM_DIR)
        return ModelFiles(name, *(folder / f"{CLASS_STEM}{suffix}" for suffix in SUFFIXES))
    if name == BUNDLED:
        paths = (config.MODEL_PATH, config.METADATA_PATH, config.EVALUATION_PATH, config.EVALUATION_SUMMARY_PATH)
        return ModelFiles(name, *(Path(model_dir) / path.name if model_dir else path for path in paths))
    if name not in CLASSICS:
        raise KeyError(f"unknown model {name!r}: expected {BUNDLED} or one of {', '.join(CLASSICS)}")
    return ModelFiles(name, *(zoo_dir(model_dir) / f"{name}{suffix}" for suffix in SUFFIXES))


def available_models(model_dir: Path | None = None) -> list[str]:
    """Names of the models the app can switch between: the bundled one first, then each classic that is trained,
    then the one fine-tuned on the class (beside the class's data) once there is one."""
    classics = [name for name in CLASSICS if model_files(name, model_dir).is_available()]
    return [BUNDLED, *classics] + ([CLASS] if model_dir is None and model_files(CLASS).is_available() else [])


def benchmark_path(model_dir: Path | None = None) -> Path:
    return zoo_dir(model_dir) / config.BENCHMARK_FILE_NAME


def write_benchmark(results: dict, path: Path | None = None, **about) -> Path:
    """Store the per-model benchmark results ({name: {...}}) with when and how they were measured."""
    return write_json(path or benchmark_path(), {"run_at": timestamp(), **about, "models": results})


def comparison_rows(model_dir: Path | None = None) -> list[dict]:
    """One row per bundled model (plus the baseline when trained), from the files train.py and the benchmark wrote.

    Keys: name, title, kind, parameters, size_mb, training_s, mnist_accuracy, drawn_accuracy, predict_ms,
    epochs, optimizer, train_size, note. A number nobody measured yet is None. The texts are in English (the rows
    are cached for every session): show them with `title(name)` and `shown_text()`.
    """
    benchmark = read_json(benchmark_path(model_dir)).get("models", {})
    rows = []
    for name in available_models(model_dir):
        files = model_files(name, model_dir)
        if not files.is_available():  # the bundled model is listed even when its file is missing
            continue
        metadata = read_json(files.metadata)
        measured = benchmark.get(name, {})
        is_current = measured.get("model_sha256") in (None, file_sha256(files.model))
        rows.append(
            {
                "name": name,
                "title": TITLES[name],
                "kind": "CNN" if name != "mlp" else "MLP",
                "parameters": metadata.get("parameters"),
                "size_mb": files.model.stat().st_size / 1e6,
                "training_s": _over_lineage(metadata, "training_seconds"),
                "mnist_accuracy": metadata.get("test_accuracy"),
                "drawn_accuracy": measured.get("accuracy") if is_current else None,
                "predict_ms": (measured.get("predict_ms") or metadata.get("predict_ms") or {}).get("p50"),
                "epochs": _over_lineage(metadata, "epochs_run"),
                "optimizer": metadata.get("recipe", {}).get("optimizer", DEFAULT_OPTIMIZER),
                "train_size": metadata.get("train_size", _bundled_train_size(metadata)),
                "note": "" if is_current else STALE_NOTE,
            }
        )
    baseline = read_json(zoo_dir(model_dir) / f"{BASELINE}.json")
    if baseline:
        rows.append(
            {
                "name": BASELINE,
                "title": TITLES[BASELINE],
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
                "note": NOTE_SEPARATOR.join([baseline["train_size_note"], baseline["size_note"], NOT_SELECTABLE_NOTE]),
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
    """Training digits of the bundled recipe (before its restroked copies and non-digits), when known."""
    settings = metadata.get("settings", {})
    size = settings.get("limit") or 60_000
    return size - min(settings.get("validation_size", 0), size // 5) if metadata else None
