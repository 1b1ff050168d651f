from django.contrib.auth import authenticate

from audit.models import AuditEvent
from tests.personas import PASSWORD


def test_it_records_login_and_logout(client, pathologist):
    client.force_login(pathologist)
    client.logout()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "user_email"))
    assert actions == [
        (AuditEvent.Action.LOGIN, pathologist.email),
        (AuditEvent.Action.LOGOUT, pathologist.email),
    ]


def test_it_records_a_failed_login_without_the_password(pathologist):
    assert authenticate(email=pathologist.email, password="wrong-" + PASSWORD) is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.details == {"attempted_email": pathologist.email}
    assert PASSWORD not in str(event.details)
