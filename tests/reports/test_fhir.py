import json
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.specimen import Specimen

from audit.models import AuditEvent
from reports.fhir import diagnostic_report
from review import services

PROFILE = json.loads((Path(__file__).parent / "diagnostic_report.schema.json").read_text())


def fhir_json(case) -> dict:
    # Through JSON and back, as a client would receive it.
    return json.loads(json.dumps(diagnostic_report(case)))


def class_observations(report: dict) -> list[dict]:
    """The differential's Observations, one per class (the count over fields has its own)."""
    return [
        resource
        for resource in report["contained"]
        if resource["resourceType"] == "Observation" and resource["id"].startswith("class-")
    ]


def observations(report: dict) -> dict[str, dict]:
    found = {}
    for resource in class_observations(report):
        parts = {
            c["code"]["coding"][0]["code"]: c.get("valueQuantity", c.get("valueRange"))
            for c in resource["component"]
        }
        found[resource["code"]["coding"][0]["code"]] = parts
    return found


def sign(case, user):
    for image in case.images.all():
        services.review_image(image, user, image.prediction.label)
    services.sign_off(case, user)
    case.refresh_from_db()


def test_it_is_a_valid_r4_diagnostic_report(case):
    report = fhir_json(case)

    parsed = DiagnosticReport.model_validate(report)

    assert parsed.status == "preliminary"
    models = {"Observation": Observation, "Specimen": Specimen, "ServiceRequest": ServiceRequest}
    for resource in report["contained"]:
        models[resource["resourceType"]].model_validate(resource)


def test_it_matches_the_json_schemas(case, pathologist):
    draft = fhir_json(case)
    sign(case, pathologist)
    signed = fhir_json(case)
    # The portal's own profile, and the structure schema derived from the FHIR R4B model.
    for report in (draft, signed):
        jsonschema.validate(report, PROFILE, format_checker=jsonschema.FormatChecker())
        # The model's schema lists the elements but not resourceType (pydantic handles that).
        elements = {key: value for key, value in report.items() if key != "resourceType"}
        jsonschema.validate(elements, DiagnosticReport.model_json_schema())


def test_it_has_an_observation_per_class_with_count_and_share_per_100_leukocytes(case, pathologist):
    services.review_image(case.images.get(prediction__label="lymphocyte"), pathologist, "other")

    report = fhir_json(case)

    found = observations(report)
    assert list(found) == ["lymphocyte", "monocyte", "neutrophil", "platelet", "other"]
    assert found["neutrophil"]["count"]["value"] == 3
    # The lymphocyte reviewed as "other" leaves 3 leukocytes, all neutrophils.
    assert found["neutrophil"]["percent"] == {
        "value": 100.0,
        "unit": "%",
        "system": "http://unitsofmeasure.org",
        "code": "%",
    }
    assert found["other"]["count"]["value"] == 1
    assert found["other"]["per-100-leukocytes"]["value"] == 33.3
    assert found["other"]["per-100-leukocytes"]["code"] == "/100{WBCs}"
    assert found["lymphocyte"]["count"]["value"] == 0
    assert report["result"][:5] == [{"reference": f"#class-{i}"} for i in range(1, 6)]


def test_white_cell_classes_carry_their_loinc_share_code(case):
    report = fhir_json(case)

    codes = {
        resource["code"]["coding"][0]["code"]: resource["code"]["coding"][1:]
        for resource in class_observations(report)
    }
    assert codes["neutrophil"] == [
        {
            "system": "http://loinc.org",
            "code": "26511-6",
            "display": "Neutrophils/100 leukocytes in Blood",
        }
    ]
    assert codes["monocyte"][0]["code"] == "26485-3"
    assert codes["platelet"] == codes["other"] == []  # LOINC has no "/100 leukocytes" code


def test_with_no_leukocytes_the_share_of_other_cells_is_absent_and_says_why(case, pathologist):
    for image in case.images.all():
        services.review_image(image, pathologist, "other")

    report = fhir_json(case)

    other = next(r for r in report["contained"] if r.get("id") == "class-5")
    assert other["component"][1] == {
        "code": {
            "coding": [{"system": "urn:hematovision:differential", "code": "per-100-leukocytes"}],
            "text": "per-100-leukocytes",
        },
        "dataAbsentReason": {"text": "no leukocytes counted"},
    }
    Observation.model_validate(other)
    jsonschema.validate(report, PROFILE)


def test_it_identifies_the_case_and_the_pseudonymous_patient(case):
    report = fhir_json(case)
    assert report["id"] == str(case.public_id)
    assert report["identifier"][0]["value"] == "ACC-1"
    assert report["subject"]["identifier"]["value"] == "PSEUDO-0042"
    assert "Patient" not in {r["resourceType"] for r in report["contained"]}
    assert report["conclusion"].startswith("Decision support, not a diagnosis.")


def test_its_status_follows_the_case(case, pathologist):
    assert fhir_json(case)["status"] == "preliminary"
    sign(case, pathologist)
    report = fhir_json(case)
    assert report["status"] == "final"
    assert report["resultsInterpreter"][0]["display"]
    image = case.images.first()
    services.amend(case, pathologist, {str(image.public_id): "platelet"}, "typo")
    assert fhir_json(case)["status"] == "amended"


@pytest.mark.parametrize("accept", ["*/*", "application/fhir+json", "application/json"])
def test_the_api_serves_it_and_audits_the_download(client, case, technologist, accept):
    client.force_login(technologist)
    url = reverse("reports_api:fhir", args=[case.public_id])

    response = client.get(url, HTTP_ACCEPT=accept)

    assert url == f"/api/v1/cases/{case.public_id}/fhir"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    DiagnosticReport.model_validate(response.json())
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_DOWNLOADED)
    assert event.details == {"format": "fhir"}


def test_another_lab_gets_404(client, case, outsider):
    client.force_login(outsider)
    assert client.get(reverse("reports_api:fhir", args=[case.public_id])).status_code == 404


def test_the_profile_schema_rejects_a_broken_report(case):
    report = fhir_json(case)
    report["contained"][1]["component"].pop()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, PROFILE)


def by_class(report: dict) -> dict[str, dict]:
    return {
        resource["code"]["coding"][0]["code"]: resource for resource in class_observations(report)
    }


def test_leukocyte_shares_carry_the_reference_range_and_an_interpretation(case, pathologist):
    services.review_image(case.images.get(prediction__label="lymphocyte"), pathologist, "monocyte")

    report = fhir_json(case)

    found = by_class(report)
    # 3 neutrophils, 1 monocyte: 75 % (40-75: N), 25 % (2-10: H), lymphocytes 0 % (20-45: L).
    monocyte_share = found["monocyte"]["component"][1]
    assert monocyte_share["referenceRange"] == [
        {
            "low": {"value": 2.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
            "high": {
                "value": 10.0,
                "unit": "%",
                "system": "http://unitsofmeasure.org",
                "code": "%",
            },
            "text": "% of leukocytes",
        }
    ]
    assert found["monocyte"]["interpretation"][0]["coding"][0]["code"] == "H"
    assert found["lymphocyte"]["interpretation"][0]["coding"][0]["code"] == "L"
    assert found["neutrophil"]["interpretation"][0]["coding"][0]["code"] == "N"
    assert "referenceRange" not in found["platelet"]
    assert "interpretation" not in found["platelet"]["component"][1]
    for observation in found.values():
        Observation.model_validate(observation)
    jsonschema.validate(report, PROFILE)


def test_it_uses_the_labs_own_intervals(case, lab_a):
    lab_a.reference_intervals = {"neutrophil": [80, 95]}
    lab_a.save()
    case.refresh_from_db()

    neutrophil = by_class(fhir_json(case))["neutrophil"]

    assert neutrophil["referenceRange"][0]["low"]["value"] == 80.0
    assert neutrophil["interpretation"][0]["coding"][0]["code"] == "L"


def test_it_names_the_signer_and_carries_the_comment_note_and_priority(case, pathologist):
    pathologist.full_name, pathologist.professional_title = "Ada Byron", "Consultant"
    pathologist.save()
    case.clinical_note, case.priority = "Fever for 3 days.", "urgent"
    case.save()
    for image in case.images.all():
        services.review_image(image, pathologist, image.prediction.label)
    services.sign_off(case, pathologist, comment="No blasts seen.")
    case.refresh_from_db()

    report = fhir_json(case)

    assert report["resultsInterpreter"] == [{"display": "Ada Byron, Consultant"}]
    assert report["conclusion"].endswith("Pathologist's comment: No blasts seen.")
    assert "Reviewed by: Ada Byron, Consultant." in report["conclusion"]
    request = next(r for r in report["contained"] if r["resourceType"] == "ServiceRequest")
    assert report["basedOn"] == [{"reference": "#request"}]
    assert request["priority"] == "urgent"
    assert request["note"] == [{"text": "Fever for 3 days."}]
    ServiceRequest.model_validate(request)
    DiagnosticReport.model_validate(report)
    jsonschema.validate(report, PROFILE)


def test_it_downloads_as_an_attachment_named_by_accession(client, case, pathologist):
    client.force_login(pathologist)
    response = client.get(reverse("reports_api:fhir", args=[case.public_id]))
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"] == 'attachment; filename="draft-report-ACC-1.fhir.json"'
    sign(case, pathologist)
    response = client.get(reverse("reports_api:fhir", args=[case.public_id]))
    assert response["Content-Disposition"] == 'attachment; filename="report-ACC-1.fhir.json"'


def count_observations(report: dict) -> dict[str, dict]:
    return {
        resource["id"]: resource
        for resource in report["contained"]
        if resource["resourceType"] == "Observation" and not resource["id"].startswith("class-")
    }


def test_a_leukocyte_share_carries_its_95_percent_interval(case):
    report = fhir_json(case)

    found = by_class(report)
    interval = found["neutrophil"]["component"][2]
    assert interval["code"]["coding"][0]["code"] == "percent-95ci"
    # 3 neutrophils of 4 white cells: 75 %, Wilson 30.1-95.4 %.
    assert interval["valueRange"]["low"]["value"] == 30.1
    assert interval["valueRange"]["high"]["value"] == 95.4
    assert interval["valueRange"]["high"]["code"] == "%"
    assert len(found["platelet"]["component"]) == 2  # per 100 WBC: no proportion, no interval
    Observation.model_validate(found["neutrophil"])


def test_the_profile_rejects_a_leukocyte_share_without_its_interval(case):
    report = fhir_json(case)
    neutrophil = next(r for r in report["contained"] if r.get("id") == "class-3")
    neutrophil["component"].pop()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, PROFILE)


def test_it_carries_the_count_over_fields(case):
    from tests.review.helpers import add_field

    add_field(case, ["neutrophil", "monocyte"], red_cells=212, platelets=14)
    add_field(case, [], red_cells=190, platelets=13)

    report = fhir_json(case)

    found = count_observations(report)
    assert list(found) == ["leukocytes-counted", "platelet-estimate", "rbc-per-field"]
    counted = found["leukocytes-counted"]
    assert counted["valueQuantity"]["value"] == 6
    assert counted["component"][0]["valueQuantity"]["value"] == 100
    platelets = found["platelet-estimate"]
    assert platelets["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "49497-1",
        "display": "Platelets [#/volume] in Blood by Estimate",
    }
    assert platelets["valueQuantity"] == {
        "value": 203000,
        "unit": "/µL",
        "system": "http://unitsofmeasure.org",
        "code": "/uL",
    }
    parts = {c["code"]["coding"][0]["code"]: c for c in platelets["component"]}
    assert parts["fields-counted"]["valueInteger"] == 2
    assert parts["platelets-per-field"]["valueQuantity"]["value"] == 13.5
    assert parts["platelet-factor"]["valueQuantity"]["value"] == 15000
    red_cells = found["rbc-per-field"]
    assert red_cells["code"]["coding"] == [
        {
            "system": "urn:hematovision:field-count",
            "code": "rbc-per-field",
            "display": "Erythrocytes per field (mean)",
        }
    ]
    assert red_cells["valueQuantity"]["value"] == 201.0
    assert report["result"][-3:] == [
        {"reference": "#leukocytes-counted"},
        {"reference": "#platelet-estimate"},
        {"reference": "#rbc-per-field"},
    ]
    assert "White cells counted: 6 of 100." in report["conclusion"]
    assert "Platelet estimate: 203000 /uL" in report["conclusion"]
    for observation in found.values():
        Observation.model_validate(observation)
    DiagnosticReport.model_validate(report)
    jsonschema.validate(report, PROFILE, format_checker=jsonschema.FormatChecker())


def test_without_a_field_there_is_no_platelet_or_red_cell_observation(case):
    report = fhir_json(case)

    assert list(count_observations(report)) == ["leukocytes-counted"]
    assert "No smear field: no platelet estimate." in report["conclusion"]
    jsonschema.validate(report, PROFILE)


def test_the_profile_requires_the_loinc_code_of_the_platelet_estimate(case):
    from tests.review.helpers import add_field

    add_field(case, platelets=10)
    report = fhir_json(case)
    count_observations(report)["platelet-estimate"]["code"]["coding"].pop(0)

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, PROFILE)
