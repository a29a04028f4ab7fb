"""The nearest-digit index: built from training digits, written beside its model, tied to the model file's
checksum, and small."""

import keras
import numpy as np
import pytest

from digitlab import catalog, neighbours
from digitlab.data import load_mnist, to_float_images
from digitlab.explain import nearest_digits
from digitlab.model import load_model
from digitlab.neighbours import (
    REGENERATE_COMMAND,
    IndexNotFoundError,
    build_index,
    choose_digits,
    index_path,
    load_index,
    model_index,
    write_index,
)
from digitlab.provenance import file_sha256

# What the index may add to the repository for every bundled model together.
INDEX_BUDGET_BYTES = 5e6


@pytest.fixture
def saved_model(tmp_path, tiny_model):
    """The tiny model saved to a file and loaded back, as the app loads a model."""
    path = tmp_path / "tiny.keras"
    keras.saving.save_model(tiny_model, path)
    return path


def test_the_subset_takes_the_same_digits_of_every_class_each_time():
    labels = np.repeat(np.arange(10), 30)
    chosen = choose_digits(labels, per_class=5)
    assert np.bincount(labels[chosen]).tolist() == [5] * 10
    np.testing.assert_array_equal(chosen, choose_digits(labels, per_class=5))
    assert np.all(np.diff(chosen) > 0)
    assert len(choose_digits(np.array([0] * 7 + [1] * 3), per_class=5)) == 5 + 3  # a class with fewer: all of it


def test_the_index_lives_beside_its_model():
    assert index_path("model/digitlab_cnn.keras").as_posix() == "model/digitlab_cnn.neighbours.npz"
    assert index_path("model/zoo/mlp.keras").name == "mlp.neighbours.npz"


def test_an_index_reduces_the_last_hidden_layer(tiny_model):
    images = np.random.default_rng(1).integers(0, 256, (40, 28, 28)).astype(np.uint8)
    index = build_index(tiny_model, images, np.arange(40) % 10, "abc", dimensions=6)
    assert index.layer == "dense_1" and index.components.shape == (6, 256) and index.vectors.shape == (40, 6)
    assert index.vectors.dtype == np.float32 and index.images.dtype == np.uint8


def test_a_written_index_answers_for_the_model_it_was_built_for(saved_model, synthetic_mnist):
    (x_train, y_train), _ = load_mnist(synthetic_mnist)
    path = write_index(saved_model, x_train, y_train, synthetic_mnist)
    assert path == index_path(saved_model)
    model = load_model(saved_model)
    index = model_index(model)
    assert index.model_sha256 == file_sha256(saved_model) and len(index.labels) == len(choose_digits(y_train))
    # A training digit's nearest digit is itself.
    first = choose_digits(y_train)[0]
    images, labels, distances = nearest_digits(model, to_float_images(x_train[first]))
    np.testing.assert_array_equal(images[0], to_float_images(x_train[first]))
    assert labels[0] == y_train[first] and distances[0] == pytest.approx(0.0, abs=1e-2)


def test_an_index_of_another_version_of_the_model_is_stale(saved_model, synthetic_mnist, tiny_model):
    (x_train, y_train), _ = load_mnist(synthetic_mnist)
    write_index(saved_model, x_train, y_train, synthetic_mnist)
    retrained = keras.models.clone_model(tiny_model)  # other weights, same architecture
    keras.saving.save_model(retrained, saved_model)
    with pytest.raises(IndexNotFoundError, match="different model") as error:
        model_index(load_model(saved_model))
    assert REGENERATE_COMMAND in str(error.value) and saved_model.name in str(error.value)


def test_a_missing_index_says_how_to_make_it(saved_model):
    with pytest.raises(IndexNotFoundError, match="No nearest-digit index") as error:
        model_index(load_model(saved_model))
    assert REGENERATE_COMMAND in str(error.value)


def test_an_unreadable_index_says_how_to_make_it(saved_model):
    index_path(saved_model).write_bytes(b"not an npz")
    with pytest.raises(IndexNotFoundError, match="Could not read") as error:
        load_index(index_path(saved_model))
    assert REGENERATE_COMMAND in str(error.value)


def test_a_model_built_in_memory_has_no_index(tiny_model):
    with pytest.raises(IndexNotFoundError, match="not loaded from a file"):
        model_index(tiny_model)


def test_every_bundled_model_has_a_current_index_and_together_they_are_small():
    """Retraining a bundled model makes its index stale: rebuild them with `python -m digitlab.neighbours --write`."""
    total = 0
    for name in catalog.available_models():
        model_path = catalog.model_files(name).model
        assert neighbours.describe_index(model_path).startswith("current"), name
        total += index_path(model_path).stat().st_size
    assert total <= INDEX_BUDGET_BYTES


def test_the_command_checks_and_writes_the_indexes(monkeypatch, tmp_path, synthetic_mnist, saved_model, capsys):
    files = catalog.ModelFiles("digitlab", saved_model, *(tmp_path / name for name in ("m.json", "e.npz", "e.json")))
    monkeypatch.setattr(catalog, "available_models", lambda model_dir=None: ["digitlab"])
    monkeypatch.setattr(catalog, "model_files", lambda name, model_dir=None: files)
    assert neighbours.main([]) == 0
    assert "missing" in capsys.readouterr().out
    assert neighbours.main(["--write", "--data", str(synthetic_mnist)]) == 0
    output = capsys.readouterr().out
    assert f"wrote {index_path(saved_model)}" in output and "digitlab: current" in output
    assert neighbours.main(["--write", "--data", str(tmp_path / "nowhere.npz")]) == 2
