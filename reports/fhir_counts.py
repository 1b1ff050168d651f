"""The count over fields as FHIR R4 Observations, contained in the case's DiagnosticReport
(reports/fhir.py).

- `leukocytes-counted`: the white cells counted, with the lab's target as a component.
- `platelet-estimate`: LOINC 49497-1 "Platelets [#/volume] in Blood by Estimate", in /µL, with
  the number of fields, the mean platelets per field and the lab's factor as components.
- `rbc-per-field`: the mean red cells per field. LOINC has no code for it, so it is coded in
  the portal's own system (FIELD_SYSTEM) with a text, and nothing else.
Without a done field the last two are left out: there is no estimate, rather than a zero.
A class's 95 % confidence interval is a component of its own Observation (`percent-95ci`).
"""

from classifier.case_rows import CaseCount
from classifier.field_counts import FieldCounts

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
COUNT_SYSTEM = "urn:hematovision:differential"
FIELD_SYSTEM = "urn:hematovision:field-count"
PLATELET_ESTIMATE_LOINC = ("49497-1", "Platelets [#/volume] in Blood by Estimate")
PER_MICROLITRE = {"unit": "/µL", "system": UCUM, "code": "/uL"}
PER_FIELD = {"unit": "/field", "system": UCUM, "code": "/{field}"}
CELLS = {"unit": "cells", "system": UCUM, "code": "{cells}"}


def _code(system: str, code: str, text: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": text}], "text": text}


def _component(code: str, text: str, **value) -> dict:
    return {"code": _code(COUNT_SYSTEM, code, text), **value}


def confidence_component(interval: tuple[float, float] | None) -> dict:
    """A leukocyte class's 95 % confidence interval (Wilson score) of its percentage; with no
    leukocytes counted there is none, and the component says why."""
    text = "95 % confidence interval of the percentage (Wilson score)"
    if interval is None:
        return _component("percent-95ci", text, dataAbsentReason={"text": "no leukocytes counted"})
    low, high = interval
    percent = {"unit": "%", "system": UCUM, "code": "%"}
    return _component(
        "percent-95ci",
        text,
        valueRange={"low": {"value": low, **percent}, "high": {"value": high, **percent}},
    )


def _observation(id_: str, code: dict, base: dict) -> dict:
    return {"resourceType": "Observation", "id": id_, **base, "code": code}


def leukocytes_counted(count: CaseCount, base: dict) -> dict:
    white_cells = count.white_cells
    observation = _observation(
        "leukocytes-counted",
        _code(COUNT_SYSTEM, "leukocytes-counted", "Leukocytes counted in the differential"),
        base,
    )
    observation["valueQuantity"] = {"value": white_cells.counted, **CELLS}
    observation["component"] = [
        _component(
            "leukocyte-target",
            "Leukocytes the lab's differential counts",
            valueQuantity={"value": white_cells.target, **CELLS},
        )
    ]
    return observation


def _fields_component(fields: FieldCounts) -> dict:
    return _component("fields-counted", "Smear fields counted", valueInteger=fields.fields)


def platelet_estimate(fields: FieldCounts, base: dict) -> dict:
    code, display = PLATELET_ESTIMATE_LOINC
    observation = _observation(
        "platelet-estimate",
        {
            "coding": [
                {"system": LOINC, "code": code, "display": display},
                {"system": FIELD_SYSTEM, "code": "platelet-estimate", "display": display},
            ],
            "text": "Platelet estimate from smear fields",
        },
        base,
    )
    observation["valueQuantity"] = {"value": fields.platelet_estimate, **PER_MICROLITRE}
    observation["method"] = {"text": "Mean platelets per field x the lab's factor"}
    observation["component"] = [
        _fields_component(fields),
        _component(
            "platelets-per-field",
            "Mean platelets per field",
            valueQuantity={"value": round(fields.platelets_per_field, 1), **PER_FIELD},
        ),
        _component(
            "platelet-factor",
            "The lab's factor: platelets per µL for one platelet per field",
            valueQuantity={"value": fields.platelet_factor, **PER_MICROLITRE},
        ),
    ]
    return observation


def red_cells_per_field(fields: FieldCounts, base: dict) -> dict:
    observation = _observation(
        "rbc-per-field",
        _code(FIELD_SYSTEM, "rbc-per-field", "Erythrocytes per field (mean)"),
        base,
    )
    observation["valueQuantity"] = {"value": round(fields.red_cells_per_field, 1), **PER_FIELD}
    observation["component"] = [_fields_component(fields)]
    return observation


def count_observations(count: CaseCount, base: dict) -> list[dict]:
    """The count's Observations; `base` holds what every Observation of the report shares
    (status, category, subject)."""
    observations = [leukocytes_counted(count, base)]
    if count.fields is not None:
        observations.append(platelet_estimate(count.fields, base))
        observations.append(red_cells_per_field(count.fields, base))
    return observations
