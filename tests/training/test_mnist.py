"""MNIST for training: the validation split, digits restroked like canvas strokes, digits side by side."""

import numpy as np

from digitlab.training.mnist import (
    prepare_splits,
    restroke_digit,
    restroke_images,
    side_by_side_images,
    split_validation,
)
from tests.conftest import hole_area


def test_the_validation_split_is_seeded_and_disjoint():
    x, y = np.arange(100)[:, None], np.arange(100) % 10
    (train_x, _), (held_x, _) = split_validation(x, y, 20, seed=1)
    assert len(held_x) == 20 and len(train_x) == 80
    assert not set(held_x.ravel()) & set(train_x.ravel())
    assert np.array_equal(held_x, split_validation(x, y, 20, seed=1)[1][0])


def test_prepare_splits_holds_out_at_most_a_fifth_and_scales_to_floats():
    x = np.full((50, 28, 28), 255, np.uint8)
    y = np.arange(50) % 10
    (x_train, _), (x_val, _), (x_test, y_test) = prepare_splits(((x, y), (x[:10], y[:10])), 5000, seed=0, limit=40)
    assert len(x_val) == 8 and len(x_train) == 32 and len(x_test) == len(y_test) == 10
    assert x_train.dtype == np.float32 and x_train.max() == 1.0


def test_side_by_side_digits_are_wide():
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 8:20] = 1.0  # a "0", 12 by 20
    digit[7:21, 11:17] = 0.0
    images = side_by_side_images(np.stack([digit] * 3), 4, seed=0)
    for image in images:
        cols = np.flatnonzero(image.any(axis=0))
        rows = np.flatnonzero(image.any(axis=1))
        assert cols[-1] - cols[0] > rows[-1] - rows[0]  # wider than tall: several digits in a row


def test_restroked_digit_keeps_the_digit_and_the_input_contract():
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 12:15] = 1.0
    for pen in (0.05, 0.3):
        image = restroke_digit(digit, pen)
        assert image.shape == (28, 28) and 0 <= image.min() and image.max() <= 1
        rows = np.flatnonzero(image.any(axis=1))
        assert rows[-1] - rows[0] + 1 == 20  # fitted into the 20x20 box again


def test_restroke_images_is_seeded():
    digits = np.zeros((3, 28, 28), np.float32)
    digits[:, 6:22, 10:18] = 1.0
    np.testing.assert_array_equal(restroke_images(digits, seed=5), restroke_images(digits, seed=5))


def test_a_thick_pen_range_closes_the_small_loop_of_a_nine():
    nine = np.zeros((4, 28, 28), np.float32)
    rows, cols = np.ogrid[:28, :28]
    nine[:, (np.hypot(rows - 9, cols - 14) - 4) ** 2 < 1.5] = 1.0  # a small loop...
    nine[:, 9:25, 17:19] = 1.0  # ...on a long tail

    assert hole_area(restroke_images(nine, seed=1, elastic_probability=0, pen_range=(0.05, 0.06))) > 0
    assert hole_area(restroke_images(nine, seed=1, elastic_probability=0, pen_range=(0.4, 0.45))) == 0
