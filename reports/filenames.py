"""Download names of a case's reports: the accession number, so that a saved file says whose it is.

"report-ACC-1.pdf", "report-ACC-1.csv", "report-ACC-1.fhir.json"; "draft-" in front until the
case is signed off. Anything but letters, digits, "-" and "_" becomes "_".
"""

from classifier.models import Case


def report_filename(case: Case, extension: str) -> str:
    prefix = "draft-" if not case.is_signed else ""
    return f"{prefix}report-{_safe(case.accession)}.{extension}"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:64] or "case"
