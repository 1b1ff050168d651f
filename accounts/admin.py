"""Site admins manage people and labs here (lab admins use the /lab/ pages)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import changed_settings
from accounts.models import ApiToken, Invitation, JoinRequest, Lab, Membership, User
from accounts.services import record_model_version_change
from accounts.views import admin_login
from audit.models import AuditEvent
from audit.services import record

# Staff log in like everyone else, through allauth: its rate limits and two-factor step apply.
admin.site.login = admin_login

SITE_PERMISSION_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


def record_membership_changes(request, formset) -> None:
    """Audit the roles that a membership inline (or form) added, changed or removed."""
    for membership in formset.new_objects:
        record(
            request,
            AuditEvent.Action.MEMBER_CHANGED,
            obj=membership,
            change="added in the admin",
            member=membership.user.email,
            role=membership.role,
        )
    for membership, fields in formset.changed_objects:
        record_role_change(request, membership, fields)
    for membership in formset.deleted_objects:
        record_membership_removal(request, membership)


def record_role_change(request, membership: Membership, fields) -> None:
    record(
        request,
        AuditEvent.Action.ROLE_CHANGED,
        obj=membership,
        change="changed in the admin",
        member=membership.user.email,
        fields=sorted(fields),
        role=membership.role,
        lab=membership.lab.name,
    )


def record_membership_removal(request, membership: Membership) -> None:
    record(
        request,
        AuditEvent.Action.MEMBER_CHANGED,
        obj=membership,
        change="removed in the admin",
        member=membership.user.email,
        role=membership.role,
    )


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    fields = ["lab", "role", "created"]
    readonly_fields = ["created"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, keyed on email (there is no username)."""

    ordering = ["email"]
    list_display = ["email", "full_name", "professional_title", "lab_name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "membership__lab"]
    search_fields = ["email", "full_name", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("full_name", "professional_title", "first_name", "last_name")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if fields := [name for name in form.changed_data if name in SITE_PERMISSION_FIELDS]:
            record(
                request,
                AuditEvent.Action.ROLE_CHANGED,
                obj=obj,
                change="site permissions changed in the admin",
                fields=sorted(fields),
                is_active=obj.is_active,
                is_staff=obj.is_staff,
                is_superuser=obj.is_superuser,
            )

    def save_formset(self, request, form, formset, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            record_membership_changes(request, formset)

    @admin.display(description=_("lab"), ordering="membership__lab__name")
    def lab_name(self, user: User) -> str:
        membership = getattr(user, "membership", None)
        return membership.lab.name if membership else ""


class LabMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created"]
    readonly_fields = ["created"]
    autocomplete_fields = ["user"]


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["name", "require_mfa", "retention_days", "model_version", "created"]
    search_fields = ["name"]
    readonly_fields = ["public_id", "created"]
    inlines = [LabMembershipInline]

    def save_formset(self, request, form, formset, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            record_membership_changes(request, formset)

    def save_model(self, request, obj: Lab, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and (changes := changed_settings(form)):
            record(request, AuditEvent.Action.LAB_SETTINGS_CHANGED, obj=obj, **changes)
        if "model_version" in form.changed_data:  # what classifies this lab's images changed
            record_model_version_change(request, obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "lab", "role", "created"]
    list_filter = ["lab", "role"]
    search_fields = ["user__email", "lab__name"]
    autocomplete_fields = ["user", "lab"]
    readonly_fields = ["public_id", "created"]

    def save_model(self, request, obj: Membership, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            record(
                request,
                AuditEvent.Action.MEMBER_CHANGED,
                obj=obj,
                change="added in the admin",
                member=obj.user.email,
                role=obj.role,
            )
        elif form.changed_data:
            record_role_change(request, obj, form.changed_data)

    def delete_model(self, request, obj: Membership) -> None:
        super().delete_model(request, obj)
        record_membership_removal(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        memberships = list(queryset.select_related("user", "lab"))
        super().delete_queryset(request, queryset)
        for membership in memberships:
            record_membership_removal(request, membership)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "lab", "role", "created", "expires_at", "accepted_at"]
    list_filter = ["lab", "role"]
    search_fields = ["email", "lab__name"]
    readonly_fields = ["token", "created", "accepted_at", "accepted_by", "invited_by"]
    autocomplete_fields = ["lab"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "lab", "status", "created", "decided_at"]
    list_filter = ["status", "lab"]
    search_fields = ["user__email", "lab__name"]
    readonly_fields = ["public_id", "created", "decided_at", "decided_by"]
    autocomplete_fields = ["user", "lab"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be seen and revoked (deleted) here; their secret is never stored or shown."""

    list_display = ["name", "user", "prefix", "created", "last_used", "expires_at"]
    search_fields = ["name", "user__email", "prefix"]
    fields = ["name", "user", "prefix", "created", "last_used", "expires_at"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False  # a token is made by its owner, who alone sees the secret

    def has_change_permission(self, request, obj=None) -> bool:
        return False
