"""CSV exports: one row per image of a case, or of every case of a lab over a date range."""

import csv
import datetime
import io
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from classifier.case_rows import ImageRow, case_rows
from classifier.models import Case
from review.services import latest_sign_off

COLUMNS = [
    "lab",
    "accession",
    "patient_ref",
    "specimen",
    "case_status",
    "image_id",
    "image_name",
    "sha256",
    "image_status",
    "predicted_label",
    "confidence",
    "unidentified",
    "model_version",
    "reviewed_label",
    "final_label",
    "reviewer",
    "reviewed_at",
    "comment",
    "signed_by",
    "signed_at",
]
# The header row, in the language active when writing (the lab's report language); in English
# the headings are the column names above.
HEADINGS = [
    pgettext_lazy("CSV column", "lab"),
    pgettext_lazy("CSV column", "accession"),
    pgettext_lazy("CSV column", "patient_ref"),
    pgettext_lazy("CSV column", "specimen"),
    pgettext_lazy("CSV column", "case_status"),
    pgettext_lazy("CSV column", "image_id"),
    pgettext_lazy("CSV column", "image_name"),
    pgettext_lazy("CSV column", "sha256"),
    pgettext_lazy("CSV column", "image_status"),
    pgettext_lazy("CSV column", "predicted_label"),
    pgettext_lazy("CSV column", "confidence"),
    pgettext_lazy("CSV column", "unidentified"),
    pgettext_lazy("CSV column", "model_version"),
    pgettext_lazy("CSV column", "reviewed_label"),
    pgettext_lazy("CSV column", "final_label"),
    pgettext_lazy("CSV column", "reviewer"),
    pgettext_lazy("CSV column", "reviewed_at"),
    pgettext_lazy("CSV column", "comment"),
    pgettext_lazy("CSV column", "signed_by"),
    pgettext_lazy("CSV column", "signed_at"),
]


def _safe(value) -> str:
    """Text for a spreadsheet cell: no leading = + - @, which spreadsheets run as formulas."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _row(case: Case, row: ImageRow, signed_by: str, signed_at: str) -> list[str]:
    image = row.image
    values = [
        case.lab.name,
        case.accession,
        case.patient_ref,
        case.specimen,
        case.status,
        image.public_id,
        image.original_name,
        image.sha256,
        image.status,
        row.predicted,
        f"{row.confidence:.4f}" if row.confidence is not None else "",
        _("yes") if row.unidentified else _("no") if row.predicted else "",
        row.model_version,
        row.reviewed,
        row.final,
        row.reviewer,
        row.reviewed_at.isoformat() if row.reviewed_at else "",
        row.comment,
        signed_by,
        signed_at,
    ]
    return [_safe(value) for value in values]


def write_cases(cases: Iterable[Case], out: io.TextIOBase) -> int:
    """Write the header and every image row of `cases`; returns the number of image rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([str(heading) for heading in HEADINGS])
    count = 0
    for case in cases:
        sign_off = latest_sign_off(case) if case.is_signed else None
        signed_by = sign_off.signer_name if sign_off else ""
        signed_at = sign_off.signed_at.isoformat() if sign_off else ""
        for row in case_rows(case):
            writer.writerow(_row(case, row, signed_by, signed_at))
            count += 1
    return count


def case_csv(case: Case) -> str:
    out = io.StringIO()
    with translation.override(case.lab.report_language):
        write_cases([case], out)
    return out.getvalue()


def lab_cases_between(lab, start: datetime.date, end: datetime.date):
    """The lab's cases created from `start` to `end` (both included), oldest first."""
    return (
        Case.objects.filter(lab=lab, created__date__gte=start, created__date__lte=end)
        .select_related("lab")
        .order_by("created", "id")
    )
