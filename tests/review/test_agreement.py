import datetime

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from review import charts, services
from review.agreement import ReviewedPair, summarise, trend
from tests.svg import svg_texts

MONDAY = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)


def pair(predicted, final, version="v1", days=0):
    return ReviewedPair(predicted, final, version, MONDAY + datetime.timedelta(days=days))


def test_summarise_counts_overall_and_per_class_agreement():
    pairs = [
        pair("neutrophil", "neutrophil"),
        pair("neutrophil", "neutrophil"),
        pair("neutrophil", "monocyte"),
        pair("lymphocyte", "lymphocyte"),
    ]

    summary = summarise(pairs, ["lymphocyte", "monocyte", "neutrophil"])

    assert (summary.total, summary.agreed, summary.rate) == (4, 3, 0.75)
    by_label = {row.label: row for row in summary.per_class}
    assert (by_label["neutrophil"].predicted, by_label["neutrophil"].confirmed) == (3, 2)
    assert (by_label["monocyte"].final, by_label["monocyte"].found) == (1, 0)
    assert by_label["monocyte"].predicted == 0
    assert summary.labels == ["lymphocyte", "monocyte", "neutrophil"]
    assert summary.matrix == [[1, 0, 0], [0, 0, 0], [0, 1, 2]]


def test_summarise_of_nothing_has_no_rate():
    assert summarise([]).rate is None


def test_trend_groups_by_model_version_and_week():
    pairs = [pair("a", "a"), pair("a", "b", days=1), pair("a", "a", days=8), pair("a", "a", "v2")]

    series = trend(pairs)

    assert series["v1"] == [
        (datetime.date(2026, 3, 2), 0.5, 2),
        (datetime.date(2026, 3, 9), 1.0, 1),
    ]
    assert series["v2"] == [(datetime.date(2026, 3, 2), 1.0, 1)]


def test_the_page_shows_agreement_to_pathologists_and_lab_admins(
    client, case, pathologist, lab_admin
):
    images = list(case.images.all())
    services.review_image(images[0], pathologist, "monocyte")
    services.review_image(images[1], pathologist, "neutrophil")
    for user in (pathologist, lab_admin):
        client.force_login(user)
        response = client.get(reverse("review:agreement"))
        assert response.status_code == 200
        assert response.context["summary"].total == 2
        assert response.context["summary"].agreed == 1
        assert b'data-testid="agreement-confusion"' in response.content


def test_the_pictures_are_svg_with_their_labels_as_text(client, case, pathologist):
    services.review_image(case.images.first(), pathologist, "monocyte")
    client.force_login(pathologist)
    expected = {
        "review:agreement_confusion": ["Model vs reviewer", "Monocyte"],
        "review:agreement_trend": ["Agreement (%)", "Model version"],
    }
    for name, texts in expected.items():
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Cache-Control"] == "private, no-store"
        assert set(texts) <= svg_texts(response.content)


def test_the_pictures_follow_the_language_in_devanagari_text(client, case, pathologist, settings):
    services.review_image(case.images.first(), pathologist, "monocyte")
    client.force_login(pathologist)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"
    with translation.override("hi"):
        title, y_label = gettext("Model vs reviewer"), gettext("Agreement (%)")
    assert title != "Model vs reviewer"

    assert title in svg_texts(client.get(reverse("review:agreement_confusion")).content)
    assert y_label in svg_texts(client.get(reverse("review:agreement_trend")).content)


def test_technologists_cannot_see_it(client, technologist):
    client.force_login(technologist)
    assert client.get(reverse("review:agreement")).status_code == 403
    assert client.get(reverse("review:agreement_confusion")).status_code == 403


def test_it_counts_only_the_own_lab(client, case, pathologist, outsider):
    services.review_image(case.images.first(), pathologist, "monocyte")
    client.force_login(outsider)
    assert client.get(reverse("review:agreement")).context["summary"].total == 0


def test_the_weeks_are_dated_in_the_readers_language():
    weeks = [datetime.date(2026, 12, 7) + datetime.timedelta(weeks=n) for n in range(20)]

    with translation.override("es"):
        ticks, labels = charts.week_ticks(weeks)

    assert len(ticks) <= charts.MOST_WEEK_TICKS
    assert ticks[0] == weeks[0]
    assert labels[0] == "7 Dic 2026"
