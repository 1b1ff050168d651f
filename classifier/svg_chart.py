"""Portal charts as SVG with their text kept as text.

matplotlib places glyphs one by one and does no complex shaping, so Hindi (Devanagari) drawn into
a PNG comes out broken. Written as SVG `<text>`, the labels are shaped by the reader's browser
with its own fonts. Both the domain check (classifier) and the agreement and adaptation charts
(review) draw through `chart_svg`.
"""

import io
from collections.abc import Callable

import matplotlib
from django.http import HttpResponse
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

# DejaVu Sans (Latin) and Lohit Devanagari (fonts-lohit-deva) are what the server measures text
# with; the browser picks the first it has, falling back to its own sans-serif.
FONT_FAMILY = ["DejaVu Sans", "Lohit Devanagari", "sans-serif"]

# Fonts are resolved when the text is created and svg.fonttype is read when the file is written,
# so the whole drawing runs inside rc_context, which puts the global rcParams back afterwards.
# A fixed hash salt keeps the clip-path ids, and so the bytes, the same for the same chart.
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "hematovision", "font.family": FONT_FAMILY}


def chart_svg(figsize: tuple[float, float], draw: Callable[[Axes], None]) -> bytes:
    """Call `draw` on the axes of a new figure of `figsize` inches and return it as SVG bytes."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=figsize)
        FigureCanvasSVG(figure)
        draw(figure.add_subplot())
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def svg_response(svg: bytes) -> HttpResponse:
    """A chart for an <img>: never cached, since it shows one lab's data to one person."""
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response
