"""Domain check: do a lab's images still look like the data the active model was validated on?

A model that meets another lab's images (another stain, camera, magnification) becomes less sure
of itself: its median top-1 confidence falls and more images come out "unidentified". The
reference is the model version's validation confidence distribution, stored in its bundle as
`validation_confidence` (ml/selective.py, confidence_summary). `assess` compares a lab's recent
predictions with it and warns when either figure moves past a bound:

    median confidence  < the validation 25th percentile of confidence
    unidentified share > validation share + max(UNIDENTIFIED_RISE_BOUND, 3 standard errors)

The bounds were chosen on the cross-lab runs (research/cross_lab/README.md), on validation images
only. The pbc8 candidate (224 px) had a median of 0.9998 and a 25th percentile of 0.997 on PBC
validation, 3.5 % unidentified; on Kaggle's validation images (another lab) it was right 0.7 % of
the time, yet its median was still 0.93 and only 13.9 % were unidentified. A fixed drop of the
median (0.10) would have missed that; the 25th percentile catches it. Under the validation
distribution itself, a median of 50 predictions falls below the 25th percentile with a chance of
about 1e-4. Warnings need MIN_PREDICTIONS recent predictions.

Confidence cannot catch a model that is sure of itself and wrong: the Kaggle-trained cross-lab
model had a median confidence of 0.98 on PBC's images at 0.57 accuracy. So the check also looks
at the images themselves: each prediction stores four appearance descriptors of the model input
(ml/appearance.py: background and stain brightness, stain hue, stained share), and the lab's
median of each must lie within the central 98 % of the model's training images
(`training_appearance` in the bundle).
"""

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Lab
from classifier.models import ModelVersion, Prediction
from ml.serving import BundleError, appearance

MEDIAN_QUANTILE = "0.25"  # the lab's median must not fall below this validation quantile
UNIDENTIFIED_RISE_BOUND = 0.05  # and its unidentified share not rise by more than this
MIN_PREDICTIONS = 50
RECENT_DAYS = 90
RECENT_LIMIT = 1000


class Status:
    OK = "ok"
    WARNING = "warning"
    TOO_FEW = "too_few"
    NO_MODEL = "no_model"


@dataclass(frozen=True)
class Reference:
    """The model version's validation confidence distribution (median None when unknown)."""

    median: float | None
    unidentified_share: float
    median_bound: float | None = None  # the validation quantile the lab's median is held to
    histogram_edges: list[float] = field(default_factory=list)
    histogram_counts: list[int] = field(default_factory=list)
    n: int = 0
    appearance: dict | None = None  # the training images' appearance summary


@dataclass(frozen=True)
class Verdict:
    status: str
    n: int
    median: float | None
    unidentified_share: float | None
    reference: Reference | None
    reasons: list[str]
    confidences: list[float] = field(default_factory=list, repr=False)
    # [{descriptor, median, low, high}]: the lab's median against the training range
    appearance_rows: list[dict] = field(default_factory=list)

    @property
    def is_warning(self) -> bool:
        return self.status == Status.WARNING


def reference_from_summary(summary: dict, training_appearance: dict | None = None) -> Reference:
    histogram = summary.get("histogram") or {}
    return Reference(
        median=float(summary["median"]),
        unidentified_share=float(summary["unidentified_share"]),
        median_bound=float(summary.get("quantiles", {}).get(MEDIAN_QUANTILE, summary["median"])),
        histogram_edges=list(histogram.get("edges", [])),
        histogram_counts=list(histogram.get("counts", [])),
        n=int(summary.get("n", 0)),
        appearance=training_appearance,
    )


def _read_json(path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def reference_for(version: ModelVersion) -> Reference | None:
    """From the version's metadata, else its bundle.json on disk (added after registration),
    else the validation coverage in metrics.json (share flagged only, no median)."""
    summary = version.metadata.get("validation_confidence")
    training_appearance = version.metadata.get("training_appearance")
    if not summary or not training_appearance:
        try:
            bundle_dir = version.bundle_dir
        except BundleError:  # a bundle that is gone gives no reference, not a server error
            return None
        on_disk = _read_json(bundle_dir / "bundle.json")
        summary = summary or on_disk.get("validation_confidence")
        training_appearance = training_appearance or on_disk.get("training_appearance")
        if not summary:
            validation = _read_json(bundle_dir / "metrics.json").get("val", {})
            coverage = validation.get("at_confidence_threshold", {}).get("coverage")
            if coverage is None:
                return None
            return Reference(
                median=None,
                unidentified_share=1.0 - float(coverage),
                appearance=training_appearance,
            )
    return reference_from_summary(summary, training_appearance)


def unidentified_bound(reference_share: float, n: int) -> float:
    """How far the share may rise: the fixed bound, or 3 standard errors of a sample of n."""
    noise = 3 * math.sqrt(reference_share * (1 - reference_share) / max(n, 1))
    return max(UNIDENTIFIED_RISE_BOUND, noise)


DESCRIPTOR_NAMES = {
    "background_brightness": gettext_lazy("Background brightness"),
    "stain_darkness": gettext_lazy("Stain darkness (brightness of stained pixels)"),
    "stain_red_minus_blue": gettext_lazy("Stain hue (red minus blue of stained pixels)"),
    "stained_share": gettext_lazy("Stained share of the frame (cell size, magnification)"),
}


def appearance_rows(appearances: Sequence[dict], reference: Reference | None) -> list[dict]:
    """The lab's median of each descriptor next to the training range, flagged when outside."""
    if reference is None or not reference.appearance:
        return []
    lab = appearance.medians([a for a in appearances if a])
    return [
        {**row, "title": DESCRIPTOR_NAMES.get(row["descriptor"], row["descriptor"])}
        for row in appearance.compare(lab, reference.appearance)
    ]


def assess(
    confidences: Sequence[float],
    unidentified: Sequence[bool],
    reference: Reference | None,
    appearances: Sequence[dict] = (),
) -> Verdict:
    """The verdict on a lab's recent predictions against the model's validation reference
    (confidence) and training images (appearance of the model input)."""
    n = len(confidences)
    if n == 0:
        return Verdict(Status.TOO_FEW, 0, None, None, reference, [])
    median = float(statistics.median(confidences))
    share = sum(bool(flag) for flag in unidentified) / n
    reasons = []
    if reference is not None and reference.median_bound is not None:
        if median < reference.median_bound:
            reasons.append(
                _(
                    "The median confidence is %(lab).3f: three quarters of the validation "
                    "predictions were above %(bound).3f (validation median %(ref).3f)."
                )
                % {"lab": median, "bound": reference.median_bound, "ref": reference.median}
            )
    if reference is not None and share - reference.unidentified_share > unidentified_bound(
        reference.unidentified_share, n
    ):
        reasons.append(
            _("%(lab).0f%% of images are unidentified, against %(ref).0f%% on validation.")
            % {"lab": 100 * share, "ref": 100 * reference.unidentified_share}
        )
    rows = appearance_rows(appearances, reference)
    for row in rows:
        if row["outside"]:
            reasons.append(
                _(
                    "%(what)s is %(lab).3g, outside the range of %(low).3g to %(high).3g "
                    "that holds 98%% of the training images."
                )
                % {
                    "what": row["title"],
                    "lab": row["median"],
                    "low": row["low"],
                    "high": row["high"],
                }
            )
    if n < MIN_PREDICTIONS:
        status = Status.TOO_FEW
    else:
        status = Status.WARNING if reasons else Status.OK
    return Verdict(status, n, median, share, reference, reasons, list(confidences), rows)


def recent_predictions(
    lab: Lab, version: ModelVersion
) -> tuple[list[float], list[bool], list[dict]]:
    """Confidences, unidentified flags and appearances of the lab's latest predictions by this
    version."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    rows = (
        Prediction.objects.filter(image__case__lab=lab, model_version=version, created__gte=since)
        .order_by("-created")
        .values_list("confidence", "unidentified", "appearance")[:RECENT_LIMIT]
    )
    rows = list(rows)
    return [row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]


def lab_domain_check(lab: Lab) -> tuple[ModelVersion | None, Verdict]:
    """The lab's model version (its own, else the active one) and the verdict on the lab's
    recent predictions by it."""
    version = ModelVersion.for_lab(lab)
    if version is None:
        return None, Verdict(Status.NO_MODEL, 0, None, None, None, [])
    confidences, unidentified, appearances = recent_predictions(lab, version)
    return version, assess(confidences, unidentified, reference_for(version), appearances)
