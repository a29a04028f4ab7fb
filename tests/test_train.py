"""train.py: a smoke run on a few hundred images, its outputs, and its errors."""

import json

import numpy as np
import pytest

import train
from digitlab import catalog, config
from digitlab.catalog import BUNDLED
from digitlab.model import load_model, predict_proba
from digitlab.neighbours import describe_index
from digitlab.provenance import file_sha256
from digitlab.training.bundled import FINE_TUNE, build_augmenter, load_handwriting
from digitlab.training.settings import TrainSettings


@pytest.mark.slow
def test_smoke_training_writes_model_and_metadata(synthetic_mnist, tiny_handwriting, tmp_path):
    output = tmp_path / "model"
    pens = ["--restroke-pens", "0.1", "0.3", "--template-pens", "0.2", "0.35"]
    assert (
        train.main(["--data", str(synthetic_mnist), "--epochs", "1", "--output-dir", str(output), "--quiet", *pens])
        == 0
    )

    assert {path.name for path in output.iterdir()} >= {
        "digitlab_cnn.keras",
        "metadata.json",
        "evaluation.npz",
        "evaluation.json",
        "samples.npz",
        "digitlab_cnn.neighbours.npz",
    }
    model = load_model(output / "digitlab_cnn.keras")
    metadata = json.loads((output / "metadata.json").read_text())
    assert metadata["parameters"] == model.count_params()
    assert metadata["epochs_run"] == 1
    assert metadata["settings"]["restroke_pens"] == [0.1, 0.3] and metadata["settings"]["template_pens"] == [0.2, 0.35]
    assert metadata["data"]["sha256"] == file_sha256(synthetic_mnist)
    assert metadata["model_sha256"] == file_sha256(output / "digitlab_cnn.keras")
    assert describe_index(output / "digitlab_cnn.keras").startswith("current")
    assert {"conv_1", "pool_1", "conv_2"} <= {layer["name"] for layer in metadata["architecture"]}
    assert metadata["temperature"] > 0
    assert model.get_layer("temperature").scale == pytest.approx(1 / metadata["temperature"], rel=1e-3)
    for key in ["settings", "validation_accuracy", "test_accuracy", "training_seconds", "trained_at"]:
        assert key in metadata
    # Real handwriting: the training writers' digits trained on, the validation writers' digits held out.
    handwriting = metadata["handwriting"]
    assert handwriting["training_digits"] == 30 and handwriting["validation_digits"] == 20
    assert handwriting["training_nondigits"] == 0  # real non-digits come in the second stage
    assert [source["file"] for source in handwriting["sources"]] == ["digits.ndjson.gz"]
    # The reported test accuracy is the saved model's.
    with np.load(synthetic_mnist) as data:
        x_test, y_test = data["x_test"] / 255.0, data["y_test"]
    predicted = predict_proba(model, x_test.astype(np.float32)).argmax(axis=1)
    assert metadata["test_accuracy"] == pytest.approx(np.mean(predicted == y_test))


@pytest.mark.slow
def test_fine_tuning_continues_a_model_and_records_its_parent(synthetic_mnist, tiny_handwriting, tmp_path):
    parent_dir, child_dir = tmp_path / "parent", tmp_path / "child"
    common = ["--data", str(synthetic_mnist), "--epochs", "1", "--quiet", "--nondigits", "0", "--styled-digits", "0"]
    assert train.main([*common, "--output-dir", str(parent_dir), "--seed", "3", "--filters", "8", "16"]) == 0
    parent_model = parent_dir / "digitlab_cnn.keras"
    assert train.main([*common, "--output-dir", str(child_dir), "--fine-tune", "--init-from", str(parent_model)]) == 0

    metadata = json.loads((child_dir / "metadata.json").read_text())
    settings = metadata["settings"]
    # --fine-tune's recipe, with the explicitly given --epochs winning over its 3 epochs.
    assert settings["epochs"] == 1 and settings["learning_rate"] == FINE_TUNE["learning_rate"]
    assert settings["seed"] == FINE_TUNE["seed"] and settings["restroke_pens"] == list(FINE_TUNE["restroke_pens"])
    # It keeps the parent's validation split (the parent's seed) and says what it started from.
    assert settings["split_seed"] == 3 and settings["init_from"] == str(parent_model)
    assert metadata["parent"]["model_sha256"] == file_sha256(parent_model)
    assert metadata["parent"]["settings"]["seed"] == 3
    # A narrower parent stays as narrow: the child records the width it really has.
    assert metadata["parent"]["settings"]["filters"] == [8, 16] and settings["filters"] == [8, 16]
    # The second stage also learns what is not a digit from real drawings: the training writers' letters and
    # gestures.
    assert metadata["handwriting"]["training_nondigits"] == 4 and settings["real_nondigits"] > 0
    # It started from the parent's weights, not from scratch, and changed them.
    parent, child = load_model(parent_model), load_model(child_dir / "digitlab_cnn.keras")
    before, after = (model.get_layer("conv_1").get_weights()[0] for model in (parent, child))
    assert before.shape == after.shape == (3, 3, 1, 8) and child.get_layer("conv_4").filters == 16
    assert 0 < np.abs(after - before).mean() < np.abs(before).mean() / 2
    # The Compare page counts the parent's training in the fine-tuned model's epochs and time.
    row = next(row for row in catalog.comparison_rows(child_dir) if row["name"] == BUNDLED)
    assert row["epochs"] == 2
    assert row["training_s"] == pytest.approx(metadata["training_seconds"] + metadata["parent"]["training_seconds"])


def test_the_augmentation_compiles_on_jax_and_draws_anew_each_step():
    """On JAX, where the suite's own process trains: a model holding the augmentation must compile there (op by op it
    trains far slower), and compiled, it must still draw new transforms every step."""
    import keras

    augmenter = build_augmenter(TrainSettings(seed=1))
    inputs = keras.Input((28, 28, 1))
    trainer = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(augmenter(inputs))))
    trainer.compile(loss="mse")
    assert keras.backend.backend() == "jax" and trainer.jit_compile

    def draws() -> list[np.ndarray]:  # each random layer's seed state: it moves on with every draw
        return [np.asarray(variable.value).copy() for variable in augmenter.non_trainable_variables]

    before = draws()
    steps = 3
    trainer.fit(np.zeros((steps, 28, 28, 1), np.float32), np.zeros((steps, 1)), batch_size=1, verbose=0)
    after = draws()
    assert len(before) == 4  # stroke width, rotation, zoom, translation
    assert all((moved[-1] - start[-1]) >= steps for start, moved in zip(before, after, strict=True))


def test_a_kind_of_nondigit_can_be_left_out_of_training(tiny_handwriting):
    everything = load_handwriting(TrainSettings(real_nondigits=100))
    without_gestures = load_handwriting(TrainSettings(real_nondigits=100, leave_out="gesture"))
    assert {d.kind for d in everything.nondigits} == {"upper", "gesture"}
    assert {d.kind for d in without_gestures.nondigits} == {"upper"}
    assert {d.writer for d in everything.digits}.isdisjoint({d.writer for d in everything.validation_digits})
    with pytest.raises(ValueError, match="leave_out"):
        TrainSettings(leave_out="doodles")


def test_missing_handwriting_says_where_to_get_it_and_how_to_train_without(
    synthetic_mnist, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(config, "UNIPEN_DIGITS_PATH", tmp_path / "absent.ndjson.gz")
    assert train.main(["--data", str(synthetic_mnist), "--output-dir", str(tmp_path), "--limit", "50"]) == 2
    message = capsys.readouterr().err
    assert "absent.ndjson.gz" in message and "zenodo" in message and "--handwriting-copies 0" in message


def test_fine_tuning_a_missing_model_says_so(synthetic_mnist, tmp_path, capsys):
    missing = tmp_path / "absent.keras"
    argv = ["--data", str(synthetic_mnist), "--output-dir", str(tmp_path), "--init-from", str(missing), "--limit", "50"]
    assert train.main(argv) == 2
    assert "No model file" in capsys.readouterr().err and not (tmp_path / "metadata.json").exists()


def test_missing_data_says_where_to_put_mnist(tmp_path, capsys):
    assert train.main(["--data", str(tmp_path / "absent.npz"), "--output-dir", str(tmp_path)]) == 2
    message = capsys.readouterr().err
    assert "mnist.npz" in message and "--data" in message


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        train.main(["--help"])
    text = capsys.readouterr().out
    options = ["--data", "--epochs", "--seed", "--output-dir", "--batch-size", "--limit", "--no-augment"]
    for option in [*options, "--fine-tune", "--init-from", "--restroke-pens", "--template-pens", "--filters"]:
        assert option in text
