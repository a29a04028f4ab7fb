"""DigitLab's benchmarks: speed, start-up, memory, concurrency and drawn-digit accuracy, side by side with the
tutorial approach. Run them with `python -m bench` (see `python -m bench --help`)."""

import os

# Quiet TensorFlow's start-up logging before anything imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
