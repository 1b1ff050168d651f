"""One unambiguous date format per language: "7 Dec 2026, 10:33 UTC"."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

MOMENT = datetime.datetime(2026, 12, 7, 10, 33, tzinfo=datetime.UTC)


def render(source: str) -> str:
    return Template(source).render(Context({"moment": MOMENT}))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "7 Dec 2026, 10:33 UTC"),
        ("es", "7 Dic 2026, 10:33 UTC"),
        ("fr", "7 Déc 2026, 10:33 UTC"),
    ],
)
def test_a_moment_reads_day_month_name_year_time_and_zone(language, expected):
    with translation.override(language), timezone.override("UTC"):
        assert render('{{ moment|date:"DATETIME_FORMAT" }}') == expected
        assert render('{{ moment|date:"SHORT_DATETIME_FORMAT" }}') == expected
        assert render("{{ moment }}") == expected


def test_a_date_reads_day_month_name_year():
    with translation.override("en"), timezone.override("UTC"):
        assert render("{{ moment|date }}") == "7 Dec 2026"
        assert render('{{ moment|date:"SHORT_DATE_FORMAT" }}') == "7 Dec 2026"


def test_the_case_list_uses_it(client, technologist, lab_a):
    from classifier.models import Case
    from tests.factories import CaseFactory

    case = CaseFactory(lab=lab_a)
    Case.objects.filter(pk=case.pk).update(created=MOMENT)
    client.force_login(technologist)

    content = client.get("/cases/").content.decode()

    assert "7 Dec 2026, 10:33 UTC" in content
