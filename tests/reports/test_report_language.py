"""PDF reports and CSV exports come out in the lab's report language, whoever downloads them."""

import csv
import io

from reports.csv import COLUMNS, case_csv
from reports.pdf import render_pdf
from tests.reports.test_pdf import pdf_text


def test_the_csv_keeps_english_column_names_by_default(case):
    header = next(csv.reader(io.StringIO(case_csv(case))))

    assert header == COLUMNS


def test_the_csv_is_in_the_lab_report_language(case, lab_a):
    lab_a.report_language = "es"
    lab_a.save()
    case.refresh_from_db()

    rows = list(csv.reader(io.StringIO(case_csv(case))))

    assert rows[0][:3] == ["laboratorio", "registro", "ref_paciente"]
    assert rows[1][COLUMNS.index("unidentified")] == "no"


def test_the_pdf_is_in_the_lab_report_language(case, lab_a):
    lab_a.report_language = "fr"
    lab_a.save()
    case.refresh_from_db()

    text = pdf_text(render_pdf(case))

    assert "BROUILLON" in text
    assert "Formule leucocytaire" in text
    assert "Polynucléaire neutrophile" in text
    assert "75,0 %" in text  # three neutrophils of four leukocytes, French decimal comma
