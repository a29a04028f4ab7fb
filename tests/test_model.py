"""The model contract: architecture, loading with clear errors, and predict_proba."""

from functools import partial
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from digitlab.config import MODEL_PATH
from digitlab.model import ModelLoadError, build_model, load_model, predict_proba, predict_readings


def test_architecture_has_named_conv_and_pool_stages(tiny_model):
    names = [layer.name for layer in tiny_model.layers]
    for name in ["conv_1", "conv_2", "pool_1", "conv_3", "conv_4", "pool_2", "logits", "probabilities"]:
        assert name in names
    assert tiny_model.get_layer("conv_1").output.shape[1:] == (26, 26, 32)
    assert tiny_model.output.shape[1:] == (10,)


@pytest.mark.parametrize("count", [1, 3, 1500])
def test_predict_proba_returns_probabilities(tiny_model, count):
    images = np.random.default_rng(count).random((count, 28, 28), dtype=np.float32)
    probabilities = predict_proba(tiny_model, images)
    assert probabilities.shape == (count, 10)
    assert probabilities.dtype == np.float32
    assert (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_predict_proba_batches_agree_with_single_calls(tiny_model):
    images = np.random.default_rng(1).random((1100, 28, 28), dtype=np.float32)
    batched = predict_proba(tiny_model, images)
    np.testing.assert_allclose(batched[1050], predict_proba(tiny_model, images[1050:1051])[0], atol=1e-5)


def test_predict_proba_of_nothing_is_empty(tiny_model):
    assert predict_proba(tiny_model, np.zeros((0, 28, 28), np.float32)).shape == (0, 10)


def test_predict_proba_rejects_wrong_shapes(tiny_model):
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        predict_proba(tiny_model, np.zeros((28, 28), np.float32))


def test_saved_model_round_trips(tiny_model, tmp_path):
    path = tmp_path / "model.keras"
    tiny_model.save(path)
    images = np.random.default_rng(2).random((4, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(predict_proba(load_model(path), images), predict_proba(tiny_model, images), atol=1e-6)


def test_missing_model_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "nowhere.keras"
    with pytest.raises(ModelLoadError) as error:
        load_model(path)
    assert str(path) in str(error.value) and "python train.py" in str(error.value)


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04 truncated zip"])
def test_corrupt_model_names_the_file_and_the_fix(tmp_path, content):
    path = tmp_path / "broken.keras"
    path.write_bytes(content)
    with pytest.raises(ModelLoadError) as error:
        load_model(path)
    assert str(path) in str(error.value) and "python train.py" in str(error.value)


def test_bundled_model_loads_by_default():
    model = load_model()
    assert isinstance(model, keras.Model)
    assert MODEL_PATH.is_file()
    assert build_model().count_params() == model.count_params()


@pytest.mark.slow
def test_training_and_serving_backends_agree(tmp_path):
    """train.py trains on TensorFlow and the app serves on JAX: the same file must give the same answers."""
    import os
    import subprocess
    import sys

    from digitlab.config import ROOT_DIR

    images = np.random.default_rng(3).random((16, 28, 28), dtype=np.float32)
    np.save(tmp_path / "images.npy", images)
    script = (
        "import sys, numpy as np; from digitlab.model import load_model, predict_proba; "
        "np.save(sys.argv[2], predict_proba(load_model(), np.load(sys.argv[1])))"
    )
    for backend in ("tensorflow", "jax"):
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "images.npy"), str(tmp_path / f"{backend}.npy")],
            cwd=ROOT_DIR, env={**os.environ, "KERAS_BACKEND": backend}, check=True, capture_output=True,
        )  # fmt: skip
    np.testing.assert_allclose(np.load(tmp_path / "tensorflow.npy"), np.load(tmp_path / "jax.npy"), atol=1e-5)


def test_sessions_can_predict_at_the_same_time(tiny_model):
    """Streamlit runs each session in its own thread, all sharing the cached model; on JAX, Keras's predict
    step donates the weight buffers, so unguarded concurrent calls fail ("Buffer has been deleted or donated")."""
    from concurrent.futures import ThreadPoolExecutor

    from digitlab.visualize import feature_maps

    images = np.random.default_rng(4).random((8, 28, 28), dtype=np.float32)
    expected = predict_proba(tiny_model, images)

    def session(index: int) -> np.ndarray:
        for _ in range(30):
            probabilities = predict_proba(tiny_model, images[index : index + 1])
            feature_maps(tiny_model, images[(index + 1) % len(images)])  # shares the model's weights
        return probabilities[0]

    with ThreadPoolExecutor(max_workers=len(images)) as pool:
        results = list(pool.map(session, range(len(images))))
    np.testing.assert_allclose(np.stack(results), expected, atol=1e-6)


def test_readings_of_an_empty_canvas_get_a_row_of_nan(tiny_model):
    steps = SimpleNamespace(image=np.zeros((28, 28), np.float32))
    probabilities = predict_readings(partial(predict_proba, tiny_model), [None, steps, None])
    assert probabilities.shape == (3, 10) and probabilities.dtype == np.float32
    assert np.isnan(probabilities[[0, 2]]).all()
    np.testing.assert_allclose(probabilities[1], predict_proba(tiny_model, steps.image[None])[0])
    assert predict_readings(partial(predict_proba, tiny_model), []).shape == (0, 10)


def test_the_tests_run_on_the_backend_the_app_serves_on():
    assert keras.backend.backend() == "jax"
