"""The domain check: the warning on made-up prediction histories, and who may see the page."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Membership
from classifier import domain_check
from classifier.domain_check import Reference, Status, assess, lab_domain_check, reference_for
from tests import personas
from tests.classifier.conftest import LABELS
from tests.factories import CaseFactory, ModelVersionFactory, PredictionFactory
from tests.svg import svg_texts

REFERENCE = Reference(
    median=0.95,
    unidentified_share=0.05,
    median_bound=0.90,
    histogram_edges=[i / 20 for i in range(21)],
    histogram_counts=[0] * 18 + [10, 90],
    n=100,
)
SUMMARY = {
    "n": 100,
    "median": 0.95,
    "quantiles": {"0.25": 0.90, "0.5": 0.95},
    "histogram": {"edges": REFERENCE.histogram_edges, "counts": REFERENCE.histogram_counts},
    "threshold": 0.6,
    "unidentified_share": 0.05,
}


def _history(confidences, threshold=0.6):
    return list(confidences), [c < threshold for c in confidences]


# ---------------------------------------------------------------- assess (pure)


def test_it_is_ok_when_the_lab_looks_like_validation():
    verdict = assess(*_history([0.97] * 90 + [0.5] * 10), REFERENCE)
    assert verdict.status == Status.OK
    assert verdict.reasons == []
    assert verdict.median == pytest.approx(0.97)
    assert verdict.unidentified_share == pytest.approx(0.10)


def test_it_warns_when_the_median_confidence_drops():
    verdict = assess(*_history([0.8] * 100), REFERENCE)
    assert verdict.status == Status.WARNING
    assert verdict.is_warning
    assert "median confidence is 0.800" in verdict.reasons[0]


def test_it_warns_when_many_more_images_are_unidentified():
    # Median still high, but a quarter of the images fall below the threshold.
    verdict = assess(*_history([0.99] * 75 + [0.4] * 25), REFERENCE)
    assert verdict.status == Status.WARNING
    assert len(verdict.reasons) == 1 and "25% of images are unidentified" in verdict.reasons[0]


def test_a_shift_inside_the_bounds_is_not_a_warning():
    # The median sits on the validation 25th percentile; the unidentified share rises by just
    # under 3 standard errors of 100 predictions (3 * sqrt(0.05 * 0.95 / 100) = 0.065).
    assert domain_check.unidentified_bound(0.05, 100) == pytest.approx(0.0654, abs=1e-3)
    flagged = 11
    verdict = assess([0.90] * 100, [True] * flagged + [False] * (100 - flagged), REFERENCE)
    assert verdict.status == Status.OK


def test_a_small_rise_of_a_large_sample_still_needs_the_fixed_bound():
    assert domain_check.unidentified_bound(0.05, 100_000) == domain_check.UNIDENTIFIED_RISE_BOUND


def test_the_shipped_model_on_another_lab_is_caught():
    # pbc8 candidate on Kaggle validation images (research/cross_lab/README.md): median 0.931,
    # 13.9 % unidentified, against 0.9998 / 0.997 (25th percentile) / 3.5 % on PBC validation.
    pbc8 = Reference(median=0.9998, unidentified_share=0.035, median_bound=0.997)
    confidences = [0.931] * 86 + [0.6] * 14
    verdict = assess(confidences, [c < 0.8 for c in confidences], pbc8)
    assert verdict.status == Status.WARNING and len(verdict.reasons) == 2


def test_too_few_predictions_give_no_verdict_yet():
    verdict = assess(*_history([0.3] * (domain_check.MIN_PREDICTIONS - 1)), REFERENCE)
    assert verdict.status == Status.TOO_FEW
    assert verdict.reasons  # the shift is shown, but not yet as a warning
    assert assess([], [], REFERENCE).status == Status.TOO_FEW


def test_without_a_median_only_the_unidentified_share_is_checked():
    reference = Reference(median=None, unidentified_share=0.05)
    assert assess(*_history([0.7] * 100), reference).status == Status.OK
    assert assess(*_history([0.5] * 100), reference).status == Status.WARNING
    assert assess(*_history([0.5] * 100), None).status == Status.OK


# A training-image summary as ml/appearance.py writes it (made-up numbers).
TRAINING_APPEARANCE = {
    "n": 1000,
    "quantiles": {
        "background_brightness": {"0.01": 180.0, "0.5": 215.0, "0.99": 235.0},
        "stain_darkness": {"0.01": 70.0, "0.5": 110.0, "0.99": 150.0},
        "stain_red_minus_blue": {"0.01": -60.0, "0.5": -30.0, "0.99": 10.0},
        "stained_share": {"0.01": 0.02, "0.5": 0.09, "0.99": 0.2},
    },
}
LOOKS_LIKE_TRAINING = {
    "background_brightness": 214.0,
    "stain_darkness": 112.0,
    "stain_red_minus_blue": -28.0,
    "stained_share": 0.08,
}


def test_a_confident_lab_whose_images_look_unlike_training_is_warned():
    # Sure of itself (median 0.99, nobody unidentified), but the stain is far paler than in any
    # training image, as when a model trained on one lab meets another lab's stain.
    reference = Reference(**{**REFERENCE.__dict__, "appearance": TRAINING_APPEARANCE})
    pale = {**LOOKS_LIKE_TRAINING, "stain_darkness": 175.0}
    verdict = assess(*_history([0.99] * 100), reference, [pale] * 60 + [LOOKS_LIKE_TRAINING] * 40)
    assert verdict.status == Status.WARNING
    assert len(verdict.reasons) == 1 and "Stain darkness" in verdict.reasons[0]
    assert "175" in verdict.reasons[0] and "150" in verdict.reasons[0]
    [row] = [row for row in verdict.appearance_rows if row["outside"]]
    assert row["descriptor"] == "stain_darkness" and row["median"] == 175.0


def test_images_like_the_training_images_are_not_a_warning():
    reference = Reference(**{**REFERENCE.__dict__, "appearance": TRAINING_APPEARANCE})
    verdict = assess(*_history([0.99] * 100), reference, [LOOKS_LIKE_TRAINING] * 100)
    assert verdict.status == Status.OK
    assert len(verdict.appearance_rows) == 4
    assert not any(row["outside"] for row in verdict.appearance_rows)


def test_predictions_without_appearance_are_left_out_of_it():
    # Predictions stored before the appearance was recorded carry {}: no row, no warning.
    reference = Reference(**{**REFERENCE.__dict__, "appearance": TRAINING_APPEARANCE})
    verdict = assess(*_history([0.99] * 100), reference, [{}] * 100)
    assert verdict.status == Status.OK and verdict.appearance_rows == []


# ---------------------------------------------------------------- the reference


@pytest.mark.django_db
def test_the_reference_comes_from_the_bundle_metadata():
    version = ModelVersionFactory()
    version.metadata = {"name": "fake-v1", "validation_confidence": SUMMARY}
    assert reference_for(version) == REFERENCE


@pytest.mark.django_db
def test_the_reference_falls_back_to_the_bundle_files(media_root):
    version = ModelVersionFactory()
    bundle_dir = version.bundle_dir
    bundle_dir.mkdir(parents=True)
    metrics = {"val": {"at_confidence_threshold": {"coverage": 0.9}}}
    (bundle_dir / "metrics.json").write_text(json.dumps(metrics))
    assert reference_for(version) == Reference(median=None, unidentified_share=pytest.approx(0.1))
    (bundle_dir / "bundle.json").write_text(json.dumps({"validation_confidence": SUMMARY}))
    assert reference_for(version) == REFERENCE
    on_disk = {"validation_confidence": SUMMARY, "training_appearance": TRAINING_APPEARANCE}
    (bundle_dir / "bundle.json").write_text(json.dumps(on_disk))
    assert reference_for(version).appearance == TRAINING_APPEARANCE


@pytest.mark.django_db
def test_a_bundle_without_any_summary_gives_no_reference():
    assert reference_for(ModelVersionFactory()) is None


# ---------------------------------------------------------------- the lab's predictions


def _predict(lab, version, confidences, appearance=None):
    case = CaseFactory(lab=lab)
    for confidence in confidences:
        PredictionFactory(
            image__case=case,
            label=LABELS[0],
            confidence=confidence,
            probabilities={LABELS[0]: confidence},
            model_version=version,
            appearance=appearance or {},
        )


@pytest.fixture
def version(db):
    version = ModelVersionFactory(confidence_threshold=0.6)
    version.metadata = {"name": version.name, "validation_confidence": SUMMARY}
    version.save()
    return version


def test_only_the_labs_own_predictions_by_the_active_version_count(lab_a, lab_b, version):
    _predict(lab_a, version, [0.99] * 60)
    _predict(lab_b, version, [0.3] * 70)
    old = ModelVersionFactory(name="old", is_active=False)
    _predict(lab_a, old, [0.2] * 5)
    active, verdict = lab_domain_check(lab_a)
    assert active == version
    assert verdict.n == 60 and verdict.status == Status.OK
    assert lab_domain_check(lab_b)[1].status == Status.WARNING


def test_a_lab_with_its_own_version_is_checked_on_that_version(client, lab_admin, lab_a, version):
    adapted = ModelVersionFactory(name="lab-a-adapted", is_active=False)
    lab_a.model_version = adapted
    lab_a.save()
    _predict(lab_a, version, [0.99] * 60)  # before the lab had its own version
    _predict(lab_a, adapted, [0.9] * 3)
    checked, verdict = lab_domain_check(lab_a)
    assert checked == adapted and verdict.n == 3
    client.force_login(lab_admin)
    response = client.get(reverse("classifier:domain_check"))
    assert b'data-testid="domain-own-version"' in response.content


def test_without_an_active_model_there_is_nothing_to_check(lab_a):
    assert lab_domain_check(lab_a) == (
        None,
        domain_check.Verdict(Status.NO_MODEL, 0, None, None, None, []),
    )


# ---------------------------------------------------------------- the page


def test_the_lab_admin_sees_the_warning(client, lab_admin, version, lab_a):
    _predict(lab_a, version, [0.55] * 60)
    client.force_login(lab_admin)
    response = client.get(reverse("classifier:domain_check"))
    assert response.status_code == 200
    assert b'data-testid="domain-warning"' in response.content
    assert b'data-testid="domain-n">60<' in response.content


def test_the_page_shows_the_images_appearance_against_training(client, lab_admin, version, lab_a):
    version.metadata["training_appearance"] = TRAINING_APPEARANCE
    version.save()
    _predict(lab_a, version, [0.99] * 60, {**LOOKS_LIKE_TRAINING, "stained_share": 0.5})
    client.force_login(lab_admin)
    response = client.get(reverse("classifier:domain_check"))
    content = response.content.decode()
    assert 'data-testid="domain-warning"' in content
    assert 'data-testid="domain-appearance"' in content
    assert "Stained share of the frame" in content and "0.500" in content


def test_the_page_says_so_when_there_are_too_few_predictions(client, lab_admin, version):
    client.force_login(lab_admin)
    response = client.get(reverse("classifier:domain_check"))
    assert b'data-testid="domain-too-few"' in response.content


def test_another_labs_admin_never_sees_this_labs_predictions(client, lab_a, lab_b, version):
    _predict(lab_a, version, [0.55] * 60)
    admin_b = personas.make_member("admin@lab-b.example.org", Membership.Role.LAB_ADMIN, "Lab B")
    client.force_login(admin_b)
    response = client.get(reverse("classifier:domain_check"))
    assert response.status_code == 200
    assert b'data-testid="domain-n">0<' in response.content
    assert b'data-testid="domain-warning"' not in response.content


@pytest.mark.parametrize("persona", ["technologist", "pathologist", "outsider"])
def test_other_roles_are_refused(client, request, persona, version):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("classifier:domain_check")).status_code == 403
    assert client.get(reverse("classifier:domain_check_chart")).status_code == 403


def test_anonymous_users_go_to_the_login_page(client, db):
    response = client.get(reverse("classifier:domain_check"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_histogram_is_svg_with_its_labels_as_text(client, lab_admin, version, lab_a):
    _predict(lab_a, version, [0.9, 0.8, 0.4])
    client.force_login(lab_admin)
    response = client.get(reverse("classifier:domain_check_chart"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
    assert {"Top-1 confidence", "This lab, recent (3)"} <= svg_texts(response.content)


def test_the_histogram_speaks_hindi(client, lab_admin, version, lab_a, settings):
    _predict(lab_a, version, [0.9, 0.8, 0.4])
    client.force_login(lab_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    with translation.override("hi"):
        label = gettext("Top-1 confidence")
    assert label != "Top-1 confidence"

    response = client.get(reverse("classifier:domain_check_chart"))

    assert label in svg_texts(response.content)


def test_the_lab_admin_tabs_link_the_page(client, lab_admin):
    client.force_login(lab_admin)
    response = client.get(reverse("accounts:members"))
    assert reverse("classifier:domain_check").encode() in response.content


def test_the_url_round_trips():
    assert reverse("classifier:domain_check") == "/lab/domain-check/"
