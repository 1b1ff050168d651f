"""Site admins manage people and labs here (lab admins use the /lab/ pages)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, JoinRequest, Lab, Membership, User
from accounts.services import record_model_version_change


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

    def save_model(self, request, obj: Lab, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "model_version" in form.changed_data:  # what classifies this lab's images changed
            record_model_version_change(request, obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "lab", "role", "created"]
    list_filter = ["lab", "role"]
    search_fields = ["user__email", "lab__name"]
    autocomplete_fields = ["user", "lab"]
    readonly_fields = ["public_id", "created"]


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
