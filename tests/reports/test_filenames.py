from classifier.models import Case
from reports.filenames import report_filename
from tests.factories import CaseFactory


def test_it_names_the_file_by_accession(db):
    case = CaseFactory(accession="H-2026/0042 a", status=Case.Status.SIGNED)
    assert report_filename(case, "csv") == "report-H-2026_0042_a.csv"


def test_an_unsigned_case_is_a_draft(db):
    case = CaseFactory(accession="ACC-9")
    assert report_filename(case, "fhir.json") == "draft-report-ACC-9.fhir.json"
