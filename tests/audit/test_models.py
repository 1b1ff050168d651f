import pytest

from audit.models import AuditEvent, AuditEventImmutableError
from audit.services import record


@pytest.fixture
def event(pathologist):
    return record(None, AuditEvent.Action.CASE_VIEWED, user=pathologist, note="x")


def test_it_refuses_to_update_a_saved_event(event):
    event.action = AuditEvent.Action.SIGN_OFF
    with pytest.raises(AuditEventImmutableError):
        event.save()
    event.refresh_from_db()
    assert event.action == AuditEvent.Action.CASE_VIEWED


def test_it_refuses_to_delete_an_event(event):
    with pytest.raises(AuditEventImmutableError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_refuses_queryset_update_and_delete(event):
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditEvent.Action.REVIEW)
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == AuditEvent.Action.CASE_VIEWED


def test_the_trail_outlives_a_deleted_user(event, pathologist):
    pathologist.delete()
    event.refresh_from_db()
    assert event.user_email == "path@lab-a.example.org"
