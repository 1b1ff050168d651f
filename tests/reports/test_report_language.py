"""PDF reports come out in the lab's report language, whoever downloads them; CSVs are data."""

import csv
import io

from reports.csv import COLUMNS, case_csv
from reports.pdf import render_pdf
from tests.reports.test_pdf import pdf_text


def test_the_csv_keeps_its_column_names_and_codes_in_any_report_language(case, lab_a):
    # A CSV is read by scripts and LIS imports: like FHIR, it is data, never translated.
    lab_a.report_language = "es"
    lab_a.save()
    case.refresh_from_db()

    rows = list(csv.DictReader(io.StringIO(case_csv(case))))

    assert list(rows[0]) == COLUMNS
    assert {row["unidentified"] for row in rows if row["record"] == "image"} == {"no"}


def test_the_pdf_is_in_the_lab_report_language(case, lab_a):
    lab_a.report_language = "fr"
    lab_a.save()
    case.refresh_from_db()

    text = pdf_text(render_pdf(case))

    assert "BROUILLON" in text
    assert "Formule leucocytaire" in text
    assert "Polynucléaire neutrophile" in text
    assert "75,0 %" in text  # three neutrophils of four leukocytes, French decimal comma
