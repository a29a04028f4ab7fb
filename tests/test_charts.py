"""The pure chart and HTML builders of the pages."""

import altair as alt
import numpy as np
import pandas as pd
import pytest

from digitlab import charts
from digitlab.activations import pooling_example
from digitlab.config import ACCENT, CONFIDENT_THRESHOLD, MUTED
from digitlab.evaluate import confusion_frame


def probabilities(digit: int, confidence: float) -> np.ndarray:
    rest = (1 - confidence) / 9
    values = np.full(10, rest, np.float32)
    values[digit] = confidence
    return values


def test_a_confident_answer_is_shown_large_and_an_unsure_one_honestly():
    sure = charts.prediction_html(probabilities(7, 0.93))
    assert "<div class='big-digit'>7</div>" in sure and "93.0% confident" in sure
    unsure = charts.prediction_html(probabilities(4, CONFIDENT_THRESHOLD - 0.01))
    assert "Not sure: this may not be a digit" in unsure and "best guess 4" in unsure and "big-digit" not in unsure
    assert "compare-digit'>7<" in charts.prediction_html(probabilities(7, 0.93), compact=True)
    assert "not sure</span>" in charts.prediction_html(probabilities(7, 0.3), compact=True)


def test_the_page_css_uses_the_accent_colour():
    assert ACCENT in charts.PAGE_CSS and ".big-digit" in charts.PAGE_CSS


def test_probability_chart_has_one_bar_per_digit_and_highlights_the_answer():
    spec = charts.probability_chart(probabilities(3, 0.8), height=160)
    assert [row["digit"] for row in spec["data"]["values"]] == [str(d) for d in range(10)]
    assert spec["data"]["values"][3]["probability"] == pytest.approx(0.8) and spec["height"] == 160
    assert spec["encoding"]["color"] == {"condition": {"test": "datum.digit === '3'", "value": ACCENT}, "value": MUTED}
    # A valid Vega-Lite spec: Altair's own schema accepts it.
    alt.Chart.from_dict({**spec, "$schema": alt.SCHEMA_URL}).to_dict(validate=True)


def test_confusion_chart_outlines_the_selected_cell():
    frame = confusion_frame(np.eye(10, dtype=int) * 100 + 1)
    plain = charts.confusion_chart(frame).to_dict()
    selected = charts.confusion_chart(frame, (3, 5)).to_dict()
    assert len(selected["layer"]) == len(plain["layer"]) + 1
    assert selected["layer"][-1]["transform"] == [{"filter": "((datum.true === 3) && (datum.predicted === 5))"}]


def test_comparison_chart_sorts_best_first_and_starts_accuracy_near_the_lowest():
    frame = pd.DataFrame({"name": ["a", "b", "c"], "title": ["A", "B", "C"], "drawn_accuracy": [0.91, 0.97, None]})
    spec = charts.comparison_chart(frame, "drawn_accuracy", "b").to_dict()
    assert spec["encoding"]["y"]["sort"] == ["B", "A"]  # C was never measured
    assert spec["encoding"]["x"]["scale"]["domain"] == [pytest.approx(0.9), 1.0]


def test_pooling_html_marks_each_windows_maximum():
    feature_map = np.arange(16, dtype=np.float32).reshape(4, 4)
    html = charts.pooling_html(pooling_example(feature_map))
    assert html.count("<table") == 2
    for maximum in ("5.00", "7.00", "13.00", "15.00"):
        assert f"font-weight:800;'>{maximum}</td>" in html


def test_norms_and_slice_heatmaps_cover_every_filter():
    norms = charts.norms_chart(np.arange(8, dtype=np.float32), "Weight norm").to_dict()
    assert len(norms["datasets"][norms["data"]["name"]]) == 8
    heatmap = charts.slice_norms_heatmap(np.ones((4, 3), np.float32)).to_dict()
    assert len(heatmap["datasets"][heatmap["data"]["name"]]) == 12
