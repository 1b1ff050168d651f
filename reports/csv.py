"""CSV exports of a case, or of every case of a lab over a date range.

Each case gives two kinds of rows, told apart by the first column, `record`:
- "class": one per class of the differential, with its count, its share (`share_unit` "%" of
  the leukocytes, or "/100 WBC" for cells that are not leukocytes), the lab's reference interval
  and the flag (H above, L below), as on the PDF;
- "image": one per image, with its predicted, reviewed and final label and the reviewer.
Every row carries the case (priority, clinical note) and its sign-off (signer by name and title,
the pathologist's comment), so that a filtered sheet still says whose result it is, and the
count over fields: leukocytes counted against the lab's target and, when the case has done
smear fields, their number, the mean platelets per field, the lab's factor, the platelet
estimate per µL and the mean red cells per field (empty without a field). A class row of a
leukocyte class also carries the 95 % confidence interval of its percentage (Wilson score).
"""

import csv
import datetime
import io
from collections.abc import Iterable

from classifier.case_rows import CaseCount, ImageRow, case_count, case_differential, case_rows
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
# Appended after the older columns, so that a reader that goes by position keeps working.
CLASS_INTERVAL_COLUMNS = ["class_ci95_low", "class_ci95_high"]
COUNT_COLUMNS = [
    "leukocytes_counted",
    "leukocyte_target",
    "fields_counted",
    "platelets_per_field",
    "platelet_factor",
    "platelet_estimate_per_ul",
    "rbc_per_field",
]
COLUMNS = (
    CASE_COLUMNS
    + IMAGE_COLUMNS
    + CLASS_COLUMNS
    + SIGN_OFF_COLUMNS
    + CLASS_INTERVAL_COLUMNS
    + COUNT_COLUMNS
)


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


def _class_interval_values(result: ResultRow) -> list:
    low, high = result.confidence_interval or ("", "")
    return [low, high]


def _count_values(count: CaseCount) -> list:
    """The count over fields, on every row of the case; the field columns stay empty without a
    done field (no estimate, rather than a zero)."""
    values = [count.white_cells.counted, count.white_cells.target]
    fields = count.fields
    if fields is None:
        return values + [""] * (len(COUNT_COLUMNS) - len(values))
    return values + [
        fields.fields,
        f"{fields.platelets_per_field:.1f}",
        fields.platelet_factor,
        fields.platelet_estimate,
        f"{fields.red_cells_per_field:.1f}",
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
    no_interval = [""] * len(CLASS_INTERVAL_COLUMNS)
    count = 0
    for case in cases:
        signed = _sign_off_values(case)
        rows = case_rows(case)
        differential = case_differential(case, rows)
        counts = _count_values(case_count(case, differential))
        for result in result_rows(case, differential):
            values = (
                _case_values(case, "class")
                + no_image
                + _class_values(result)
                + signed
                + _class_interval_values(result)
                + counts
            )
            writer.writerow([_safe(value) for value in values])
        for row in rows:
            values = (
                _case_values(case, "image")
                + _image_values(row)
                + no_class
                + signed
                + no_interval
                + counts
            )
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
