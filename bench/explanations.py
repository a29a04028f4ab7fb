"""The Explain page: its server time for one drawing beside the draw page's, how often its two saliency methods
agree on drawn digits, whether the nearest digits side with the answer, and the size of the nearest-digit indexes.

Both pages are timed the same way: their scripts rerun under Streamlit's AppTest in this process (the server's
work for a rerun, without the network and the browser), each rerun on another drawing, so nothing is remembered
from the one before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitlab import catalog, explain
from digitlab.config import ROOT_DIR, STATE_CANVAS_JSON, STATE_CANVAS_RGBA, STATE_IMAGE
from digitlab.data import DataNotFoundError
from digitlab.drawn.canvas import CanvasDrawing, draw_on_canvas
from digitlab.drawn.drawings import every_kth
from digitlab.drawn.harness import READERS
from digitlab.drawn.pendigits import load_pendigits
from digitlab.model import predict_proba
from digitlab.neighbours import index_path
from digitlab.timing import WARM_UP_RUNS

EXPLAIN_PAGE = ROOT_DIR / "app_pages" / "2_Explain.py"
DRAW_PAGE = ROOT_DIR / "app.py"
PAGE_TIMEOUT_S = 120


@dataclass
class PageTimes:
    """Milliseconds per script run of the Explain page and of the draw page, each on another drawing."""

    explain_ms: list[float] = field(default_factory=list)
    draw_ms: list[float] = field(default_factory=list)


@dataclass
class Agreement:
    """What the explanations say on drawn digits: per drawing, whether Grad-CAM's and occlusion's top regions
    agree, whether each agrees with where the most ink is, and whether the nearest digits' majority is the answer."""

    methods_agree: list[bool] = field(default_factory=list)
    grad_cam_on_ink: list[bool] = field(default_factory=list)
    occlusion_on_ink: list[bool] = field(default_factory=list)
    neighbours_agree: list[bool] = field(default_factory=list)


def page_times(canvases: list[CanvasDrawing], runs: int) -> PageTimes:
    """Each page's script rerun `runs` times in one session (after WARM_UP_RUNS untimed reruns), each time on the
    next of the drawings, as a person who draws, looks at the page, and draws again."""
    from streamlit.testing.v1 import AppTest

    times = PageTimes()
    states = [drawing_state(canvas) for canvas in canvases]
    for path, samples in ((EXPLAIN_PAGE, times.explain_ms), (DRAW_PAGE, times.draw_ms)):
        app = AppTest.from_file(str(path), default_timeout=PAGE_TIMEOUT_S)
        for run in range(WARM_UP_RUNS + runs):
            for key, value in states[run % len(states)].items():
                app.session_state[key] = value
            started = time.perf_counter()
            app.run()
            elapsed = (time.perf_counter() - started) * 1000
            if app.exception:
                raise RuntimeError(f"{path.name} failed under AppTest: {app.exception[0].message}")
            if run >= WARM_UP_RUNS:
                samples.append(elapsed)
    return times


def drawing_state(canvas: CanvasDrawing) -> dict:
    """The session state the draw page leaves for a drawing whose strokes it read: its JSON and its model input."""
    image = READERS["draw page"](canvas).image
    return {STATE_CANVAS_JSON: canvas.json_data, STATE_CANVAS_RGBA: None, STATE_IMAGE: image}


def agreement(model, path: Path, every: int, limit: int | None = None) -> Agreement | None:
    """The explanations of the model's answer on every `every`-th pen-drawn digit of each writer (then at most
    `limit`), drawn centred on the canvas and read as the draw page reads them; None without the data."""
    try:
        drawings = every_kth(load_pendigits(path), every)[:limit]
    except DataNotFoundError:
        return None
    result = Agreement()
    for drawing in drawings:
        image = READERS["draw page"](draw_on_canvas(drawing)).image
        answer = int(np.argmax(predict_proba(model, image[None])[0]))
        regions = [explain.top_region(saliency) for saliency in (explain.grad_cam(model, image, answer),
                   explain.occlusion(model, image, answer), image)]  # fmt: skip
        result.methods_agree.append(explain.regions_agree(regions[0], regions[1]))
        result.grad_cam_on_ink.append(explain.regions_agree(regions[0], regions[2]))
        result.occlusion_on_ink.append(explain.regions_agree(regions[1], regions[2]))
        labels = explain.nearest_digits(model, image)[1]
        result.neighbours_agree.append(explain.majority_label(labels) == answer)
    return result


def index_sizes() -> dict[str, int]:
    """{model name: bytes of its nearest-digit index} for every bundled model with an index."""
    paths = {name: index_path(catalog.model_files(name).model) for name in catalog.available_models()}
    return {name: path.stat().st_size for name, path in paths.items() if path.is_file()}
