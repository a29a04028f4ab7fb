"""The tutorial approach we compare against: the whole canvas resized to 28x28, then `model.predict`.

This is what the common digit-drawing demos do: no cropping, no centring, no aspect ratio. It is given
the benefit of the doubt on colours: a light canvas is inverted to MNIST's white-on-black. Like those
demos it reads the RGB channels only, so a transparent canvas loses its ink.

The tutorials run Keras on TensorFlow (`tf.keras`), where `model.predict` sets up a data pipeline on every
call. DigitLab serves on JAX, so the benchmark times the tutorial path twice: on its own stack, in a
TensorFlow process started for it (`python -m bench.tutorial`), and on DigitLab's backend, in process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digitlab.config import ROOT_DIR
from digitlab.drawn.harness import Pipeline
from digitlab.preprocess import resize_whole_canvas
from digitlab.timing import WARM_UP_RUNS

TUTORIAL_BACKEND = "tensorflow"
TUTORIAL_APP = str(Path("bench") / "tutorial_app.py")
# The tutorial app runs as tutorials run Streamlit: with its default settings, which DigitLab's config changes.
TUTORIAL_SERVER_OPTIONS = ("--runner.postScriptGC", "true")


def tutorial_to_mnist(rgba: np.ndarray) -> np.ndarray:
    """Canvas uint8 (H, W, 4) -> float32 (28, 28) in [0, 1]: greyscale, whole-canvas resize, inverted if light."""
    return resize_whole_canvas(rgba).image


def tutorial_predict(model, rgba: np.ndarray) -> np.ndarray:
    """One canvas -> float32 (10,) probabilities, through `model.predict` as the tutorials call it."""
    return model.predict(tutorial_to_mnist(rgba)[None, ..., None], verbose=0)[0]


def tutorial_pipeline(model) -> Pipeline:
    """The tutorial approach for the drawn-accuracy harness: the canvas's picture resized whole, `model.predict`."""

    def classify(images: np.ndarray) -> np.ndarray:
        return model.predict(images[..., None], verbose=0, batch_size=len(images))

    return Pipeline(lambda canvas: resize_whole_canvas(canvas.picture), classify)


def time_steps(preprocess: Callable, infer: Callable, rgba: np.ndarray) -> tuple[float, float]:
    """(preprocessing ms, model ms) of one drawing: `infer(preprocess(rgba))`, each step timed."""
    start = time.perf_counter()
    image = preprocess(rgba)
    middle = time.perf_counter()
    infer(image)
    return (middle - start) * 1000, (time.perf_counter() - middle) * 1000


def time_tutorial_step(model, rgba: np.ndarray) -> tuple[float, float]:
    """(preprocessing ms, model ms) of one drawing through the tutorial path."""
    return time_steps(tutorial_to_mnist, lambda image: model.predict(image[None, ..., None], verbose=0), rgba)


def time_on_tutorial_stack(canvases: list[np.ndarray], runs: int, backend: str = TUTORIAL_BACKEND) -> dict:
    """Time the tutorial path in a fresh process on `backend`: {"backend", "preprocess": [ms], "model": [ms]}.

    Raises RuntimeError, with the process' output, if it fails (e.g. the backend is not installed).
    """
    with tempfile.TemporaryDirectory() as folder:
        canvases_path, output_path = Path(folder) / "canvases.npy", Path(folder) / "times.json"
        np.save(canvases_path, np.stack(canvases))
        command = [sys.executable, "-m", "bench.tutorial", str(canvases_path), str(runs), str(output_path)]
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
        done = subprocess.run(command, cwd=ROOT_DIR, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the tutorial timing on {backend} failed:\n{done.stdout}{done.stderr}"[-2000:])
        return json.loads(output_path.read_text())


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.tutorial CANVASES.npy RUNS OUTPUT.json`: time the tutorial path on this process' backend."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("canvases", type=Path)
    parser.add_argument("runs", type=int)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)

    import keras

    from digitlab.model import load_model

    model, canvases = load_model(), np.load(args.canvases)
    times = [time_tutorial_step(model, canvases[run % len(canvases)]) for run in range(WARM_UP_RUNS + args.runs)]
    preprocess, infer = zip(*times[WARM_UP_RUNS:], strict=True)
    result = {"backend": keras.backend.backend(), "preprocess": list(preprocess), "model": list(infer)}
    args.output.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
