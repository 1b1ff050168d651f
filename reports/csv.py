"""CSV exports of a case, or of every case of a lab over a date range.

Each case gives two kinds of rows, told apart by the first column, `record`:
- "class": one per class of the differential, with its count, its share (`share_unit` "%" of
  the leukocytes, or "/100 WBC" for cells that are not leukocytes), the lab's reference interval
  and the flag (H above, L below), as on the PDF;
- "image": one per image, with its predicted, reviewed and final label and the reviewer.
Every row carries the case (priority, clinical note) and its sign-off (signer by name and title,
the pathologist's comment), so that a filtered sheet still says whose result it is.
"""

import csv
import datetime
import io
from collections.abc import Iterable

from classifier.case_rows import ImageRow, case_differential, case_rows
from classifier.models import Case
from reports.results import ResultRow, result_rows
from review.services import latest_sign_off

CASE_COLUMNS = [
    "record",
    "lab",
    "accession",
    "patient_ref",
    "specimen",
    "priority",
    "clinical_note",
    "case_status",
]
IMAGE_COLUMNS = [
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
    "reviewer_name",
    "reviewed_at",
    "comment",
]
CLASS_COLUMNS = [
    "class_label",
    "class_count",
    "class_share",
    "share_unit",
    "reference_low",
    "reference_high",
    "flag",
]
SIGN_OFF_COLUMNS = ["signed_by", "signed_by_name", "signed_at", "sign_off_comment"]
COLUMNS = CASE_COLUMNS + IMAGE_COLUMNS + CLASS_COLUMNS + SIGN_OFF_COLUMNS


def _safe(value) -> str:
    """Text for a spreadsheet cell: no leading = + - @, which spreadsheets run as formulas."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _case_values(case: Case, record: str) -> list:
    return [
        record,
        case.lab.name,
        case.accession,
        case.patient_ref,
        case.specimen,
        case.priority,
        case.clinical_note,
        case.status,
    ]


def _image_values(row: ImageRow) -> list:
    image = row.image
    return [
        image.public_id,
        image.original_name,
        image.sha256,
        image.status,
        row.predicted,
        f"{row.confidence:.4f}" if row.confidence is not None else "",
        "yes" if row.unidentified else "no" if row.predicted else "",
        row.model_version,
        row.reviewed,
        row.final,
        row.reviewer,
        row.reviewer_name,
        row.reviewed_at.isoformat() if row.reviewed_at else "",
        row.comment,
    ]


def _class_values(result: ResultRow) -> list:
    low, high = result.interval or ("", "")
    return [
        result.label,
        result.count,
        "" if result.share is None else f"{result.share:.1f}",
        "%" if result.percent is not None else "/100 WBC",
        low,
        high,
        result.flag,
    ]


def _sign_off_values(case: Case) -> list:
    sign_off = latest_sign_off(case) if case.is_signed else None
    if sign_off is None:
        return ["", "", "", ""]
    return [
        sign_off.snapshot.get("signed_by", {}).get("email", ""),
        sign_off.signer_signature,
        sign_off.signed_at.isoformat(),
        sign_off.comment,
    ]


def write_cases(cases: Iterable[Case], out: io.TextIOBase) -> int:
    """Write the header, then each case's class rows and image rows; returns the image rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    no_image = [""] * len(IMAGE_COLUMNS)
    no_class = [""] * len(CLASS_COLUMNS)
    count = 0
    for case in cases:
        signed = _sign_off_values(case)
        rows = case_rows(case)
        for result in result_rows(case, case_differential(case, rows)):
            values = _case_values(case, "class") + no_image + _class_values(result) + signed
            writer.writerow([_safe(value) for value in values])
        for row in rows:
            values = _case_values(case, "image") + _image_values(row) + no_class + signed
            writer.writerow([_safe(value) for value in values])
            count += 1
    return count


def case_csv(case: Case) -> str:
    out = io.StringIO()
    write_cases([case], out)
    return out.getvalue()


def lab_cases_between(lab, start: datetime.date, end: datetime.date):
    """The lab's cases created from `start` to `end` (both included), oldest first."""
    return (
        Case.objects.filter(lab=lab, created__date__gte=start, created__date__lte=end)
        .select_related("lab")
        .order_by("created", "id")
    )
