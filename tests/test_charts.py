"""The pure chart and HTML builders of the pages."""

import re
from types import SimpleNamespace

import altair as alt
import numpy as np
import pandas as pd
import pytest

from digitlab import charts, i18n
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


def test_a_small_probability_chart_can_leave_out_its_axis_title():
    full, small = (charts.probability_chart(probabilities(3, 0.8), probability_title=shown) for shown in (True, False))
    assert full["encoding"]["y"]["title"] == "Probability" and small["encoding"]["y"]["title"] is None
    assert small["encoding"]["y"]["axis"] == {"format": "%"}  # the percentages still say what the axis is
    alt.Chart.from_dict({**small, "$schema": alt.SCHEMA_URL}).to_dict(validate=True)


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


def test_the_number_is_set_large_with_a_question_mark_for_a_piece_not_sure_of():
    html = charts.number_html([2, None, 4])
    assert ">2<span class='not-sure'>?</span>4</div>" in html
    assert "min(7rem" in html and "class='number-box'" in html


def test_a_long_number_is_set_in_groups_of_three():
    html = charts.number_html([1, 2, 3, 4, 5, 6, 7])
    assert html.count("class='group'") == 2
    assert ">1<span class='group'>2</span>34<span class='group'>5</span>67</div>" in html
    assert "group" not in charts.number_html([1, 2, 3, 4])


def test_a_negative_number_is_set_with_a_minus_sign_that_counts_in_its_size():
    html = charts.number_html([4, 2], negative=True)
    assert ">\N{MINUS SIGN}42</div>" in html
    assert "min(7rem, 55.6cqw)" in html  # three glyphs of 0.6 em fill the column
    assert "\N{MINUS SIGN}" not in charts.number_html([4, 2]) and "min(7rem, 83.3cqw)" in charts.number_html([4, 2])


def box_count(svg: str) -> int:
    return svg.count("<rect x=") - 1  # the canvas itself is a rect too


def test_the_number_drawing_has_a_box_answer_and_confidence_per_piece():
    stroke = SimpleNamespace(points=np.array([[100.0, 50.0], [100.0, 190.0]]), width=12.0)
    svg = charts.number_svg((240, 840), [(94, 44, 106, 196), (300, 40, 380, 200)], [1, None], [0.97, 0.4], [stroke])
    assert box_count(svg) == 2 and svg.count("<path") == 1
    assert f"fill='{ACCENT}'>1</text>" in svg and ">97%</text>" in svg
    assert f"fill='{MUTED}'>?</text>" in svg and ">not sure</text>" in svg and "40%" not in svg
    assert "stroke-width='6'" not in svg
    assert "stroke-width='6'" in charts.number_svg((240, 840), [(94, 44, 106, 196)], [1], [0.97], [stroke], selected=0)


def test_the_number_drawing_boxes_the_minus_sign_and_shows_it_in_view():
    """The minus sign, far to the left of the digit: the part of the canvas shown reaches it."""
    svg = charts.number_svg((240, 840), [(600, 40, 700, 200)], [4], [0.99], minus=(100, 110, 160, 126))
    assert box_count(svg) == 2 and svg.count("<text") == 3  # the digit and its confidence, the sign alone
    assert re.search(rf"<text x='130.0' y='30'[^>]*fill='{ACCENT}'>\N{{MINUS SIGN}}</text>", svg)  # in the digit's row
    assert re.search(r"<text x='650.0' y='30'[^>]*>4</text>", svg)
    assert svg.split("viewBox='")[1].split()[0] == "60"


def test_the_number_drawing_shows_the_part_of_the_canvas_that_holds_the_ink():
    svg = charts.number_svg((240, 840), [(100, 40, 160, 200)], [1], [0.9])
    left, width = (int(value) for value in svg.split("viewBox='")[1].split()[::2][:2])
    assert left == 0 and width == 2 * 240  # at least twice the canvas's height wide, within the canvas
    wide = charts.number_svg((240, 840), [(100, 40, 160, 200), (600, 40, 700, 200)], [1, 2], [0.9, 0.9])
    assert wide.split("viewBox='")[1].split()[:3] == ["60", str(-charts.LABEL_ROOM[0]), "680"]


def test_the_number_drawings_labels_stay_inside_its_frame_when_the_ink_fills_the_canvas():
    svg = charts.number_svg((240, 840), [(100, 0, 160, 240)], [1], [0.9])
    frame = re.search(r"<rect x='\d+' y='(-?[\d.]+)' width='[\d.]+' height='([\d.]+)'", svg)
    top, bottom = float(frame[1]), float(frame[1]) + float(frame[2])
    digit, confidence = (float(y) for y in re.findall(r"<text x='[\d.]+' y='(-?[\d.]+)'", svg))
    # A digit of 48 px type is about 35 px tall above its baseline; the confidence, 28 px type, about 20.
    assert top + 35 + 4 <= digit <= -4  # inside the frame and clear of the box
    assert 240 + 20 + 4 <= confidence <= bottom - 4


@pytest.mark.parametrize("language", ["en", "pt-BR"])
def test_a_label_at_the_canvass_edge_is_moved_in_to_be_read_whole(language):
    """A dot at the right edge of the canvas: its "not sure" (longer in Portuguese) is not cut by the frame."""
    with i18n.speaking(language):
        svg = charts.number_svg((240, 840), [(400, 60, 540, 200), (822, 150, 836, 164)], [4, None], [0.99, 0.3])
        not_sure = i18n._("not sure")
    left, _top, width = (float(value) for value in svg.split("viewBox='")[1].split()[:3])
    x = float(re.search(rf"<text x='([\d.]+)'[^>]*>{not_sure}</text>", svg)[1])
    half = 0.5 * 28 * len(not_sure) / 2  # the type's characters are about half an em wide
    assert left < x - half and x + half < left + width
    assert re.search(r"<text x='470.0'[^>]*>4</text>", svg)  # a label clear of the edges stays over its piece


def test_without_strokes_the_number_drawing_shows_the_picture():
    picture = np.full((240, 840, 4), 255, np.uint8)
    svg = charts.number_svg((240, 840), [], [], [], picture=picture)
    assert "<image href='data:image/png;base64," in svg and box_count(svg) == 0
