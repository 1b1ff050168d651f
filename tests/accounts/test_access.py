import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIRequestFactory

from accounts.access import (
    for_lab,
    get_for_lab_or_404,
    get_membership,
    lab_admin_required,
    membership_required,
)
from accounts.models import Invitation, User
from accounts.permissions import IsLabMember
from tests.factories import UserFactory


@membership_required
def member_view(request):
    return HttpResponse(request.membership.lab.name)


@lab_admin_required
def admin_view(request):
    return HttpResponse("ok")


def get(user):
    request = RequestFactory().get("/somewhere/")
    request.user = User.objects.get(pk=user.pk)
    return request


def test_get_membership_returns_none_without_a_lab(db):
    assert get_membership(UserFactory()) is None


def test_get_membership_returns_the_membership(technologist, lab_a):
    assert get_membership(technologist).lab == lab_a


def test_membership_required_sets_request_membership(technologist):
    assert member_view(get(technologist)).content == b"Lab A"


def test_membership_required_sends_users_without_a_lab_to_the_waiting_page(db):
    response = member_view(get(UserFactory()))

    assert response.status_code == 302
    assert response.url == "/lab/waiting/"


def test_lab_admin_required_refuses_other_roles(technologist, lab_admin):
    assert admin_view(get(lab_admin)).status_code == 200
    with pytest.raises(PermissionDenied):
        admin_view(get(technologist))


def test_get_for_lab_or_404_hides_another_labs_rows(technologist, outsider, lab_b):
    invitation = Invitation.objects.create(lab=lab_b, email="x@example.org", role="technologist")

    with pytest.raises(Http404):
        get_for_lab_or_404(Invitation, technologist.membership, pk=invitation.pk)
    assert get_for_lab_or_404(Invitation, outsider.membership, pk=invitation.pk) == invitation
    assert not for_lab(Invitation.objects.all(), technologist.membership).exists()


class View:
    lab_field = "lab"


def api_request(user):
    request = APIRequestFactory().get("/api/things/")
    request.user = User.objects.get(pk=user.pk)
    return request


def test_is_lab_member_allows_members_of_the_objects_lab(technologist, lab_a):
    request = api_request(technologist)
    invitation = Invitation.objects.create(lab=lab_a, email="x@example.org", role="technologist")

    assert IsLabMember().has_permission(request, View())
    assert IsLabMember().has_object_permission(request, View(), invitation)


def test_is_lab_member_refuses_another_labs_object(outsider, lab_a):
    request = api_request(outsider)
    invitation = Invitation.objects.create(lab=lab_a, email="x@example.org", role="technologist")

    assert IsLabMember().has_permission(request, View())
    assert not IsLabMember().has_object_permission(request, View(), invitation)


def test_is_lab_member_follows_a_lab_path(technologist, outsider):
    view = View()
    view.lab_field = "membership__lab"  # an object whose lab is one hop away
    user = User.objects.get(pk=technologist.pk)

    assert IsLabMember().has_object_permission(_with(technologist), view, user)
    assert not IsLabMember().has_object_permission(_with(outsider), view, user)


def _with(user):
    request = api_request(user)
    IsLabMember().has_permission(request, View())
    return request


def test_is_lab_member_refuses_users_without_a_lab(db):
    assert not IsLabMember().has_permission(api_request(UserFactory()), View())
