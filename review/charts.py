"""PNG pictures of the agreement page, drawn with matplotlib's Agg canvas (no pyplot state)."""

import datetime
import io

from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import ConciseDateFormatter
from matplotlib.figure import Figure

from classifier.labels import display_label


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def confusion_png(labels: list[str], matrix: list[list[int]]) -> bytes:
    """Predicted (rows) against final (columns) label counts, with the counts written in."""
    size = max(4.0, 0.7 * len(labels) + 2)
    figure = Figure(figsize=(size, size))
    axes = figure.add_subplot()
    names = [display_label(label) for label in labels]
    axes.imshow(matrix or [[0]], cmap="Blues")
    axes.set_xticks(range(len(labels)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(labels)), names)
    axes.set_xlabel(_("Final label (reviewer)"))
    axes.set_ylabel(_("Predicted label (model)"))
    axes.set_title(_("Model vs reviewer"))
    peak = max((max(row) for row in matrix), default=0)
    for row_index, row in enumerate(matrix):
        for column_index, count in enumerate(row):
            if count:
                colour = "white" if count > peak / 2 else "black"
                axes.text(
                    column_index, row_index, str(count), ha="center", va="center", color=colour
                )
    return _png(figure)


def trend_png(series: dict[str, list[tuple[datetime.date, float, int]]]) -> bytes:
    """Weekly agreement per model version, one line each."""
    figure = Figure(figsize=(7, 3.5))
    axes = figure.add_subplot()
    for version, points in series.items():
        axes.plot([p[0] for p in points], [100 * p[1] for p in points], marker="o", label=version)
    weeks = sorted({point[0] for points in series.values() for point in points})
    if series:
        axes.legend(title=_("Model version"), fontsize="small")
        # A week or two of data would otherwise be spread over years of empty axis.
        margin = datetime.timedelta(days=7)
        axes.set_xlim(weeks[0] - margin, weeks[-1] + margin)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(axes.xaxis.get_major_locator()))
    else:
        axes.text(0.5, 0.5, _("No reviews yet"), ha="center", va="center", transform=axes.transAxes)
    axes.set_ylim(0, 105)
    axes.set_ylabel(_("Agreement (%)"))
    axes.set_xlabel(_("Week"))
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _png(figure)
