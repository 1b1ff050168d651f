"""classifier.svg_chart: chart text stays SVG text; matplotlib's settings are left alone."""

import matplotlib

from classifier.svg_chart import chart_svg, svg_response
from tests.svg import svg_texts

HINDI = "मॉडल बनाम समीक्षक"


def _titled(title: str):
    return lambda axes: axes.set_title(title)


def test_the_text_stays_text_for_the_browser_to_shape():
    svg = chart_svg((3, 2), _titled(HINDI + " <&>"))

    assert HINDI + " <&>" in svg_texts(svg)
    # No glyph outlines: with svg.fonttype "path" each character is a <path id="DejaVuSans-…">.
    assert b'id="DejaVuSans-' not in svg
    assert b"Lohit Devanagari" in svg


def test_the_same_chart_gives_the_same_bytes():
    assert chart_svg((3, 2), _titled("a")) == chart_svg((3, 2), _titled("a"))


def test_matplotlib_settings_are_put_back():
    before = (matplotlib.rcParams["svg.fonttype"], matplotlib.rcParams["font.family"])

    chart_svg((3, 2), _titled("a"))

    assert (matplotlib.rcParams["svg.fonttype"], matplotlib.rcParams["font.family"]) == before


def test_the_response_is_an_uncached_svg():
    response = svg_response(b"<svg/>")

    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
