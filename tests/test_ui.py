"""The Streamlit helpers: the server's work after each rerun, and the canvas's picture decoded only when needed."""

import io

import keras
import numpy as np
import pytest
from PIL import Image
from streamlit.runtime.scriptrunner import script_runner

from digitlab import charts, ui
from digitlab.config import PICTURE_WIDTHS
from tests.conftest import make_canvas, run_page


def test_reruns_keep_the_keras_state(monkeypatch):
    """Streamlit would reset Keras, with a full garbage collection, after every rerun of every page."""
    resets = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: resets.append(1))
    app = run_page()
    app.run()
    assert not app.exception and resets == []
    assert script_runner._clean_problem_modules is ui._close_pyplot_figures


def test_a_png_decodes_to_its_pixels():
    picture = make_canvas()
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    np.testing.assert_array_equal(ui.decode_png(buffer.getvalue()), picture)


def test_a_picture_comes_in_a_size_a_projector_grows():
    """The projector's CSS grows the pages' pictures size by size: a size it does not know would stay small."""
    with pytest.raises(ValueError, match="must be one of"):
        ui.show_image(np.zeros((28, 28), np.float32), None, width=100)
    with pytest.raises(ValueError, match="must be one of"):
        ui.show_class_drawing(np.zeros((28, 28), np.float32), "7", width=196)
    assert all(f"width: {width}px" in charts.PAGE_CSS for width in PICTURE_WIDTHS)
