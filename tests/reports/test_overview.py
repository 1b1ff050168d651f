import datetime

from django.urls import reverse
from django.utils import timezone

from classifier.models import Case
from review import services
from review.models import SignOff
from tests.review.helpers import classified_case, make_case


def url():
    return reverse("reports:lab_overview")


def test_the_url_round_trips():
    assert url() == "/reports/overview/"


def test_it_counts_cases_awaiting_review_by_priority(client, lab_admin, lab_a, lab_b, case):
    make_case(lab_a, "STAT-1", priority=Case.Priority.STAT)
    make_case(lab_a, "DONE-1", status=Case.Status.SIGNED)
    make_case(lab_b, "OTHER-LAB")
    client.force_login(lab_admin)

    response = client.get(url())

    assert response.status_code == 200
    assert response.context["status_counts"]["awaiting_review"] == 2
    assert response.context["awaiting_by_priority"] == {"routine": 1, "urgent": 0, "stat": 1}
    oldest = list(response.context["oldest_awaiting"])
    assert [c.accession for c in oldest] == ["ACC-1", "STAT-1"]
    assert oldest[0].unreviewed_count == 4
    assert "OTHER-LAB" not in response.content.decode()


def test_it_gives_the_median_turnaround_to_first_sign_off(
    client, lab_admin, lab_a, pathologist, model_version
):
    for accession, hours in [("T-1", 2), ("T-2", 4), ("T-3", 30)]:
        case = classified_case(lab_a, ["neutrophil"], accession)
        for image in case.images.all():
            services.review_image(image, pathologist, "neutrophil")
        signed = services.sign_off(case, pathologist)
        created = signed.signed_at - datetime.timedelta(hours=hours)
        Case.objects.filter(pk=case.pk).update(created=created)
    old = SignOff.objects.get(case__accession="T-3")
    SignOff.objects.filter(pk=old.pk).update(signed_at=timezone.now() - datetime.timedelta(days=60))
    client.force_login(lab_admin)

    response = client.get(url())

    turnaround = response.context["turnaround"]
    assert turnaround.cases == 2
    assert turnaround.median == datetime.timedelta(hours=3)
    assert "3 h 0 min" in response.content.decode()


def test_it_says_when_nothing_was_signed(client, lab_admin):
    client.force_login(lab_admin)
    response = client.get(url())
    assert "No case signed off in this period." in response.content.decode()


def test_other_roles_get_403(client, technologist, pathologist, outsider):
    for user in (technologist, pathologist, outsider):
        client.force_login(user)
        assert client.get(url()).status_code == 403
