"""API representations of cases, images and predictions. Public ids (UUIDs) only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifier.case_rows import case_differential
from classifier.models import Case, CellImage, Prediction


class PredictionSerializer(serializers.ModelSerializer):
    model_version = serializers.CharField(source="model_version.name", read_only=True)
    model_version_id = serializers.UUIDField(source="model_version.public_id", read_only=True)

    class Meta:
        model = Prediction
        fields = [
            "label",
            "confidence",
            "probabilities",
            "unidentified",
            "model_version",
            "model_version_id",
            "created",
        ]
        read_only_fields = fields


def prediction_data(image: CellImage) -> dict | None:
    prediction = getattr(image, "prediction", None)
    return PredictionSerializer(prediction).data if prediction is not None else None


class CountsSerializer(serializers.Serializer):
    """Cells the finder found in a field, by kind."""

    wbc = serializers.IntegerField()
    rbc = serializers.IntegerField()
    platelet = serializers.IntegerField()


class FieldCellSerializer(serializers.ModelSerializer):
    """A white cell of a field: an image of its own (its id), where it lies in the field."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    box = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text=_("x0, y0, x1, y1 in the field's pixels."),
    )
    prediction = serializers.SerializerMethodField()

    class Meta:
        model = CellImage
        fields = ["id", "box", "prediction"]
        read_only_fields = fields

    @extend_schema_field(PredictionSerializer(allow_null=True))
    def get_prediction(self, image: CellImage) -> dict | None:
        return prediction_data(image)


class ImageSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    error = serializers.SerializerMethodField()
    prediction = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    cells = serializers.SerializerMethodField()
    field = serializers.UUIDField(source="field.public_id", read_only=True, allow_null=True)

    class Meta:
        model = CellImage
        fields = [
            "id",
            "case",
            "original_name",
            "status",
            "error",
            "kind",
            "prediction",
            "counts",
            "cells",
            "field",
            "box",
            "sha256",
            "size_bytes",
            "width",
            "height",
            "consent_retain",
            "retain_until",
            "created",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_error(self, image: CellImage) -> str:
        """Why it failed, or why no blood cells were found (kind none)."""
        if image.kind == CellImage.Kind.NONE:
            return str(image.no_blood_reason)
        return image.error

    @extend_schema_field(PredictionSerializer(allow_null=True))
    def get_prediction(self, image: CellImage) -> dict | None:
        return prediction_data(image)

    @extend_schema_field(CountsSerializer(allow_null=True))
    def get_counts(self, image: CellImage) -> dict | None:
        """A field's cells by kind; null for a single cell and before the finder has run."""
        return image.counts or None

    @extend_schema_field(FieldCellSerializer(many=True))
    def get_cells(self, image: CellImage) -> list[dict]:
        """A field's white cells, each an image of its own; empty for any other image."""
        if image.kind != CellImage.Kind.FIELD:
            return []
        return FieldCellSerializer(image.cells.all(), many=True).data


class ImageQueuedSerializer(serializers.Serializer):
    """The answer to an upload: the new image's id, queued for classification."""

    id = serializers.UUIDField(source="public_id")
    status = serializers.CharField()


class ImageUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # intake.py refuses it, with the same words as the web page
        help_text=_(
            "A JPEG, PNG, TIFF or BMP image of one cell. A file already in the case (same "
            "SHA-256) is refused with 400 and nothing is stored, so that no cell counts twice."
        ),
    )
    consent_retain = serializers.BooleanField(
        default=False,
        help_text=_(
            "Retain the image for model improvement, for the lab's retention period. Off (the "
            "default): it is kept for the lab's reviewers only and deleted when its case is "
            "signed off, or after the lab's limit for unsigned cases."
        ),
    )


class CaseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    images = serializers.SerializerMethodField()
    differential = serializers.SerializerMethodField()  # classifier/case_rows.py

    class Meta:
        model = Case
        fields = [
            "id",
            "accession",
            "patient_ref",
            "specimen",
            "priority",
            "clinical_note",
            "status",
            "created",
            "updated",
            "images",
            "differential",
        ]
        read_only_fields = ["id", "status", "created", "updated", "images", "differential"]

    @extend_schema_field(ImageSerializer(many=True))
    def get_images(self, case: Case) -> list[dict]:
        """What was uploaded; a field lists its white cells (each an image of its own)."""
        images = getattr(case, "uploaded_images", None)  # prefetched by the view
        if images is None:
            images = case.images.uploads().prefetch_related("cells")
        return ImageSerializer(images, many=True).data

    @extend_schema_field(serializers.DictField())
    def get_differential(self, case: Case) -> dict:
        return case_differential(case).as_dict()

    def validate_accession(self, accession: str) -> str:
        accession = accession.strip()
        lab = self.context["request"].membership.lab
        if Case.objects.filter(lab=lab, accession=accession).exists():
            raise serializers.ValidationError(
                _("A case with this accession number already exists.")
            )
        return accession
