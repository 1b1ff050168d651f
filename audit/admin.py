"""The audit trail in the admin: read-only, filterable, exportable as CSV."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.csv import csv_response
from audit.models import AuditEvent
from audit.services import record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created",
        "action",
        "user_email",
        "lab",
        "object_type",
        "object_repr",
        "client_address",
    ]
    list_filter = ["action", "created", "lab", "object_type"]
    search_fields = ["user_email", "object_id", "object_repr", "client_address"]
    date_hierarchy = "created"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    actions = ["export_csv"]
    list_select_related = ["lab"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Export selected events as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        events = queryset.order_by("created", "id")
        record(
            request, AuditEvent.Action.EXPORT_DOWNLOADED, export="audit_csv", rows=events.count()
        )
        return csv_response(events)
