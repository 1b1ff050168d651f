from django.core import mail

from accounts.models import JoinRequest, Membership
from audit.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory


def ask_to_join(user, lab) -> JoinRequest:
    return JoinRequest.objects.create(user=user, lab=lab)


def test_it_lists_pending_requests_for_the_lab_admin(client, lab_admin, lab_a):
    ask_to_join(UserFactory(email="applicant@example.org"), lab_a)
    client.force_login(lab_admin)

    response = client.get("/lab/requests/")

    assert response.status_code == 200
    assert b"applicant@example.org" in response.content


def test_it_approves_a_request_with_the_chosen_role(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(), lab_a)
    client.force_login(lab_admin)

    response = client.post(
        f"/lab/requests/{join_request.public_id}/approve/", {"role": "pathologist"}
    )

    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    assert join_request.decided_by == lab_admin
    membership = Membership.objects.get(user=join_request.user)
    assert (membership.lab, membership.role) == (lab_a, "pathologist")
    assert AuditEvent.objects.filter(details__change="join_request_approved").exists()


def test_it_changes_nothing_when_approved_twice(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(), lab_a)
    client.force_login(lab_admin)
    url = f"/lab/requests/{join_request.public_id}/approve/"
    client.post(url, {"role": "pathologist"})

    client.post(url, {"role": "lab_admin"})

    assert Membership.objects.get(user=join_request.user).role == "pathologist"


def test_it_rejects_a_request(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(), lab_a)
    client.force_login(lab_admin)

    client.post(f"/lab/requests/{join_request.public_id}/reject/")

    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REJECTED
    assert not Membership.objects.filter(user=join_request.user).exists()


def test_it_refuses_an_invalid_role(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(), lab_a)
    client.force_login(lab_admin)

    client.post(f"/lab/requests/{join_request.public_id}/approve/", {"role": "superuser"})

    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_it_declines_when_the_person_joined_another_lab_meanwhile(client, lab_admin, lab_a, lab_b):
    join_request = ask_to_join(UserFactory(), lab_a)
    MembershipFactory(user=join_request.user, lab=lab_b)
    client.force_login(lab_admin)

    client.post(f"/lab/requests/{join_request.public_id}/approve/", {"role": "pathologist"})

    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REJECTED
    assert join_request.user.membership.lab == lab_b


def test_it_refuses_a_technologist_and_a_pathologist(client, technologist, pathologist, lab_a):
    join_request = ask_to_join(UserFactory(), lab_a)
    for user in (technologist, pathologist):
        client.force_login(user)

        assert client.get("/lab/requests/").status_code == 403
        response = client.post(
            f"/lab/requests/{join_request.public_id}/approve/", {"role": "lab_admin"}
        )
        assert response.status_code == 403
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_it_404s_for_another_labs_admin(client, lab_a, lab_b):
    join_request = ask_to_join(UserFactory(email="applicant@example.org"), lab_a)
    other_admin = MembershipFactory(lab=lab_b, role=Membership.Role.LAB_ADMIN).user
    client.force_login(other_admin)

    response = client.post(
        f"/lab/requests/{join_request.public_id}/approve/", {"role": "pathologist"}
    )

    assert response.status_code == 404
    assert b"applicant@example.org" not in client.get("/lab/requests/").content
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_it_lets_a_user_without_a_lab_ask_from_the_waiting_page(client, lab_a):
    user = UserFactory()
    client.force_login(user)

    response = client.post("/lab/waiting/", {"lab": "LAB A"})

    assert response.status_code == 302
    assert JoinRequest.objects.get(user=user).lab == lab_a
    assert b"Pending" in client.get("/lab/waiting/").content


def test_it_does_not_record_the_same_request_twice(client, lab_a):
    user = UserFactory()
    client.force_login(user)
    client.post("/lab/waiting/", {"lab": "Lab A"})

    response = client.post("/lab/waiting/", {"lab": "Lab A"})

    assert response.status_code == 200
    assert JoinRequest.objects.filter(user=user).count() == 1


def test_asking_to_join_emails_the_lab_admins_a_link_to_decide(client, lab_admin, technologist):
    applicant = UserFactory(email="applicant@example.org")
    client.force_login(applicant)

    client.post("/lab/waiting/", {"lab": lab_admin.membership.lab.name})

    assert JoinRequest.objects.filter(user=applicant, status="pending").exists()
    [message] = mail.outbox  # the technologist is not a lab admin: no email
    assert message.to == [lab_admin.email]
    assert "applicant@example.org" in message.body
    assert "http://testserver/lab/requests/" in message.body


def test_the_page_offers_no_approve_for_an_applicant_who_has_not_verified(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(email_verified=False), lab_a)
    client.force_login(lab_admin)

    content = client.get("/lab/requests/").content.decode()

    assert f"/lab/requests/{join_request.public_id}/approve/" not in content
    assert "has not verified their email address yet" in content
    assert f"/lab/requests/{join_request.public_id}/reject/" in content


def test_it_refuses_to_approve_an_applicant_who_has_not_verified(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(email_verified=False), lab_a)
    client.force_login(lab_admin)

    client.post(f"/lab/requests/{join_request.public_id}/approve/", {"role": "pathologist"})

    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert not Membership.objects.filter(user=join_request.user).exists()


def test_it_emails_the_applicant_when_approved(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(email="applicant@example.org"), lab_a)
    client.force_login(lab_admin)

    client.post(f"/lab/requests/{join_request.public_id}/approve/", {"role": "pathologist"})

    [message] = mail.outbox
    assert message.to == ["applicant@example.org"]
    assert "Lab A" in message.subject
    assert "Pathologist" in message.body
    assert "http://testserver/" in message.body


def test_it_emails_the_applicant_when_declined(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(email="applicant@example.org"), lab_a)
    client.force_login(lab_admin)

    client.post(f"/lab/requests/{join_request.public_id}/reject/")

    [message] = mail.outbox
    assert message.to == ["applicant@example.org"]
    assert "declined" in message.body


def test_it_emails_nobody_when_a_decided_request_is_decided_again(client, lab_admin, lab_a):
    join_request = ask_to_join(UserFactory(), lab_a)
    client.force_login(lab_admin)
    client.post(f"/lab/requests/{join_request.public_id}/reject/")

    client.post(f"/lab/requests/{join_request.public_id}/reject/")
    client.post(f"/lab/requests/{join_request.public_id}/approve/", {"role": "pathologist"})

    assert len(mail.outbox) == 1
