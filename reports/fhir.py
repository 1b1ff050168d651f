"""The case as FHIR R4 JSON: a DiagnosticReport with one contained Observation per class.

Each Observation carries the class's count and percentage as two components. The status follows
the case: preliminary until signed off, final once signed, amended after an amendment. The patient
is referenced by the lab's pseudonymous reference only (an identifier, no Patient resource).
"""

from django.utils import timezone

from classifier.models import Case
from reports.services import case_differential, case_rows, latest_sign_off
from review.forms import display_label

CODE_SYSTEM = "urn:hematovision:cell-class"
COMPONENT_SYSTEM = "urn:hematovision:differential"
UCUM = "http://unitsofmeasure.org"
REPORT_CODE = {
    "system": COMPONENT_SYSTEM,
    "code": "image-differential",
    "display": "Blood-cell image differential",
}
HEMATOLOGY_CATEGORY = {
    "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
    "code": "HM",
    "display": "Hematology",
}
DISCLAIMER = "Decision support, not a diagnosis."


def _report_status(case: Case, version: int | None) -> str:
    if not case.is_signed:
        return "preliminary"
    return "amended" if version and version > 1 else "final"


def _identifier(case: Case, kind: str, value: str) -> dict:
    return {"system": f"urn:hematovision:lab:{case.lab.public_id}:{kind}", "value": value}


def _observation(case: Case, index: int, row, status: str) -> dict:
    return {
        "resourceType": "Observation",
        "id": f"class-{index}",
        "status": status,
        "category": [{"coding": [HEMATOLOGY_CATEGORY]}],
        "code": {
            "coding": [
                {"system": CODE_SYSTEM, "code": row.label, "display": display_label(row.label)}
            ],
            "text": display_label(row.label),
        },
        "subject": {"identifier": _identifier(case, "patient", case.patient_ref)},
        "component": [
            {
                "code": {
                    "coding": [{"system": COMPONENT_SYSTEM, "code": "count"}],
                    "text": "count",
                },
                "valueQuantity": {
                    "value": row.count,
                    "unit": "cells",
                    "system": UCUM,
                    "code": "{cells}",
                },
            },
            {
                "code": {
                    "coding": [{"system": COMPONENT_SYSTEM, "code": "percent"}],
                    "text": "percent",
                },
                "valueQuantity": {"value": row.percent, "unit": "%", "system": UCUM, "code": "%"},
            },
        ],
    }


def _specimen(case: Case) -> dict:
    return {
        "resourceType": "Specimen",
        "id": "specimen",
        "accessionIdentifier": _identifier(case, "accession", case.accession),
        "type": {"text": case.get_specimen_display()},
        "subject": {"identifier": _identifier(case, "patient", case.patient_ref)},
    }


def diagnostic_report(case: Case) -> dict:
    """The DiagnosticReport as a JSON-ready dict."""
    rows = case_rows(case)
    differential = case_differential(case, rows)
    sign_off = latest_sign_off(case) if case.is_signed else None
    status = _report_status(case, sign_off.version if sign_off else None)
    observations = [
        _observation(case, index, row, status)
        for index, row in enumerate(differential.rows, start=1)
    ]
    versions = sorted({row.model_version for row in rows if row.model_version})
    report = {
        "resourceType": "DiagnosticReport",
        "id": str(case.public_id),
        "contained": [_specimen(case), *observations],
        "identifier": [_identifier(case, "accession", case.accession)],
        "status": status,
        "category": [{"coding": [HEMATOLOGY_CATEGORY]}],
        "code": {"coding": [REPORT_CODE], "text": REPORT_CODE["display"]},
        "subject": {"identifier": _identifier(case, "patient", case.patient_ref)},
        "issued": (sign_off.signed_at if sign_off else timezone.now()).isoformat(),
        "performer": [{"display": case.lab.name}],
        "specimen": [{"reference": "#specimen"}],
        "result": [{"reference": f"#{obs['id']}"} for obs in observations],
        "conclusion": (
            f"{DISCLAIMER} Images: {differential.total}; reviewed: {differential.reviewed}; "
            f"not yet reviewed: {differential.unreviewed}. Model: {', '.join(versions) or '-'}."
        ),
    }
    if sign_off is not None:
        report["resultsInterpreter"] = [{"display": sign_off.signer_name}]
    return report
