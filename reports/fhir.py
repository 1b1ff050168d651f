"""The case as FHIR R4 JSON: a DiagnosticReport with one contained Observation per class.

Each Observation carries the class's count and its share per 100 leukocytes as two components
(classifier/differential.py), a leukocyte class the 95 % confidence interval of its percentage
as a third (`percent-95ci`, a Range), and, for the classes LOINC names, the LOINC code of that
share beside the portal's own code. A leukocyte share has the lab's reference interval
(`referenceRange`, in %) and its interpretation (H, L or N, HL7 v3 ObservationInterpretation),
on the component and on the Observation. The count over fields follows as Observations of its
own (reports/fhir_counts.py): leukocytes counted against the lab's target and, with done smear
fields, the platelet estimate (LOINC 49497-1) and the red cells per field. The status follows
the case: preliminary until signed off, final once signed, amended after an amendment. The
signer is the `resultsInterpreter` (name and professional title), the pathologist's comment ends
the `conclusion`, and a contained ServiceRequest (`basedOn`) carries the request's priority and
clinical note. The patient is referenced by the lab's pseudonymous reference only (an
identifier, no Patient resource).
"""

from django.utils import timezone

from classifier.case_rows import CaseCount, case_count, case_differential, case_rows
from classifier.labels import display_label
from classifier.models import Case
from reports.fhir_counts import confidence_component, count_observations
from reports.results import ResultRow, result_rows, reviewer_names
from review.services import latest_sign_off

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
LOINC = "http://loinc.org"
# The "/100 leukocytes in Blood" codes (LOINC's Differential panel, 69738-3, and its automated
# count codes where there is no method-less one). Platelets and "other" have none.
LOINC_SHARE_CODES = {
    "basophil": ("30180-4", "Basophils/100 leukocytes in Blood"),
    "eosinophil": ("26450-7", "Eosinophils/100 leukocytes in Blood"),
    "erythroblast": ("19048-8", "Erythroblasts/100 leukocytes in Blood by Automated count"),
    "ig": ("38518-7", "Immature granulocytes/100 leukocytes in Blood"),
    "lymphocyte": ("26478-8", "Lymphocytes/100 leukocytes in Blood"),
    "monocyte": ("26485-3", "Monocytes/100 leukocytes in Blood"),
    "neutrophil": ("26511-6", "Neutrophils/100 leukocytes in Blood"),
}
PER_100_LEUKOCYTES = {"unit": "/100 WBC", "system": UCUM, "code": "/100{WBCs}"}
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
INTERPRETATIONS = {"H": "High", "L": "Low", "": "Normal"}
# Case.Priority values are FHIR's request-priority codes but for "asap", which the portal lacks.
REQUEST_PRIORITIES = {"routine": "routine", "urgent": "urgent", "stat": "stat"}


def _report_status(case: Case, version: int | None) -> str:
    if not case.is_signed:
        return "preliminary"
    return "amended" if version and version > 1 else "final"


def _identifier(case: Case, kind: str, value: str) -> dict:
    return {"system": f"urn:hematovision:lab:{case.lab.public_id}:{kind}", "value": value}


def _coding(label: str) -> list[dict]:
    coding = [{"system": CODE_SYSTEM, "code": label, "display": display_label(label)}]
    if label in LOINC_SHARE_CODES:
        code, display = LOINC_SHARE_CODES[label]
        coding.append({"system": LOINC, "code": code, "display": display})
    return coding


def _percent(value: float) -> dict:
    return {"value": value, "unit": "%", "system": UCUM, "code": "%"}


def _reference_range(row: ResultRow) -> list[dict]:
    low, high = row.interval
    return [{"low": _percent(low), "high": _percent(high), "text": "% of leukocytes"}]


def _interpretation(row: ResultRow) -> list[dict]:
    code = row.flag or "N"
    return [
        {
            "coding": [
                {"system": INTERPRETATION, "code": code, "display": INTERPRETATIONS[row.flag]}
            ],
            "text": INTERPRETATIONS[row.flag],
        }
    ]


def _share_component(row: ResultRow) -> dict:
    """A leukocyte class's percentage (with its reference range and interpretation), or another
    cell's count per 100 leukocytes; with no leukocytes counted the latter has no value, and says
    why."""
    if row.percent is not None:
        code, value = "percent", {"value": row.percent, "unit": "%", "system": UCUM, "code": "%"}
    else:
        code, value = "per-100-leukocytes", {"value": row.per_100_leukocytes, **PER_100_LEUKOCYTES}
    component: dict = {
        "code": {"coding": [{"system": COMPONENT_SYSTEM, "code": code}], "text": code}
    }
    if value["value"] is None:
        component["dataAbsentReason"] = {"text": "no leukocytes counted"}
    else:
        component["valueQuantity"] = value
    if row.interval is not None and value["value"] is not None:
        component["interpretation"] = _interpretation(row)
        component["referenceRange"] = _reference_range(row)
    return component


def _observation(case: Case, index: int, row: ResultRow, status: str) -> dict:
    observation = {
        "resourceType": "Observation",
        "id": f"class-{index}",
        "status": status,
        "category": [{"coding": [HEMATOLOGY_CATEGORY]}],
        "code": {"coding": _coding(row.label), "text": display_label(row.label)},
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
            _share_component(row),
        ],
    }
    if row.percent is not None:  # a leukocyte class
        observation["component"].append(confidence_component(row.confidence_interval))
    share = observation["component"][1]
    if "interpretation" in share:
        observation["interpretation"] = share["interpretation"]
        observation["referenceRange"] = share["referenceRange"]
    return observation


def _observation_base(case: Case, status: str) -> dict:
    return {
        "status": status,
        "category": [{"coding": [HEMATOLOGY_CATEGORY]}],
        "subject": {"identifier": _identifier(case, "patient", case.patient_ref)},
    }


def _count_conclusion(count: CaseCount) -> str:
    white_cells = count.white_cells
    text = f"White cells counted: {white_cells.counted} of {white_cells.target}."
    fields = count.fields
    if fields is None:
        return text + " No smear field: no platelet estimate."
    return text + (
        f" Platelet estimate: {fields.platelet_estimate} /uL"
        f" ({fields.platelets_per_field:.1f} per field x {fields.platelet_factor},"
        f" {fields.fields} fields); red cells per field: {fields.red_cells_per_field:.1f}."
    )


def _service_request(case: Case) -> dict:
    request = {
        "resourceType": "ServiceRequest",
        "id": "request",
        "status": "completed" if case.is_signed else "active",
        "intent": "order",
        "priority": REQUEST_PRIORITIES.get(case.priority, "routine"),
        "code": {"coding": [REPORT_CODE], "text": REPORT_CODE["display"]},
        "subject": {"identifier": _identifier(case, "patient", case.patient_ref)},
    }
    if case.clinical_note:
        request["note"] = [{"text": case.clinical_note}]
    return request


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
    count = case_count(case, differential)
    observations = [
        _observation(case, index, row, status)
        for index, row in enumerate(result_rows(case, differential), start=1)
    ] + count_observations(count, _observation_base(case, status))
    versions = sorted({row.model_version for row in rows if row.model_version})
    reviewers = reviewer_names(rows)
    conclusion = (
        f"{DISCLAIMER} Images: {differential.total}; leukocytes: {differential.leukocytes}; "
        f"reviewed: {differential.reviewed}; "
        f"not yet reviewed: {differential.unreviewed}. Model: {', '.join(versions) or '-'}."
        f" {_count_conclusion(count)}"
    )
    if reviewers:
        conclusion += f" Reviewed by: {'; '.join(reviewers)}."
    if sign_off is not None and sign_off.comment:
        conclusion += f" Pathologist's comment: {sign_off.comment}"
    report = {
        "resourceType": "DiagnosticReport",
        "id": str(case.public_id),
        "contained": [_specimen(case), *observations, _service_request(case)],
        "basedOn": [{"reference": "#request"}],
        "identifier": [_identifier(case, "accession", case.accession)],
        "status": status,
        "category": [{"coding": [HEMATOLOGY_CATEGORY]}],
        "code": {"coding": [REPORT_CODE], "text": REPORT_CODE["display"]},
        "subject": {"identifier": _identifier(case, "patient", case.patient_ref)},
        "issued": (sign_off.signed_at if sign_off else timezone.now()).isoformat(),
        "performer": [{"display": case.lab.name}],
        "specimen": [{"reference": "#specimen"}],
        "result": [{"reference": f"#{obs['id']}"} for obs in observations],
        "conclusion": conclusion,
    }
    if sign_off is not None:
        report["resultsInterpreter"] = [{"display": sign_off.signer_signature}]
    return report
