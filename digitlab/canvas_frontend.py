"""The drawing canvas's frontend, read from the installed streamlit-drawable-canvas, rid of its send delay, its bin
made to empty a drawing restored on it, and made to fit its column.

streamlit-drawable-canvas 0.13 holds every stroke for a hard-coded 200 ms (a debounce) before sending it to
Python, with no option to change it: most of our stroke-to-prediction budget. This module reads the installed
build and sets that one delay to 0; `digitlab.ui` registers the result as a component that `st_canvas` uses.
Its toolbar's bin resets the canvas to the drawing it started from, which for a page opened again is the drawing
restored there; the bin is made to empty it. Its undo history starts at that drawing, so undo could not take back
a stroke drawn before the visit to another page; the history is made to start empty and hold the restored strokes
one step each, as if they had just been drawn. Nothing is copied into this repository: a build without the
expected code is left alone, with a warning.

A canvas wider than its column (the Write a number page's on a phone) would scroll sideways, hiding part of the
drawing; FIT_CSS scales it down to the column instead, keeping its proportions, and on a projector's wide screen
shows it half as large again, to be seen from the back of a classroom. Its pixels stay what they are: fabric.js
maps the pointer back to canvas pixels by the canvas's displayed size.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path

LOGGER = logging.getLogger(__name__)

CANVAS_PACKAGE = "streamlit_drawable_canvas"
COMPONENT_NAME = "digitlab_canvas"
# The markup that streamlit_drawable_canvas passes to its component (its frontend mounts into .canvas-root).
CANVAS_HTML = '<div class="canvas-root"></div>'
SEND_DELAY_MS = 0
# The lower canvas sets the drawing's displayed size (its own width, at most the column's, and its proportions); the
# canvases over it follow. The toolbar, hidden until the pointer is over the canvas, lets the pen through meanwhile:
# on a canvas shown small it covers much of its top. A finger has no pointer to hover: on a touch screen the toolbar
# is always shown, above the canvas in room kept for it, its buttons large enough for a fingertip.
FIT_CSS = """
.dc-container, .dc-container .canvas-container {width: auto !important; height: auto !important; max-width: 100%;}
.dc-container canvas.dc-canvas.lower-canvas {position: static !important; display: block; max-width: 100%;
  height: auto !important;}
.dc-container canvas.upper-canvas, .dc-container canvas.dc-background-canvas {width: 100% !important;
  height: 100% !important;}
.dc-toolbar {pointer-events: none;}
.dc-root:hover > .dc-toolbar, .dc-toolbar:focus-within, .dc-toolbar[data-pinned="true"] {pointer-events: auto;}
@media (hover: none) {
  .dc-root {margin-top: 3.4rem;}
  .dc-toolbar, .dc-root:hover > .dc-toolbar, .dc-toolbar:hover, .dc-toolbar:focus-within,
  .dc-toolbar[data-pinned="true"] {opacity: 1; top: -3.4rem; transition: none; pointer-events: auto;}
  .dc-icon-button {padding: 0.45rem;}
  .dc-icon-button svg {width: 1.3rem; height: 1.3rem;}
}
@media (min-width: 1600px) {.dc-container {zoom: 1.5;}}
"""
# In 0.13's minified build: `h.sender = Nh((c) => Ic(h, c), Bc)` ... `Bc = 200`. The sender line names the constant.
_SENDER_CALL = re.compile(r"\.sender = \w+\(\((\w+)\) => \w+\(\w+, \1\), (\w+)\)")
# The toolbar's bin resets the canvas to the drawing it started from. A canvas that starts from the drawing its page
# kept (a page opened again) must be emptied by the bin like any other: its start less every object.
_RESET_TO_START = "onReset: () => {\n      const c = h.history.initial ?? {};"
_RESET_TO_EMPTY = "onReset: () => {\n      const c = { ...h.history.initial ?? {}, objects: [] };"
# A drawing given to the canvas (a page opened again) becomes where its undo history starts. It must start empty,
# with a step for each stroke of the drawing, so that undo takes those strokes back one by one.
_HISTORY_FROM_START = "e.history.reset(h), e.pointEdit = null;"
_HISTORY_FROM_EMPTY = (
    "e.history.reset({ ...h, objects: [] }), (h.objects ?? []).forEach((o, k) => "
    "e.history.save({ ...h, objects: h.objects.slice(0, k + 1) })), e.pointEdit = null;"
)


def canvas_build_dir() -> Path | None:
    """The installed canvas package's frontend/build folder (found without importing the package), or None."""
    spec = importlib.util.find_spec(CANVAS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "frontend" / "build"


def without_send_delay(js: str, delay_ms: int = SEND_DELAY_MS) -> str | None:
    """The canvas frontend's JS with its stroke send delay set to `delay_ms`, or None if the code is not found."""
    calls = _SENDER_CALL.findall(js)
    if len(calls) != 1:
        return None
    constant = re.escape(calls[0][1])
    patched, count = re.subn(rf"\b{constant} = 200\b", f"{calls[0][1]} = {delay_ms}", js)
    return patched if count == 1 else None


def with_empty_reset(js: str) -> str | None:
    """The canvas frontend's JS with its bin emptying the canvas, whatever drawing it started from; or None if the
    code is not found."""
    return js.replace(_RESET_TO_START, _RESET_TO_EMPTY) if js.count(_RESET_TO_START) == 1 else None


def with_stroke_history(js: str) -> str | None:
    """The canvas frontend's JS with a drawing it is given undone stroke by stroke down to an empty canvas; or None
    if the code is not found."""
    return js.replace(_HISTORY_FROM_START, _HISTORY_FROM_EMPTY) if js.count(_HISTORY_FROM_START) == 1 else None


def fast_canvas_assets(build_dir: Path | None = None) -> tuple[str, str] | None:
    """(JS, CSS) of the installed canvas frontend with no send delay, a bin that empties it and an undo history
    that reaches back through a drawing it is given; None, with a warning, if it cannot be made."""
    build_dir = build_dir or canvas_build_dir()
    scripts = sorted(build_dir.glob("index-*.js")) if build_dir else []
    styles = sorted(build_dir.glob("index-*.css")) if build_dir else []
    js = without_send_delay(scripts[0].read_text(encoding="utf-8")) if len(scripts) == len(styles) == 1 else None
    js = with_empty_reset(js) if js is not None else None
    js = with_stroke_history(js) if js is not None else None
    if js is None:
        LOGGER.warning(
            "streamlit-drawable-canvas's frontend in %s is not the one expected (0.13): keeping its 200 ms stroke "
            "delay, its bin that resets a restored drawing and its undo history that starts at it. Pin "
            "streamlit-drawable-canvas<0.14 or update digitlab/canvas_frontend.py.",
            build_dir,
        )
        return None
    # A newline inside the CSS makes Streamlit read it as content, not as a file path (minified CSS has "/").
    return js, "/* streamlit-drawable-canvas (MIT) */\n" + styles[0].read_text(encoding="utf-8") + FIT_CSS
