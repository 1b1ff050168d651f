from django.urls import include, path

from accounts import lab_views, token_views, views

app_name = "accounts"

lab_patterns = [
    path("waiting/", views.waiting, name="waiting"),
    path("invitations/new/", lab_views.new_invitation, name="invite"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<str:token>/revoke/", lab_views.revoke_invitation, name="revoke_invitation"),
    path("members/", lab_views.members, name="members"),
    path("members/<uuid:membership_id>/role/", lab_views.change_role, name="change_role"),
    path("members/<uuid:membership_id>/remove/", lab_views.remove_member, name="remove_member"),
    path("requests/", lab_views.join_requests, name="join_requests"),
    path("requests/<uuid:request_id>/approve/", lab_views.approve_join_request, name="approve"),
    path("requests/<uuid:request_id>/reject/", lab_views.reject_join_request, name="reject"),
    path("settings/", lab_views.lab_settings, name="lab_settings"),
]

token_patterns = [
    path("", token_views.tokens, name="tokens"),
    path("<uuid:token_id>/revoke/", token_views.revoke_token, name="revoke_token"),
]

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/two-factor/required/", views.mfa_required, name="mfa_required"),
    path("lab/", include(lab_patterns)),
    path("profile/tokens/", include(token_patterns)),
]
