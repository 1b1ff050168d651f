"""SVG charts of the agreement and "Model for this lab" pages (drawn by classifier.svg_chart)."""

import datetime
import math

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from matplotlib.axes import Axes

from classifier.labels import display_label
from classifier.svg_chart import chart_svg


def confusion_svg(labels: list[str], matrix: list[list[int]]) -> bytes:
    """Predicted (rows) against final (columns) label counts, with the counts written in."""

    def draw(axes: Axes) -> None:
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

    size = max(4.0, 0.7 * len(labels) + 2)
    return chart_svg((size, size), draw)


MOST_WEEK_TICKS = 8


def week_ticks(weeks: list[datetime.date]) -> tuple[list[datetime.date], list[str]]:
    """At most MOST_WEEK_TICKS of the weeks, evenly spread, with their dates written in the
    reader's language (matplotlib would write its month names in English)."""
    ticks = weeks[:: max(1, math.ceil(len(weeks) / MOST_WEEK_TICKS))]
    return ticks, [date_format(week, "j M Y") for week in ticks]


def trend_svg(series: dict[str, list[tuple[datetime.date, float, int]]]) -> bytes:
    """Weekly agreement per model version, one line each."""

    def draw(axes: Axes) -> None:
        for version, points in series.items():
            axes.plot(
                [p[0] for p in points], [100 * p[1] for p in points], marker="o", label=version
            )
        weeks = sorted({point[0] for points in series.values() for point in points})
        if series:
            axes.legend(title=_("Model version"), fontsize="small")
            # A week or two of data would otherwise be spread over years of empty axis.
            margin = datetime.timedelta(days=7)
            axes.set_xlim(weeks[0] - margin, weeks[-1] + margin)
            axes.set_xticks(*week_ticks(weeks))
        else:
            axes.text(
                0.5, 0.5, _("No reviews yet"), ha="center", va="center", transform=axes.transAxes
            )
        axes.set_ylim(0, 105)
        axes.set_ylabel(_("Agreement (%)"))
        axes.set_xlabel(_("Week"))
        axes.grid(alpha=0.3)
        axes.figure.autofmt_xdate()

    return chart_svg((7, 3.5), draw)
