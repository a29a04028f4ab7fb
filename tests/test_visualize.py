"""The pictures of the inside-the-network pages, and the public names other tools import."""

import numpy as np
from PIL import Image, ImageDraw

from digitlab import activations, visualize
from tests.conftest import CONV_AND_POOL


def test_value_range_is_centred_at_zero_for_kernels():
    assert visualize.value_range(np.array([-0.2, 0.5]), centred=True) == (-0.5, 0.5)
    assert visualize.value_range(np.array([0.1, 0.4]))[0] == 0.0


def test_colourise_maps_the_range_onto_the_palette():
    colours = visualize.colourise(np.array([-1.0, 0.0, 1.0, 2.0]), -1.0, 1.0, visualize.BLUE_WHITE_RED)
    assert colours.dtype == np.uint8 and colours.shape == (4, 3)
    np.testing.assert_array_equal(colours[0], visualize.BLUE_WHITE_RED[0])
    np.testing.assert_array_equal(colours[1], visualize.BLUE_WHITE_RED[5])  # zero is white
    np.testing.assert_array_equal(colours[3], visualize.BLUE_WHITE_RED[-1])  # clipped
    assert visualize.colourise(np.zeros((2, 2)), 0.0, 0.0).shape == (2, 2, 3)  # flat map: no division by zero


def test_pictures_are_rgb_images(tiny_model, digit_image):
    maps = activations.feature_maps(tiny_model, digit_image)
    kernels = activations.conv_kernels(tiny_model, "conv_1")
    pictures = [
        visualize.channel_grid(maps["conv_1"], *visualize.value_range(maps["conv_1"])),
        visualize.kernel_response_grid(kernels, maps["conv_1"]),
        visualize.filter_slices(activations.conv_kernels(tiny_model, "conv_3"), 5),
        *visualize.relu_pictures(activations.pre_activations(tiny_model, digit_image)["conv_1"][..., 0], 200),
    ]
    for picture in pictures:
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[-1] == 3


def test_pooling_pictures_have_the_same_size(tiny_model, digit_image):
    maps = activations.feature_maps(tiny_model, digit_image)
    before, after = maps["conv_4"][..., 0], maps["pool_2"][..., 0]
    before_picture, after_picture, bar = visualize.pooling_pictures(
        before, after, 420, activations.pooling_example(before)
    )
    assert before_picture.shape == after_picture.shape
    assert 400 <= before_picture.shape[0] <= 420 and bar.dtype == np.uint8
    # The colour bar lies across under the maps, as wide as one: a phone has no room beside them.
    assert bar.shape[1] == before_picture.shape[1] and bar.shape[0] < 100


def test_a_colour_bar_across_runs_from_low_on_the_left_to_high_on_the_right():
    bar = visualize.colour_bar(0.0, 1.0, visualize.VIRIDIS, 300, "value", across=True)
    assert bar.shape[1] == 300 and bar.shape[0] < bar.shape[1]
    low, high = visualize.colourise(np.array([[0.0, 1.0]]), 0.0, 1.0, visualize.VIRIDIS)[0]
    middle_of_the_bar = bar[visualize.LABEL_SIZE + 8 + visualize.COLOUR_BAR_WIDTH // 2]
    assert np.array_equal(middle_of_the_bar[0], low) and np.array_equal(middle_of_the_bar[-1], high)


def test_describe_shape():
    assert activations.describe_shape((None, 26, 26, 32)) == "26×26×32"


def test_feature_maps_and_kernels_stay_reachable_from_visualize(tiny_model, digit_image):
    """Other tools of ours import them from here."""
    assert visualize.feature_maps is activations.feature_maps and visualize.conv_kernels is activations.conv_kernels
    assert list(visualize.feature_maps(tiny_model, digit_image)) == CONV_AND_POOL


def test_pictures_draw_every_letter_portuguese_needs():
    # A font without a letter draws its "missing" box instead: "ativação" would read "ativa□□o".
    font = visualize._font(visualize.LABEL_SIZE)

    def drawn(letter: str) -> bytes:
        picture = Image.new("L", (40, 40))
        ImageDraw.Draw(picture).text((8, 8), letter, fill=255, font=font)
        return picture.tobytes()

    missing = drawn("\uffff")
    assert all(drawn(letter) != missing for letter in "áàâãçéêíóôõúÁÂÃÇÉÍÓÔÕÚ→×−")


def test_a_framed_picture_keeps_its_shape_and_its_pixels_square_in_its_square():
    rng = np.random.default_rng(0)
    narrow = rng.random((20, 15), dtype=np.float32)  # the draw page's digit fitted into 20x20
    picture = visualize.framed(narrow, 140)
    assert picture.dtype == np.uint8 and picture.shape == (140, 140, 4)
    # Seven times larger, whole: 105 wide, centred, transparent either side.
    opaque = picture[..., 3] == 255
    columns = np.flatnonzero(opaque.any(axis=0))
    assert (columns[0], columns[-1]) == (17, 121) and opaque[:, 17:122].all()
    assert not picture[:, :17, 3].any() and not picture[:, 122:, 3].any()
    grey = np.rint(narrow * 255).astype(np.uint8)
    np.testing.assert_array_equal(picture[:, 17:122, 0], visualize.enlarge(grey, 7))
    np.testing.assert_array_equal(picture[..., 0], picture[..., 2])


def test_a_framed_picture_larger_than_its_square_shrinks_into_it_whole():
    cropped = np.zeros((180, 131), np.float32)  # a drawing cropped to its ink at the canvas's resolution
    cropped[:, :4] = cropped[-4:, :] = 1.0  # ink on its left and bottom edges
    picture = visualize.framed(cropped, 140)
    opaque = picture[..., 3] == 255
    rows, columns = np.flatnonzero(opaque.any(axis=1)), np.flatnonzero(opaque.any(axis=0))
    assert len(rows) == 140 and len(columns) == 102  # 131 x 140/180, rounded
    inside = picture[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1, 0]
    assert inside[:, 0].min() > 200 and inside[-1, :].min() > 200 and inside[:-4, 4:].max() == 0


def test_a_framed_input_fills_its_square():
    image = np.eye(28, dtype=np.float32)
    picture = visualize.framed(image, 140)
    assert (picture[..., 3] == 255).all()
    np.testing.assert_array_equal(picture[..., 1], visualize.enlarge(np.rint(image * 255).astype(np.uint8), 5))


def test_a_framed_picture_that_a_whole_factor_would_leave_small_fills_its_square_with_hard_edges():
    cropped = np.zeros((58, 36), np.float32)  # a small drawing cropped to its ink: twice as large fills 116 of 140
    cropped[10:40, 5:20] = 0.5
    cropped[45:, 30:] = 1.0
    picture = visualize.framed(cropped, 140)
    opaque = picture[..., 3] == 255
    assert opaque.any(axis=1).sum() == 140 and opaque.any(axis=0).sum() == 87  # 36 x 140/58, rounded
    assert set(np.unique(picture[..., 0][opaque])) == {0, 128, 255}  # no blend of neighbouring pixels


def test_an_empty_or_one_pixel_picture_is_framed_without_fail():
    assert not visualize.framed(np.zeros((0, 0), np.float32), 84).any()
    dot = visualize.framed(np.ones((1, 1), np.float32), 84)
    assert (dot[..., 3] == 255).all() and (dot[..., 0] == 255).all()  # one pixel, 84 times larger
