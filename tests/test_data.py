"""Finding and loading MNIST, and the sample digits bundled with the app."""

from types import SimpleNamespace
from urllib.error import URLError

import numpy as np
import pytest

from digitlab import data
from digitlab.data import DataNotFoundError, find_mnist, load_mnist, load_samples, to_float_images, write_samples


def test_an_npz_in_the_keras_layout_loads_as_uint8_images(tmp_path):
    path = tmp_path / "mnist.npz"
    x = np.zeros((4, 28, 28), np.uint8)
    np.savez(path, x_train=x, y_train=np.arange(4), x_test=x[:2], y_test=np.arange(2))
    assert find_mnist(path) == path
    (x_train, y_train), (x_test, y_test) = load_mnist(path)
    assert x_train.shape == (4, 28, 28) and x_test.dtype == np.uint8 and y_test.tolist() == [0, 1]


def test_a_file_that_is_not_mnist_says_what_it_needs(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, images=np.zeros(3))
    with pytest.raises(DataNotFoundError, match="x_train"):
        load_mnist(path)


def test_a_missing_file_says_where_to_put_it(tmp_path):
    with pytest.raises(DataNotFoundError, match="--data"):
        find_mnist(tmp_path / "absent.npz")


def test_float_images_are_scaled_to_one():
    images = to_float_images(np.array([[[0, 255]]], np.uint8))
    assert images.dtype == np.float32 and images.tolist() == [[[0.0, 1.0]]]


def test_samples_keep_the_first_of_each_digit_grouped_by_class(tmp_path):
    labels = np.array([3, 1, 3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 0])
    images = np.arange(len(labels), dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    path = write_samples(images, labels, tmp_path / "samples.npz", per_class=1)
    kept_images, kept_labels = load_samples(path)
    assert kept_labels.tolist() == list(range(10))
    assert kept_images[0, 0, 0] == 3  # the first 0 is the fourth image


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No MNIST in Keras's cache or the shared data folder, and a fake Keras loader that records its calls."""
    cache, shared = tmp_path / "keras" / "mnist.npz", tmp_path / "shared"
    monkeypatch.setattr(data, "KERAS_MNIST_PATH", cache)
    monkeypatch.setattr(data, "SHARED_DATA_DIR", shared)
    calls: list[str] = []

    def fake_download() -> None:
        calls.append("download")
        write_tiny_mnist(cache)

    monkeypatch.setattr(data, "download_mnist", fake_download)
    return SimpleNamespace(cache=cache, shared=shared, calls=calls)


def write_tiny_mnist(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    x = np.zeros((2, 28, 28), np.uint8)
    np.savez(path, x_train=x, y_train=np.arange(2), x_test=x, y_test=np.arange(2))


def test_mnist_is_looked_for_in_keras_cache_first_then_the_shared_folder(nowhere):
    write_tiny_mnist(nowhere.shared / "mnist.npz")
    assert find_mnist(download=True) == nowhere.shared / "mnist.npz"
    write_tiny_mnist(nowhere.cache)
    assert find_mnist(download=True) == nowhere.cache
    assert nowhere.calls == []


def test_keras_loader_downloads_mnist_when_nothing_is_here_and_says_so(nowhere, capsys):
    assert find_mnist(download=True) == nowhere.cache
    assert nowhere.calls == ["download"] and "downloading it with Keras's loader" in capsys.readouterr().err


def test_nothing_is_downloaded_unless_asked_or_for_an_explicit_path(nowhere, tmp_path):
    with pytest.raises(DataNotFoundError, match="MNIST not found"):
        find_mnist()
    with pytest.raises(DataNotFoundError, match="absent.npz"):
        find_mnist(tmp_path / "absent.npz", download=True)
    assert nowhere.calls == []


def test_offline_the_download_fails_with_the_clear_message(nowhere, monkeypatch):
    def offline() -> None:
        raise URLError("Name or service not known")

    monkeypatch.setattr(data, "download_mnist", offline)
    with pytest.raises(DataNotFoundError, match="Put the Keras file mnist.npz at .* download failed"):
        find_mnist(download=True)
