"""The one chart module: numbers in, SVG coordinates out, worked out by hand."""

import pytest

from tenancy.charts import (
    CHART_COLOURS,
    Scale,
    colour,
    day_bars,
    day_lines,
    grouped_bars,
    peak_of,
    polyline,
    row_bars,
)


def test_the_palette_repeats():
    assert colour(0) == CHART_COLOURS[0]
    assert colour(len(CHART_COLOURS) + 2) == CHART_COLOURS[2]


@pytest.mark.parametrize(
    "values, peak", [([], 1), ([0, 0], 1), ([None, 3], 3), ([0.5], 1), ([2, 7.5, None], 7.5)]
)
def test_the_peak_is_the_largest_value_and_at_least_one(values, peak):
    assert peak_of(values) == peak


def test_a_scale_sizes_bars_and_places_points():
    scale = Scale(peak=8, length=160, baseline=176)
    assert scale.size(2) == 40.0
    assert scale.size(None) == 0
    assert scale.size(12) == 160  # past the peak: the full length
    assert scale.size(1 / 3) == 6.7  # rounded to 0.1
    assert scale.y(8) == 16 and scale.y(0) == 176 and scale.y(1) == 156.0


def test_grouped_bars():
    chart = grouped_bars(
        [[4, 1], [0, None]], plot_height=100, group_width=96, bar_width=30, inset=14
    )
    assert chart["peak"] == 4 and chart["top"] == 16 and chart["baseline"] == 116
    assert (chart["width"], chart["height"], chart["label_y"]) == (40 + 2 * 96 + 8, 144, 134)
    first, second = chart["groups"]
    assert (first["x"], first["end"], first["centre"]) == (54, 54 + 64, 54 + 32)
    assert second["x"] == 54 + 96
    tall, short = first["bars"]
    assert (tall["x"], tall["y"], tall["width"], tall["height"]) == (54, 16.0, 30, 100.0)
    assert tall["centre"] == 69.0 and tall["value_y"] == 12.0 and tall["value"] == 4
    assert (short["x"], short["y"], short["height"]) == (88, 91.0, 25.0)
    assert [bar["height"] for bar in second["bars"]] == [0.0, 0]
    assert second["bars"][1]["value"] is None


def test_grouped_bars_take_a_peak_and_keep_an_axis_when_empty():
    chart = grouped_bars([[1]], plot_height=100, group_width=50, bar_width=20, inset=5, peak=4)
    assert chart["peak"] == 4 and chart["groups"][0]["bars"][0]["height"] == 25.0
    assert chart["scale"].y(2) == 66.0
    empty = grouped_bars([], plot_height=100, group_width=50, bar_width=20, inset=5)
    assert empty["groups"] == [] and empty["peak"] == 1 and empty["width"] == 40 + 50 + 8


def test_day_bars_fill_the_plot_a_bar_a_day():
    chart = day_bars([0, 5, 10], plot_height=100, width=340, right=0)
    assert chart["peak"] == 10 and chart["baseline"] == 112 and chart["right_x"] == 340
    assert (chart["height"], chart["label_y"], chart["left"]) == (136, 128, 40)
    assert [(b["x"], b["width"], b["height"], b["y"]) for b in chart["bars"]] == [
        (41.0, 98.0, 0.0, 112.0),
        (141.0, 98.0, 50.0, 62.0),
        (241.0, 98.0, 100.0, 12.0),
    ]
    narrow = day_bars([1] * 1000, plot_height=10, width=140, right=0)
    assert narrow["bars"][0]["width"] == 1  # never thinner than a unit
    assert day_bars([], plot_height=10)["bars"] == []


def test_day_lines_run_from_the_axis_to_the_right_end():
    chart = day_lines([[0, 2, 4], [1, 1, 1]], plot_height=100, width=248, right=8)
    assert chart["peak"] == 4 and chart["right_x"] == 240
    first, second = chart["lines"]
    assert first["points"] == [
        {"x": 40.0, "y": 112.0},
        {"x": 140.0, "y": 62.0},
        {"x": 240.0, "y": 12.0},
    ]
    assert first["polyline"] == "40.0,112.0 140.0,62.0 240.0,12.0"
    assert (first["colour"], second["colour"]) == (CHART_COLOURS[0], CHART_COLOURS[1])
    assert second["polyline"] == "40.0,87.0 140.0,87.0 240.0,87.0"


def test_a_single_day_line_sits_on_the_axis():
    chart = day_lines([[3]], plot_height=30)
    assert chart["lines"][0]["polyline"] == "40.0,12.0"
    assert day_lines([], plot_height=30)["lines"] == []


def test_polyline_rounds_to_a_tenth():
    assert polyline([{"x": 1, "y": 2.25}, {"x": 3.04, "y": 0}]) == "1.0,2.2 3.0,0.0"


def test_row_bars():
    bars = row_bars(
        [50, None, 0, 150], peak=100, track=200, left=230, top=8, pitch=26, bar_height=16
    )
    assert [(b["y"], b["text_y"], b["width"], b["end"]) for b in bars] == [
        (8, 20, 100.0, 330.0),
        (34, 46, 0, 230),
        (60, 72, 0.0, 230.0),
        (86, 98, 200.0, 430.0),  # past the peak: the whole track
    ]
    assert all(b["x"] == 230 and b["height"] == 16 for b in bars)
    short = row_bars(
        [0, 1], peak=1000, track=100, left=0, top=0, pitch=10, bar_height=8, min_width=2
    )
    assert [b["width"] for b in short] == [2, 2]
