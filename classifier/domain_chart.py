"""The domain check's picture: the lab's confidence histogram over the model's validation one."""

import numpy as np
from django.utils.translation import gettext as _
from matplotlib.axes import Axes

from classifier.domain_check import Verdict
from classifier.svg_chart import chart_svg

BINS = 20


def _shares(counts) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    return counts / counts.sum() if counts.sum() else counts


def confidence_histogram_svg(verdict: Verdict, threshold: float | None) -> bytes:
    """Share of predictions per confidence bin: the lab's recent ones (bars), validation (line)."""

    def draw(axes: Axes) -> None:
        edges = np.linspace(0.0, 1.0, BINS + 1)
        if verdict.confidences:
            counts, _edges = np.histogram(np.clip(verdict.confidences, 0, 1), bins=edges)
            axes.bar(
                edges[:-1], _shares(counts), width=1.0 / BINS, align="edge", alpha=0.6,
                label=_("This lab, recent (%(n)d)") % {"n": verdict.n},
            )  # fmt: skip
        reference = verdict.reference
        if reference is not None and reference.histogram_counts:
            axes.step(
                reference.histogram_edges, [*_shares(reference.histogram_counts), 0],
                where="post", color="black",
                label=_("Model validation (%(n)d)") % {"n": reference.n},
            )  # fmt: skip
        if threshold is not None:
            axes.axvline(threshold, color="grey", linestyle=":", label=_("Unidentified below"))
        if not verdict.confidences:
            axes.text(0.5, 0.5, _("No predictions yet"), ha="center", transform=axes.transAxes)
        axes.set_xlim(0, 1)
        axes.set_xlabel(_("Top-1 confidence"))
        axes.set_ylabel(_("Share of predictions"))
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small", loc="upper left")

    return chart_svg((7, 3.5), draw)
