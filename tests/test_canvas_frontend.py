"""The canvas frontend without its 200 ms send delay: patched from the installed build, or left alone."""

import logging
import sys
from types import SimpleNamespace

from streamlit.testing.v1 import AppTest

from digitlab import ui
from digitlab.canvas_frontend import (
    COMPONENT_NAME,
    FIT_CSS,
    canvas_build_dir,
    fast_canvas_assets,
    with_empty_reset,
    with_stroke_history,
    without_send_delay,
)

# The lines of streamlit-drawable-canvas 0.13's build that the patches read and change: the send delay, the bin.
SNIPPET = "}, Bc = 200, Ar = (e) => {\n  return h.sender = Nh((c) => Ic(h, c), Bc), h.toolbarHandles = Qh(n, {\n"
RESET = "    onReset: () => {\n      const c = h.history.initial ?? {};\n      h.history.reset(c), fi(h)\n"


def test_snippet_delay_constant_becomes_zero():
    patched = without_send_delay(SNIPPET)
    assert patched == SNIPPET.replace("Bc = 200", "Bc = 0")


def test_the_bin_empties_the_canvas_whatever_drawing_it_started_from():
    patched = with_empty_reset(RESET)
    assert patched == RESET.replace("h.history.initial ?? {}", "{ ...h.history.initial ?? {}, objects: [] }")
    assert with_empty_reset(RESET.replace("initial ??", "start ??")) is None


def test_a_drawing_given_to_the_canvas_is_undone_stroke_by_stroke():
    loaded = "      const h = e.canvas.toObject(Ht);\n      e.history.reset(h), e.pointEdit = null;\n"
    patched = with_stroke_history(loaded)
    assert "e.history.reset({ ...h, objects: [] })" in patched
    assert "e.history.save({ ...h, objects: h.objects.slice(0, k + 1) })" in patched
    assert with_stroke_history(loaded.replace("reset(h)", "reset(h, 1)")) is None


def test_the_installed_build_is_changed_in_those_three_lines_only():
    stock = next(canvas_build_dir().glob("index-*.js")).read_text(encoding="utf-8")
    js, css = fast_canvas_assets()
    assert [line for line in js.splitlines() if line not in stock.splitlines()] == [
        "}, Bc = 0, Ar = (e) => {",
        "      const c = { ...h.history.initial ?? {}, objects: [] };",
        "      e.history.reset({ ...h, objects: [] }), (h.objects ?? []).forEach((o, k) => "
        "e.history.save({ ...h, objects: h.objects.slice(0, k + 1) })), e.pointEdit = null;",
    ]
    assert len(js.splitlines()) == len(stock.splitlines())  # nothing else changed
    assert ".dc-canvas" in css and "\n" in css.strip()  # content, not a file path, to Streamlit
    assert css.endswith(FIT_CSS)  # a canvas wider than its column is shown smaller, not cut off


def test_build_without_the_delay_code_keeps_the_stock_canvas(tmp_path, caplog):
    (tmp_path / "index-abc.js").write_text("export default () => {};\n")
    (tmp_path / "index-style.css").write_text(".dc-root{}")
    with caplog.at_level(logging.WARNING):
        assert fast_canvas_assets(tmp_path) is None
    assert "200 ms" in caplog.text
    assert without_send_delay(SNIPPET.replace("Bc = 200", "Bc = 250")) is None


def test_drawing_canvas_uses_the_canvas_without_delay():
    def page():
        from digitlab import ui

        ui.drawing_canvas()

    app = AppTest.from_function(page, default_timeout=30).run()
    assert not app.exception
    [canvas] = app.get("bidi_component")
    assert canvas.proto.component_name == COMPONENT_NAME
    assert canvas.proto.js_content == fast_canvas_assets()[0]


def test_drawing_canvas_keeps_the_stock_component_when_the_build_is_unknown(monkeypatch):
    stock_component = object()
    stock = SimpleNamespace(out=stock_component)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", stock)
    monkeypatch.setattr(ui, "fast_canvas_assets", lambda: None)
    ui._fast_canvas_component.clear()
    try:
        ui.use_fast_canvas()
    finally:
        ui._fast_canvas_component.clear()  # the next caller builds the real one again
    assert stock.out is stock_component
