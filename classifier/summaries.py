"""What the case page shows, as plain dicts: the page and its JSON poll share it.

Each image: once nothing is pending, images that need a person's eyes come first: unidentified
(low confidence), then the other results from the least to the most confident, then failures.
While images are still being classified they stay in upload order, so that rows do not jump as
results arrive. The differential comes with it, rows in the model's label order, with how many
images are classified and how many are still pending, so that a partial count reads as one.
"""

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership
from classifier.access import may_delete_image, may_see_image_file
from classifier.case_rows import case_count, case_differential
from classifier.count_texts import count_summary, interval_text
from classifier.labels import display_label
from classifier.models import Case, CellImage

TOP_K = 3


def prediction_summary(image: CellImage) -> dict | None:
    prediction = getattr(image, "prediction", None)
    if prediction is None:
        return None
    return {
        "label": prediction.label,
        "label_display": display_label(prediction.label),
        "confidence": round(prediction.confidence, 4),
        "unidentified": prediction.unidentified,
        "model_version": prediction.model_version.name,
        "top": [
            {"label": label, "label_display": display_label(label), "probability": round(p, 4)}
            for label, p in prediction.top(TOP_K)
        ],
    }


def file_note(image: CellImage, membership: Membership) -> str:
    """Why there is no picture (or who may see it), for the case page."""
    if not image.has_file:
        return _("Image deleted; its result is kept.") if image.file_purged_at else ""
    if image.kept_for_review_only and not may_see_image_file(membership, image):
        return _("Kept for the pathologists' review only.")
    return ""


def counts_text(counts: dict) -> str:
    """E.g. "2 white cells, 31 red cells, 4 platelets": what the finder found in a field."""
    wbc, rbc, platelets = (counts.get(kind, 0) for kind in ("wbc", "rbc", "platelet"))
    return ", ".join(
        [
            ngettext("%(count)d white cell", "%(count)d white cells", wbc) % {"count": wbc},
            ngettext("%(count)d red cell", "%(count)d red cells", rbc) % {"count": rbc},
            ngettext("%(count)d platelet", "%(count)d platelets", platelets) % {"count": platelets},
        ]
    )


def finding_summary(image: CellImage) -> dict | None:
    """A field's counts and page, or why no blood cells were found; None for a single cell."""
    if image.kind == CellImage.Kind.FIELD:
        return {
            "kind": image.kind,
            "kind_display": image.get_kind_display(),
            "text": counts_text(image.counts),
            "url": reverse("classifier:field_detail", args=[image.public_id]),
            "link_text": _("Show the field and its cells"),
        }
    if image.kind == CellImage.Kind.NONE:
        message = _("No blood cells found: %(reason)s.") % {"reason": image.no_blood_reason}
        return {"kind": image.kind, "kind_display": image.get_kind_display(), "text": message}
    return None


def image_summary(image: CellImage, membership: Membership) -> dict:
    return {
        "id": str(image.public_id),
        "name": image.original_name,
        "status": image.status,
        "status_display": image.get_status_display(),
        # The worker stores the reason in English; a fixed one is a catalogue msgid, so it is
        # shown in the reader's language (one with details, e.g. an exception, stays English).
        # A no-blood image's reason is shown by finding_summary.
        "error": _(image.error) if image.error and image.kind != CellImage.Kind.NONE else "",
        "consent_retain": image.consent_retain,
        "file_url": (
            reverse("classifier:image_file", args=[image.public_id])
            if image.has_file and may_see_image_file(membership, image)
            else None
        ),
        "file_note": file_note(image, membership),
        "delete_url": (
            reverse("classifier:image_delete", args=[image.public_id])
            if may_delete_image(membership, image) and not image.is_pending
            else None
        ),
        "prediction": prediction_summary(image),
        "finding": finding_summary(image),
    }


def review_order(summary: dict) -> tuple:
    prediction = summary["prediction"]
    if prediction is not None:
        rank = 0 if prediction["unidentified"] else 1
        return (rank, prediction["confidence"])
    rank = 2 if summary["status"] == CellImage.Status.FAILED else 3
    return (rank, 0.0)


def case_images(case: Case, membership: Membership) -> list[dict]:
    """Every uploaded image of the case, summarised (a field's white cells are on its page):
    in upload order while any is pending, then in review order (stable: upload order breaks
    ties)."""
    images = case.images.uploads().select_related("prediction__model_version", "case")
    summaries = [image_summary(image, membership) for image in images.order_by("created", "id")]
    if any(summary["status"] in CellImage.PENDING_STATUSES for summary in summaries):
        return summaries
    return sorted(summaries, key=review_order)


def image_counts(statuses: list[str]) -> dict[str, int]:
    pending = sum(1 for status in statuses if status in CellImage.PENDING_STATUSES)
    failed = statuses.count(CellImage.Status.FAILED)
    done = statuses.count(CellImage.Status.DONE)
    return {"total": len(statuses), "done": done, "pending": pending, "failed": failed}


def progress_text(counts: dict[str, int]) -> str:
    """E.g. "18 of 20 classified, 2 pending": how far a partial differential is from final."""
    if counts["pending"]:
        text = _("%(done)d of %(total)d classified, %(pending)d pending") % counts
    else:
        text = _("%(done)d of %(total)d classified") % counts
    if counts["failed"]:
        text += " · " + ngettext("%(failed)d failed", "%(failed)d failed", counts["failed"]) % (
            counts
        )
    return text


def share_text(row: dict) -> str:
    """A differential row's share: "62.5 %" of the leukocytes for a white-cell class,
    "12.0 / 100 WBC" for other cells, "—" with no leukocytes to count against. Rows of signed
    snapshots signed before shares were per 100 leukocytes have a percent of all images only."""
    percent, per_100 = row.get("percent"), row.get("per_100_leukocytes")
    if percent is not None:
        return f"{floatformat(percent, 1)} %"
    if per_100 is not None:
        return _("%(value)s / 100 WBC") % {"value": floatformat(per_100, 1)}
    return "—"


def unreviewed_text(unreviewed: int) -> str:
    """The note under the differential; empty once every image is reviewed ("0 images not yet
    reviewed, counted with the model's label" read as a warning on a finished review)."""
    if not unreviewed:
        return ""
    return ngettext(
        "%(count)d image not yet reviewed (counted with the model's label).",
        "%(count)d images not yet reviewed (counted with the model's label).",
        unreviewed,
    ) % {"count": unreviewed}


def differential_summary(case: Case) -> dict:
    """The case's differential as the page shows it; rows in the model's label order, with the
    count over fields (white cells against the lab's target)."""
    differential = case_differential(case)
    return {
        "rows": [
            {
                "label": row.label,
                "count": row.count,
                "share": share_text(vars(row)),
                "interval": interval_text(row.confidence_interval),
            }
            for row in differential.rows
        ],
        "leukocytes": differential.leukocytes,
        "total": differential.total,
        "unreviewed_text": unreviewed_text(differential.unreviewed),
        "count": count_summary(case_count(case, differential), case.is_signed),
    }


def case_state(case: Case, membership: Membership) -> dict:
    images = case_images(case, membership)
    counts = image_counts([image["status"] for image in images])
    # A field's white cells still being classified (a task redelivered after a crash) keep
    # the page polling.
    counts["pending"] += (
        case.images.exclude(field=None).filter(status__in=CellImage.PENDING_STATUSES).count()
    )
    return {
        "id": str(case.public_id),
        "status": case.status,
        "status_display": case.get_status_display(),
        "pending": counts["pending"],
        "counts": counts,
        "progress_text": progress_text(counts),
        "differential": differential_summary(case),
        "images": images,
    }
