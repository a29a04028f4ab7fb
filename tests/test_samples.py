"""The MNIST sample digits shipped in model/ for the inside-the-network pages."""

import numpy as np

from digitlab.config import SAMPLES_PATH
from digitlab.data import load_samples, write_samples


def test_write_samples_keeps_per_class_images_grouped_by_class(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 5)[rng.permutation(50)]
    images = rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)
    path = write_samples(images, labels, tmp_path / "samples.npz", per_class=3)
    loaded_images, loaded_labels = load_samples(path)
    assert loaded_images.shape == (30, 28, 28) and loaded_images.dtype == np.uint8
    np.testing.assert_array_equal(loaded_labels, np.repeat(np.arange(10), 3))
    first_three = np.flatnonzero(labels == 4)[:3]
    np.testing.assert_array_equal(loaded_images[12:15], images[first_three])


def test_bundled_samples_hold_ten_digits_of_each_class():
    images, labels = load_samples(SAMPLES_PATH)
    assert images.shape == (100, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [10] * 10
    assert SAMPLES_PATH.stat().st_size < 100_000
