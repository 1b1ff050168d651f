"""Admin: model versions (register by path or zip, checked on save; one active), and read-only
views of cases, images and predictions for support. Deleting a case or an image goes through
the image purge (classifier/purge.py), so that no file outlives its row."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import record
from classifier import purge, registry
from classifier.models import Case, CellImage, ModelVersion, Prediction


class ModelVersionAddForm(forms.ModelForm):
    """A new version from a bundle path or an uploaded zip; the bundle must load and predict."""

    bundle_zip = forms.FileField(
        label=_("Bundle zip"),
        required=False,
        help_text=_("A zip of a bundle folder (bundle.json, model.tflite, ...)."),
    )

    class Meta:
        model = ModelVersion
        fields = ["name", "bundle_path", "bundle_zip", "notes", "is_active"]

    def clean(self) -> dict:
        cleaned = super().clean()
        bundle_path = cleaned.get("bundle_path", "").strip()
        bundle_zip = cleaned.get("bundle_zip")
        if bool(bundle_path) == bool(bundle_zip):
            raise forms.ValidationError(_("Give either a bundle path or a bundle zip."))
        try:
            if bundle_zip:
                self.checked = self._check_zip(bundle_zip)
            else:
                cleaned["bundle_path"] = registry.stored_bundle_path(bundle_path)
                self.checked = registry.inspect_bundle(
                    ModelVersion(bundle_path=cleaned["bundle_path"]).bundle_dir
                )
        except registry.ModelBundleInvalid as error:
            raise forms.ValidationError(
                _("This bundle cannot be used: %(reason)s"), params={"reason": error}
            ) from error
        return cleaned

    def _check_zip(self, bundle_zip) -> registry.CheckedBundle:
        bundle_dir = registry.extract_archive(bundle_zip)
        try:
            return registry.inspect_extracted_bundle(bundle_dir)
        except registry.ModelBundleInvalid:
            registry.discard_extracted(bundle_dir)
            raise


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_active",
        "bundle_source",
        "parent",
        "confidence_threshold",
        "created",
    ]
    list_filter = ["is_active"]
    actions = ["make_active"]
    readonly_fields = [
        "public_id",
        "bundle_path",
        "uploaded",
        "labels",
        "input_spec",
        "confidence_threshold",
        "metadata",
        "parent",
        "lineage",
        "created_by",
        "created",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ModelVersionAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "bundle_path", "bundle_zip", "notes", "is_active"]
        return ["name", "notes", "is_active", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description=_("bundle"))
    def bundle_source(self, version: ModelVersion) -> str:
        return _("uploaded zip") if version.uploaded else version.bundle_path

    def save_model(self, request, obj: ModelVersion, form, change: bool) -> None:
        """Ticking "active" makes this the active version: save() deactivates the previous one
        in the same transaction."""
        if not change:
            obj.created_by = request.user
            registry.apply_checked_bundle(obj, form.checked)
            if form.cleaned_data.get("bundle_zip"):
                registry.install_uploaded_bundle(obj, form.checked)
        activating = obj.is_active and (not change or "is_active" in form.changed_data)
        previous = ModelVersion.active() if activating else None
        super().save_model(request, obj, form, change)
        what = "registered" if not change else "changed"
        record(
            request,
            AuditEvent.Action.MODEL_VERSION_CHANGED,
            obj=obj,
            change=what,
            active=obj.is_active,
        )
        if activating:
            if change:
                record(
                    request, AuditEvent.Action.MODEL_VERSION_CHANGED, obj=obj, change="activated"
                )
            self.message_user(request, activated_message(obj, previous))

    @admin.action(description=_("Make the selected version active"))
    def make_active(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version."), messages.ERROR)
            return
        version = queryset.get()
        previous = ModelVersion.active()
        if version.activate():
            record(
                request, AuditEvent.Action.MODEL_VERSION_CHANGED, obj=version, change="activated"
            )
        self.message_user(request, activated_message(version, previous))


def activated_message(version: ModelVersion, previous: ModelVersion | None) -> str:
    """ "pbc8 is now the active version, instead of kaggle4." """
    if previous is None or previous.pk == version.pk:
        return _("%(name)s is now the active version.") % {"name": version.name}
    return _("%(name)s is now the active version, instead of %(previous)s.") % {
        "name": version.name,
        "previous": previous.name,
    }


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases, images and predictions change only through the portal's pages and tasks.

    Deleting a case or an image goes through the image purge (below), so its files go with it
    and the deletion is audited.
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def delete_case(request, case: Case) -> None:
    """The case's images go through the image purge first, so that their files go with them."""
    for image_id in case.images.values_list("pk", flat=True):
        purge.delete_image(image_id, reason="case deleted in the admin", request=request)
    case.delete()


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["accession", "lab", "status", "priority", "specimen", "created"]
    list_filter = ["status", "priority", "lab"]
    search_fields = ["accession", "public_id"]

    def delete_model(self, request, obj: Case) -> None:
        delete_case(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for case in queryset:
            delete_case(request, case)


@admin.register(CellImage)
class CellImageAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "case", "status", "consent_retain", "has_file", "created"]
    list_filter = ["status", "consent_retain"]
    search_fields = ["public_id", "sha256", "case__accession"]
    exclude = ["file"]

    @admin.display(boolean=True, description=_("file stored"))
    def has_file(self, image: CellImage) -> bool:
        return image.has_file

    def delete_model(self, request, obj: CellImage) -> None:
        purge.delete_image(obj.pk, reason="deleted in the admin", request=request)

    def delete_queryset(self, request, queryset) -> None:
        for image_id in queryset.values_list("pk", flat=True):
            purge.delete_image(image_id, reason="deleted in the admin", request=request)


@admin.register(Prediction)
class PredictionAdmin(ReadOnlyAdmin):
    list_display = ["image", "label", "confidence", "unidentified", "model_version", "created"]
    list_filter = ["unidentified", "model_version", "label"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an image without its prediction would fall out of the count
