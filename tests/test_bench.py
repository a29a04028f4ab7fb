"""The benchmark code runs and reports (its timings are never checked here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench import __main__ as bench_main
from bench import explanations
from bench.report import Row, format_ms, markdown_table, percentiles
from bench.tutorial import tutorial_to_mnist
from digitlab.config import ROOT_DIR
from digitlab.data import DataNotFoundError, find_mnist
from digitlab.drawing import Stroke
from tests.conftest import drawing_state, run_page, texts


def has_mnist() -> bool:
    try:
        find_mnist()
    except DataNotFoundError:
        return False
    return True


def test_tutorial_pipeline_inverts_a_light_canvas(canvas_factory):
    image = tutorial_to_mnist(canvas_factory())
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image[0, 0] == pytest.approx(0.0) and image.max() > 0.5


def test_tutorial_pipeline_keeps_a_dark_canvas(canvas_factory):
    image = tutorial_to_mnist(canvas_factory(ink=(255, 255, 255), background=(0, 0, 0, 255)))
    assert image[0, 0] == pytest.approx(0.0) and image.max() > 0.5


def test_percentiles_and_formats():
    assert percentiles([1, 2, 3, 4, 100]) == (3.0, pytest.approx(80.8))
    assert [format_ms(0.842), format_ms(12.34), format_ms(812), format_ms(9410)] == [
        "0.84 ms",
        "12.3 ms",
        "812 ms",
        "9.41 s",
    ]


def test_markdown_table_has_one_line_per_row():
    rows = [Row("1. Part", "speed", "1 ms", "9 ms", "9.0×", "≤ 3 ms", True), Row("6. Accuracy", "MNIST", "99%")]
    table = markdown_table(rows, "Machine: test")
    assert "Machine: test" in table
    assert "| 1. Part | speed | 1 ms | 9 ms | 9.0× | ≤ 3 ms | ✅ pass |" in table
    assert table.count("\n| ") == 3  # header and two rows


def test_missing_pen_digits_are_reported_not_fatal():
    notes: list[str] = []
    assert bench_main.drawn_rows(None, Path("/nowhere/pendigits-orig.tra"), notes) == []
    assert "skipped" in notes[0] and "/nowhere" in notes[0]


def test_missing_mnist_is_reported_not_fatal():
    notes: list[str] = []
    assert bench_main.mnist_rows(None, notes) == []
    assert "MNIST accuracy skipped" in notes[0]
    assert "99.50%" in bench_main.mnist_rows((0.995, 10_000), notes)[0].digitlab


def test_quick_benchmark_without_browser_writes_a_table(tmp_path):
    output = tmp_path / "results.md"
    text = bench_main.main(["--quick", "--no-browser", "--output", str(output)])
    assert output.read_text() == text
    assert "| Part | Measure | DigitLab | Tutorial |" in text
    for part in ("1. One drawing, in process", "4. Memory (in process)", "8. Explain page"):
        assert part in text
    # Without MNIST (a fresh clone on a machine that never had it) the accuracy part says it was skipped.
    assert ("6. Accuracy" in text) == (has_mnist()) and ("MNIST accuracy skipped" in text) == (not has_mnist())
    assert "Browser parts skipped" in text
    # The tutorial path is timed on its own stack, and on DigitLab's backend beside it.
    assert "(tutorial on tensorflow)" in text and "tutorial path on DigitLab's backend" in text


def test_explain_rows_report_the_page_time_the_index_size_and_what_the_explanations_say():
    times = explanations.PageTimes(explain_ms=[80.0, 120.0], draw_ms=[20.0, 30.0])
    explained = explanations.Agreement([True, False], [True, True], [False, False], [True, True])
    notes: list[str] = []
    rows = bench_main.explain_rows(times, explained, {"digitlab": 500_000, "mlp": 600_000}, [0.5, 0.7], notes)
    assert rows[0].passed and "≤ 200 ms" in rows[0].target
    assert rows[3].digitlab == "1.1 MB" and rows[3].passed
    shares = ["50.0% (1 of 2)", "100.0% (2 of 2)", "0.0% (0 of 2)", "100.0% (2 of 2)"]
    assert [row.digitlab for row in rows[4:]] == shares
    slow = explanations.PageTimes(explain_ms=[150.0, 250.0], draw_ms=[20.0])
    without_data = bench_main.explain_rows(slow, None, {}, [0.5], notes)
    assert not without_data[0].passed and not without_data[3].passed and len(without_data) == 4
    assert "skipped" in notes[-1]


def test_tutorial_stack_failure_says_what_failed(canvas_factory):
    from bench.tutorial import time_on_tutorial_stack

    with pytest.raises(RuntimeError, match="tutorial timing on no-such-backend failed"):
        time_on_tutorial_stack([canvas_factory()], runs=1, backend="no-such-backend")


@pytest.mark.browser
def test_quick_benchmark_runs_every_part_in_the_browser(tmp_path):
    text = bench_main.main(["--quick", "--output", str(tmp_path / "results.md")])
    for part in ("2. In the browser", "3. Cold start", "4. Memory (server)", "5. Concurrency (2 sessions)"):
        assert part in text
    assert "| Errors (all sessions, incl. part 2) | 0 |" in text


def test_tutorial_app_shows_a_prediction_for_a_drawing(canvas_factory):
    """The comparison app of the browser benchmark runs on the same canvas wrapper as DigitLab's draw page, and
    says which stroke its answer is for."""
    one = [Stroke(np.array([[140.0, 50.0], [140.0, 230.0]]), 18)]
    app = run_page(ROOT_DIR / "bench" / "tutorial_app.py", **drawing_state(one))
    assert not app.exception
    assert "class='big-digit'" in texts(app) or "Not sure" in texts(app)
    assert "Your 1 strokes, read as a picture" in texts(app)
