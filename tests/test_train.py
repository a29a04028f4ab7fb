"""train.py: a smoke run on a few hundred images, its outputs, and its errors."""

import json

import numpy as np
import pytest

import train
from digitlab.data import file_sha256
from digitlab.model import load_model, predict_proba


@pytest.mark.slow
def test_smoke_training_writes_model_and_metadata(synthetic_mnist, tmp_path):
    output = tmp_path / "model"
    assert train.main(["--data", str(synthetic_mnist), "--epochs", "1", "--output-dir", str(output), "--quiet"]) == 0

    assert {path.name for path in output.iterdir()} >= {
        "digitlab_cnn.keras",
        "metadata.json",
        "evaluation.npz",
        "evaluation.json",
        "samples.npz",
    }
    model = load_model(output / "digitlab_cnn.keras")
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["parameters"] == model.count_params()
    assert metadata["epochs_run"] == 1
    assert metadata["data"]["sha256"] == file_sha256(synthetic_mnist)
    assert metadata["model_sha256"] == file_sha256(output / "digitlab_cnn.keras")
    assert {"conv_1", "pool_1", "conv_2"} <= {layer["name"] for layer in metadata["architecture"]}
    assert metadata["temperature"] > 0
    assert model.get_layer("temperature").scale == pytest.approx(1 / metadata["temperature"], rel=1e-3)
    for key in ["settings", "validation_accuracy", "test_accuracy", "training_seconds", "trained_at"]:
        assert key in metadata
    # The reported test accuracy is the saved model's.
    with np.load(synthetic_mnist) as data:
        x_test, y_test = data["x_test"] / 255.0, data["y_test"]
    predicted = predict_proba(model, x_test.astype(np.float32)).argmax(axis=1)
    assert metadata["test_accuracy"] == pytest.approx(np.mean(predicted == y_test))


def test_missing_data_says_where_to_put_mnist(tmp_path, capsys):
    assert train.main(["--data", str(tmp_path / "absent.npz"), "--output-dir", str(tmp_path)]) == 2
    message = capsys.readouterr().err
    assert "mnist.npz" in message and "--data" in message


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        train.main(["--help"])
    text = capsys.readouterr().out
    for option in ["--data", "--epochs", "--seed", "--output-dir", "--batch-size", "--limit", "--no-augment"]:
        assert option in text
