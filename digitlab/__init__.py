"""DigitLab: draw a digit, watch a CNN recognise it, and look inside the network."""

import os

# The app runs the model with Keras on JAX, which needs less memory, starts faster and predicts faster than
# TensorFlow (the benchmark compares them); train.py trains on TensorFlow, which is faster on a CPU. A .keras
# file runs unchanged on either (tests/test_model.py checks that both give the same probabilities).
os.environ.setdefault("KERAS_BACKEND", "jax")

from digitlab.numbers import NumberReading, read_number  # noqa: E402  (Keras is imported on first use only)
from digitlab.reading import read_drawing  # noqa: E402  (the backend is chosen before anything imports Keras)

__version__ = "0.1.0"
__all__ = ["NumberReading", "read_drawing", "read_number"]
