"""Reviews, sign-offs, amendments, corrections and heatmaps in the admin: read-only records."""

from django.contrib import admin

from review.models import AdaptationJob, Amendment, Feedback, Heatmap, Review, SignOff


class ReadOnlyAdmin(admin.ModelAdmin):
    """Clinical records change only through the review pages, which audit every change."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["image", "predicted_label", "label", "reviewer", "updated"]
    list_filter = ["label", "predicted_label", "updated"]
    search_fields = ["image__original_name", "image__case__accession", "reviewer__email"]
    list_select_related = ["image", "reviewer"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["case", "version", "signed_by", "signed_at"]
    list_filter = ["signed_at"]
    search_fields = ["case__accession", "signed_by__email"]
    list_select_related = ["case", "signed_by"]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "previous", "sign_off", "amended_by", "created"]
    search_fields = ["case__accession", "reason"]
    list_select_related = ["case", "previous", "sign_off", "amended_by"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = [
        "sha256",
        "predicted_label",
        "corrected_label",
        "model_version",
        "consent",
        "created",
    ]
    list_filter = ["consent", "corrected_label", "model_version"]
    search_fields = ["sha256"]


@admin.register(Heatmap)
class HeatmapAdmin(ReadOnlyAdmin):
    list_display = ["image", "status", "label", "updated"]
    list_filter = ["status"]


@admin.register(AdaptationJob)
class AdaptationJobAdmin(admin.ModelAdmin):
    list_display = ["lab", "status", "decision", "parent", "result", "requested_by", "created"]
    list_filter = ["status", "decision"]
    readonly_fields = [
        field.name for field in AdaptationJob._meta.fields if field.name not in ("id",)
    ]

    def has_add_permission(self, request) -> bool:
        return False
