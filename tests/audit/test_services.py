import pytest
from django.test import RequestFactory

from audit.models import AuditEvent
from audit.services import client_address, record


def test_it_records_who_what_and_where(rf: RequestFactory, pathologist, lab_a):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.user = pathologist

    event = record(request, AuditEvent.Action.EXPORT_DOWNLOADED, obj=lab_a, rows=3)

    event.refresh_from_db()
    assert event.user == pathologist
    assert event.user_email == pathologist.email
    assert event.lab == lab_a
    assert event.object_type == "accounts.lab"
    assert event.object_id == str(lab_a.public_id)
    assert event.object_repr == "Lab A"
    assert event.client_address == "10.1.2.3"
    assert event.details == {"rows": 3}


def test_it_takes_the_lab_from_the_user_when_there_is_no_object(pathologist, lab_a):
    event = record(None, AuditEvent.Action.LOGIN, user=pathologist)
    assert event.lab_id == lab_a.pk
    assert event.client_address is None


def test_it_rejects_an_unknown_action():
    with pytest.raises(ValueError):
        record(None, "made_coffee")


def test_it_ignores_x_forwarded_for_unless_the_proxy_is_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    settings.AUDIT_TRUST_X_FORWARDED_FOR = False
    assert client_address(request) == "10.0.0.1"
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    assert client_address(request) == "203.0.113.9"


def test_it_drops_an_address_that_is_not_an_ip(rf, settings):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="<script>")
    assert client_address(request) is None


def test_it_records_anonymous_events(db, rf):
    request = rf.get("/")
    event = record(request, AuditEvent.Action.LOGIN_FAILED, attempted_email="x@example.org")
    assert event.user is None
    assert event.user_email == ""
    assert event.details["attempted_email"] == "x@example.org"
