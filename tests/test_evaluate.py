"""digitlab.evaluate: metrics against scikit-learn, the artifacts and their tie to the model, k-fold CV, the CLI."""

import json

import numpy as np
import pytest
from sklearn.metrics import classification_report
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

import train
from digitlab import evaluate
from digitlab.config import EVALUATION_PATH, EVALUATION_SUMMARY_PATH, MODEL_DIR, MODEL_PATH
from digitlab.data import DataNotFoundError, load_mnist, to_float_images
from digitlab.model import load_model, predict_proba
from digitlab.provenance import file_sha256


def make_bars(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (count, 28, 28) images of a vertical bar whose position encodes the label, and the labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count).astype(np.uint8)
    images = np.zeros((count, 28, 28), np.uint8)
    for image, label in zip(images, labels, strict=True):
        image[4:24, 2 + 2 * label : 4 + 2 * label] = 255
    return images, labels


def write_tiny_artifacts(directory, model, count: int = 300) -> dict:
    """Save `model` and a small bar data set in `directory` and write the evaluation artifacts there.

    Returns paths and data: model, data, npz, summary (paths), x_test, y_test, and the written summary.
    """
    directory.mkdir(parents=True, exist_ok=True)
    x, y = make_bars(count)
    data_path = directory / "bars.npz"
    np.savez(data_path, x_train=x, y_train=y, x_test=x, y_test=y)
    model_path = directory / MODEL_PATH.name
    model.save(model_path)
    summary = evaluate.write_artifacts(model_path, x, y, data_path, directory)
    return {
        "model": model_path,
        "data": data_path,
        "npz": directory / EVALUATION_PATH.name,
        "summary_path": directory / EVALUATION_SUMMARY_PATH.name,
        "x_test": x,
        "y_test": y,
        "summary": summary,
    }


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory, tiny_model):
    return write_tiny_artifacts(tmp_path_factory.mktemp("evaluation"), tiny_model)


def test_summary_accuracy_equals_predict_proba(artifacts):
    model = load_model(artifacts["model"])
    predicted = predict_proba(model, to_float_images(artifacts["x_test"])).argmax(axis=1)
    loaded = evaluate.load_artifacts(artifacts["npz"], artifacts["summary_path"])

    assert loaded.summary["accuracy"] == pytest.approx(np.mean(predicted == artifacts["y_test"]))
    np.testing.assert_array_equal(loaded.predicted, predicted)
    np.testing.assert_array_equal(loaded.labels, artifacts["y_test"])


def test_confusion_matrix_sums_to_test_size_and_diagonal_to_correct(artifacts):
    summary = artifacts["summary"]
    matrix = np.array(summary["confusion_matrix"])
    assert matrix.shape == (10, 10)
    assert matrix.sum() == summary["test_size"] == len(artifacts["y_test"])
    assert np.trace(matrix) == summary["correct"] == round(summary["accuracy"] * summary["test_size"])


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 500)
    predicted = np.where(rng.random(500) < 0.7, labels, rng.integers(0, 10, 500))
    summary = evaluate.summarise(labels, predicted)
    report = classification_report(labels, predicted, output_dict=True, zero_division=0)

    assert summary["accuracy"] == pytest.approx(report["accuracy"])
    np.testing.assert_array_equal(summary["confusion_matrix"], sklearn_confusion_matrix(labels, predicted))
    for row in summary["per_class"]:
        expected = report[str(row["digit"])]
        assert row["precision"] == pytest.approx(expected["precision"])
        assert row["recall"] == pytest.approx(expected["recall"])
        assert row["f1"] == pytest.approx(expected["f1-score"])
        assert row["support"] == expected["support"]
    assert summary["macro_avg"]["f1"] == pytest.approx(report["macro avg"]["f1-score"])


def test_precision_and_recall_of_a_worked_example():
    # Two 0s and two 1s; one 0 is taken for a 1.
    summary = evaluate.summarise(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    zero, one = summary["per_class"][:2]
    assert (zero["precision"], zero["recall"]) == (1.0, 0.5)
    assert one["precision"] == pytest.approx(2 / 3) and one["recall"] == 1.0
    assert summary["confused_pairs"] == [{"true": 0, "predicted": 1, "count": 1}]


def test_confused_pairs_are_the_largest_off_diagonal_cells():
    matrix = np.diag([50] * 10)
    matrix[4, 9], matrix[7, 1], matrix[3, 5] = 12, 7, 9
    pairs = evaluate.confused_pairs(matrix, top=2)
    assert [(pair["true"], pair["predicted"], pair["count"]) for pair in pairs] == [(4, 9, 12), (3, 5, 9)]


def test_row_normalised_rows_sum_to_one():
    matrix = np.arange(100).reshape(10, 10)
    matrix[2] = 0
    shares = evaluate.row_normalise(matrix)
    np.testing.assert_allclose(shares.sum(axis=1), [1] * 2 + [0] + [1] * 7)


def test_every_mistake_is_stored_with_its_image(artifacts):
    loaded = evaluate.load_artifacts(artifacts["npz"], artifacts["summary_path"])
    mistakes = np.flatnonzero(loaded.predicted != loaded.labels)
    assert set(mistakes) <= set(loaded.image_indices)
    np.testing.assert_array_equal(loaded.images, artifacts["x_test"][loaded.image_indices])
    assert loaded.images.dtype == np.uint8


def test_cell_examples_hold_only_that_cell_most_confident_first(artifacts):
    loaded = evaluate.load_artifacts(artifacts["npz"], artifacts["summary_path"])
    true, predicted = int(loaded.labels[0]), int(loaded.predicted[0])
    examples = evaluate.cell_examples(loaded, true, predicted)
    assert len(examples) > 0
    assert (examples["true"] == true).all() and (examples["predicted"] == predicted).all()
    assert examples["confidence"].is_monotonic_decreasing
    for row in examples.itertuples():
        np.testing.assert_array_equal(row.image, artifacts["x_test"][row.index])


def test_artifacts_of_another_model_are_detected(artifacts, tmp_path):
    assert evaluate.describe_mismatch(artifacts["summary"], artifacts["model"]) is None
    other = tmp_path / "other.keras"
    other.write_bytes(artifacts["model"].read_bytes() + b"changed")
    assert "different model" in evaluate.describe_mismatch(artifacts["summary"], other)
    assert "no model file" in evaluate.describe_mismatch(artifacts["summary"], tmp_path / "absent.keras")


def test_npz_and_json_of_different_models_are_detected(artifacts, tmp_path):
    summary = json.loads(artifacts["summary_path"].read_text())
    summary["model_sha256"] = "0" * 64
    (tmp_path / "evaluation.json").write_text(json.dumps(summary))
    with pytest.raises(evaluate.ArtifactsNotFoundError, match="different models"):
        evaluate.load_artifacts(artifacts["npz"], tmp_path / "evaluation.json")


def test_missing_artifacts_say_how_to_make_them(tmp_path):
    with pytest.raises(evaluate.ArtifactsNotFoundError, match="python -m digitlab.evaluate --write"):
        evaluate.load_artifacts(tmp_path / "evaluation.npz", tmp_path / "evaluation.json")


def test_cli_prints_the_numbers_of_the_artifacts(artifacts, capsys):
    code = evaluate.main(["--data", str(artifacts["data"]), "--model", str(artifacts["model"])])
    out = capsys.readouterr().out
    summary = artifacts["summary"]
    assert code == 0
    assert f"Test accuracy: {100 * summary['accuracy']:.2f}%" in out
    assert "Confusion matrix" in out and "precision" in out and "Most confused pairs" in out


def test_cli_write_rewrites_the_artifacts_without_training(artifacts, tmp_path, capsys):
    code = evaluate.main(
        ["--data", str(artifacts["data"]), "--model", str(artifacts["model"]), "--output-dir", str(tmp_path), "--write"]
    )
    assert code == 0
    written = json.loads((tmp_path / EVALUATION_SUMMARY_PATH.name).read_text())
    assert written["model_sha256"] == file_sha256(artifacts["model"])
    assert written["confusion_matrix"] == artifacts["summary"]["confusion_matrix"]
    assert (tmp_path / EVALUATION_PATH.name).is_file()


@pytest.mark.parametrize("missing", ["data", "model"])
def test_cli_missing_input_is_a_message_not_a_traceback(artifacts, tmp_path, capsys, missing):
    paths = {"data": artifacts["data"], "model": artifacts["model"], missing: tmp_path / "absent"}
    code = evaluate.main(["--data", str(paths["data"]), "--model", str(paths["model"])])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error:") and "Traceback" not in err


@pytest.mark.slow
def test_training_writes_the_evaluation_of_its_model(tiny_handwriting, tmp_path):
    x, y = make_bars(300, seed=3)
    data_path = tmp_path / "bars.npz"
    np.savez(data_path, x_train=x[:250], y_train=y[:250], x_test=x[250:], y_test=y[250:])
    output = tmp_path / "model"
    assert train.main(["--data", str(data_path), "--output-dir", str(output), "--epochs", "1", "--quiet"]) == 0

    loaded = evaluate.load_artifacts(output / EVALUATION_PATH.name, output / EVALUATION_SUMMARY_PATH.name)
    metadata = json.loads((output / "metadata.json").read_text())
    assert evaluate.describe_mismatch(loaded.summary, output / MODEL_PATH.name) is None
    assert loaded.summary["accuracy"] == pytest.approx(metadata["test_accuracy"])
    assert loaded.summary["test_size"] == 50


@pytest.mark.slow
def test_bundled_artifacts_match_the_bundled_model_on_the_real_test_set():
    if not (EVALUATION_PATH.is_file() and EVALUATION_SUMMARY_PATH.is_file() and MODEL_PATH.is_file()):
        pytest.skip(f"no bundled model and evaluation in {MODEL_DIR}")
    loaded = evaluate.load_artifacts()
    assert evaluate.describe_mismatch(loaded.summary, MODEL_PATH) is None, "run python -m digitlab.evaluate --write"
    try:
        _, (x_test, y_test) = load_mnist()
    except DataNotFoundError as error:
        pytest.skip(str(error))
    predicted = predict_proba(load_model(MODEL_PATH), to_float_images(x_test)).argmax(axis=1)

    matrix = np.array(loaded.summary["confusion_matrix"])
    assert matrix.sum() == len(y_test) == 10_000
    assert np.trace(matrix) == np.sum(predicted == y_test)
    assert loaded.summary["accuracy"] == pytest.approx(np.mean(predicted == y_test))
