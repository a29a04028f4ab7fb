"""The benchmark code runs and reports (its timings are never checked here)."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from bench import __main__ as bench_main
from bench import browser, explanations
from bench import numbers as bench_numbers
from bench.report import Row, format_ms, markdown_table, percentiles
from bench.tutorial import tutorial_to_mnist
from digitlab.config import NUMBER_CANVAS_SHAPE, PENDIGITS_PATH, ROOT_DIR
from digitlab.data import DataNotFoundError, find_mnist
from digitlab.drawing import Stroke
from digitlab.drawn.drawings import PenDrawing
from digitlab.numbers import NumberReading
from tests.conftest import DIGIT_PATHS, drawing_state, healthy_server, run_page, texts

pytest_plugins = ["pytester"]


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
    # A value just under a boundary is written as it rounds, not with the precision below it.
    assert [format_ms(9.9999), format_ms(99.96), format_ms(1999.7)] == ["10.0 ms", "100 ms", "2.00 s"]


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
    for part in ("1. One drawing, in process", "4. Memory (in process)", "9. Explain page"):
        assert part in text
    # Without MNIST (a fresh clone on a machine that never had it) the accuracy part says it was skipped.
    assert ("6. Accuracy" in text) == (has_mnist()) and ("MNIST accuracy skipped" in text) == (not has_mnist())
    assert ("10. Numbers" in text) == PENDIGITS_PATH.is_file() and (
        "Numbers skipped" in text
    ) != PENDIGITS_PATH.is_file()
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
    # In a process of its own, as people run it: its asyncio parts cannot start inside the synchronous Playwright
    # that the other browser tests keep running in this one.
    output = tmp_path / "results.md"
    subprocess.run([sys.executable, "-m", "bench", "--quick", "--output", str(output)], cwd=ROOT_DIR, check=True)
    text = output.read_text()
    for part in ("2. In the browser", "3. Cold start", "4. Memory (server)", "5. Concurrency (2 sessions)"):
        assert part in text
    assert "| Errors (all sessions, incl. part 2) | 0 |" in text
    # The class part says how much of the machine its server needed while the sessions drew.
    cores = re.search(r"Cores busy while the class drew[^|]*\| ([\d.]+) / ([\d.]+) \|", text)
    server, machine = map(float, cores.groups())
    assert 0 < server < machine
    # The same class replayed over websockets, the browser that drew it closed: every stroke sent is answered.
    replayed = re.search(r"the server alone[^|]*\| Strokes without an answer[^|]*\| 0 of (\d+) \|", text)
    assert replayed and int(replayed.group(1)) > 0


def test_tutorial_app_shows_a_prediction_for_a_drawing(canvas_factory):
    """The comparison app of the browser benchmark runs on the same canvas wrapper as DigitLab's draw page, and
    says which stroke its answer is for."""
    one = [Stroke(np.array([[140.0, 50.0], [140.0, 230.0]]), 18)]
    app = run_page(ROOT_DIR / "bench" / "tutorial_app.py", **drawing_state(one))
    assert not app.exception
    assert "class='big-digit'" in texts(app) or "Not sure" in texts(app)
    assert "Your 1 strokes, read as a picture" in texts(app)


@pytest.fixture
def one_writers_digits() -> list[PenDrawing]:
    """A few digits as one writer would draw them with a pen, in the development set's kind of units."""
    return [
        PenDrawing(int(character), "test/1", tuple(np.asarray(path, np.float32) * 2 for path in DIGIT_PATHS[character]))
        for character in "70415"
    ]


def test_a_number_is_written_side_by_side_on_the_wide_canvas(one_writers_digits):
    number = bench_numbers.write_number(one_writers_digits, np.random.default_rng(0))
    assert number.labels == (7, 0, 4, 1, 5) and number.canvas.shape == NUMBER_CANVAS_SHAPE
    assert len(number.canvas.json_data["objects"]) == sum(len(digit.strokes) for digit in one_writers_digits)
    for before, after in itertools.pairwise(number.boxes):
        assert after[0] >= before[2]  # each digit's ink starts where the last one's ends, or further on
    height, width = NUMBER_CANVAS_SHAPE
    assert all(
        0 <= left and right <= width and 0 <= top and bottom <= height for left, top, right, bottom in number.boxes
    )
    assert number.clearance >= 0 and number.is_apart == (number.clearance >= number.pen)


def test_handwriting_reaches_back_under_the_digit_before_without_touching_it(one_writers_digits):
    rng = np.random.default_rng(1)
    numbers = [bench_numbers.write_number(one_writers_digits, rng, kern=0.1) for _ in range(10)]
    overlaps = [before[2] - after[0] for number in numbers for before, after in itertools.pairwise(number.boxes)]
    assert max(overlaps) > 0
    assert all(number.clearance >= 0 for number in numbers)


def reading_of(digits: list, boxes: list) -> NumberReading:
    """What read_number would say: these digits in these boxes, each 90 % sure."""
    count = len(digits)
    return NumberReading(digits, [0.9] * count, boxes, [False] * count, [False] * count, [], np.zeros((count, 10)))


@pytest.fixture
def written_number(one_writers_digits) -> bench_numbers.WrittenNumber:
    return bench_numbers.write_number(one_writers_digits[:3], np.random.default_rng(2))


def test_a_number_read_right_is_exact(written_number):
    score = bench_numbers.score_number(written_number, reading_of([7, 0, 4], list(written_number.boxes)))
    assert score == (3, 0, False, False, True, False)
    wrong = bench_numbers.score_number(written_number, reading_of([7, 6, None], list(written_number.boxes)))
    assert wrong == (1, 1, False, False, False, False)


def test_two_digits_read_as_one_are_missed_and_a_wrong_count_when_confident(written_number):
    (left, top, _, _), (_, _, right, bottom), last = written_number.boxes
    merged = reading_of([4, 4], [(left, top, right, bottom), last])
    assert bench_numbers.score_number(written_number, merged) == (1, 0, True, False, False, True)
    unsure = reading_of([None, 4], [(left, top, right, bottom), last])
    assert bench_numbers.score_number(written_number, unsure)[5] is False


def test_a_digit_in_two_pieces_is_split(written_number):
    (left, top, right, bottom), *rest = written_number.boxes
    middle = (left + right) // 2
    halves = [(left, top, middle, bottom), (middle, top, right, bottom)]
    score = bench_numbers.score_number(written_number, reading_of([1, 1, 0, 4], halves + rest))
    assert score[2:4] == (False, True) and score[5] is True


def test_missing_pen_digits_skip_the_numbers_with_a_note():
    notes: list[str] = []
    assert bench_numbers.number_rows(None, Path("/nowhere/pendigits-orig.tra"), notes) == []
    assert "Numbers skipped" in notes[0] and "/nowhere" in notes[0]


def test_the_app_is_checked_on_its_own_port_never_on_another_servers():
    with healthy_server() as other:
        # On a port another server has taken, the app does not start, and that server's answer is not taken for it.
        with pytest.raises(RuntimeError, match="exited early"), browser.running_app(port=other):
            pass

    with browser.running_app() as (url, process):
        assert browser.listening_ports(process) == {urlsplit(url).port}
        with urllib.request.urlopen(f"{url}/_stcore/health") as response:
            assert response.read() == b"ok"


def test_a_failed_browser_test_shows_what_its_app_server_last_wrote(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT_DIR), prepend=os.pathsep)
    pytester.makeconftest("from tests.conftest import pytest_runtest_makereport  # noqa: F401")
    pytester.makeini("[pytest]\nmarkers = browser")
    pytester.makepyfile(
        """
        import urllib.request
        import pytest
        from bench import browser

        @pytest.fixture(scope="module")
        def app_url():
            with browser.running_app() as (url, _process):
                yield url

        @pytest.mark.browser
        def test_a_page_that_goes_wrong(app_url):
            urllib.request.urlopen(f"{app_url}/_stcore/health")
            assert False, "the page went wrong"

        def test_not_in_a_browser(app_url):
            assert False, "a plain test"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    # The browser test's report ends with the server's own words; the plain test's does not.
    browser_report, plain_report = output.split(" test_not_in_a_browser ", 1)
    assert re.search(r"app server \d+, its last lines", browser_report)
    assert "You can now view your Streamlit app" in browser_report
    assert "its last lines" not in plain_report
