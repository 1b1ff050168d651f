import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import record
from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    user = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    return user


def test_the_admin_is_read_only(client, superuser, pathologist):
    event = record(None, AuditEvent.Action.SIGN_OFF, user=pathologist)
    client.force_login(superuser)

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    response = client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"action": "review"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == AuditEvent.Action.SIGN_OFF


def test_it_filters_by_action(client, superuser, pathologist):
    record(None, AuditEvent.Action.SIGN_OFF, user=pathologist)
    record(None, AuditEvent.Action.REVIEW, user=pathologist)
    client.force_login(superuser)
    response = client.get(reverse("admin:audit_auditevent_changelist"), {"action__exact": "review"})
    assert response.context["cl"].result_count == 1


def test_it_exports_selected_events_as_csv(client, superuser, pathologist):
    events = [
        record(None, AuditEvent.Action.REVIEW, user=pathologist, label="=cmd"),
        record(None, AuditEvent.Action.SIGN_OFF, user=pathologist),
    ]
    client.force_login(superuser)

    response = client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "export_csv", "_selected_action": [e.pk for e in events]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["action"] for row in rows] == ["review", "sign_off"]
    assert rows[0]["user_email"] == pathologist.email
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_DOWNLOADED)
    assert export.details == {"export": "audit_csv", "rows": 2}
