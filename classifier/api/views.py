"""API: cases, image uploads and image results, with exactly the web pages' permissions.

Querysets come from classifier.access, like the web views: another lab's case or image is a
404. Uploads go through the same intake.accept_upload as the case page.
"""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_schema import error_responses
from accounts.permissions import IsLabMember
from audit.models import AuditEvent
from audit.services import record
from classifier import intake
from classifier.access import cases_for, images_for
from classifier.api.serializers import (
    CaseSerializer,
    ImageQueuedSerializer,
    ImageSerializer,
    ImageUploadSerializer,
)
from classifier.models import CellImage


def field_cells():
    return CellImage.objects.select_related("prediction__model_version")


@extend_schema_view(
    list=extend_schema(responses={200: CaseSerializer, **error_responses(401, 403)}),
    create=extend_schema(responses={201: CaseSerializer, **error_responses(400, 401, 403)}),
    retrieve=extend_schema(responses={200: CaseSerializer, **error_responses(401, 403, 404)}),
)
class CaseViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The lab's cases. Creating one returns it with its "id" (a UUID)."""

    serializer_class = CaseSerializer
    permission_classes = [IsLabMember]
    lab_field = "lab"
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self):
        cases = cases_for(self.request.membership).order_by("-created")
        if self.action == "images":
            # An upload needs the case and its lab, never its (growing) list of images.
            return cases.select_related("lab")
        # What was uploaded; a field lists its white cells (each an image of its own) in "cells".
        images = (
            CellImage.objects.uploads()
            .select_related("prediction__model_version", "case")
            .prefetch_related(Prefetch("cells", queryset=field_cells()))
        )
        return cases.prefetch_related(
            Prefetch("images", queryset=images, to_attr="uploaded_images")
        )

    def perform_create(self, serializer: CaseSerializer) -> None:
        case = serializer.save(lab=self.request.membership.lab, created_by=self.request.user)
        record(self.request, AuditEvent.Action.CASE_CREATED, obj=case)

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        page = request.query_params.get("page", "1")
        record(request, AuditEvent.Action.CASES_LISTED, view="api", page=page[:10])
        return response

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        case = self.get_object()
        record(request, AuditEvent.Action.CASE_VIEWED, obj=case)
        return Response(self.get_serializer(case).data)

    @extend_schema(
        request={"multipart/form-data": ImageUploadSerializer},
        responses={
            202: ImageQueuedSerializer,
            400: OpenApiResponse(
                description="The file was refused (not a sound image, too large, already in "
                "the case, or the case is signed off); the reason is given."
            ),
            **error_responses(401, 403, 404),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=ImageUploadSerializer,
    )
    def images(self, request: Request, id=None) -> Response:  # noqa: A002 (URL keyword)
        """Upload one image into the case; it is queued for classification."""
        case = self.get_object()
        upload = ImageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            image = intake.accept_upload(
                case,
                upload.validated_data["file"],
                consent_retain=upload.validated_data["consent_retain"],
                user=request.user,
            )
        except intake.UploadRefused as refusal:
            return Response({"file": [str(refusal)]}, status=status.HTTP_400_BAD_REQUEST)
        record(
            request,
            AuditEvent.Action.IMAGE_UPLOADED,
            obj=image,
            consent_retain=image.consent_retain,
        )
        return Response(ImageQueuedSerializer(image).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    retrieve=extend_schema(responses={200: ImageSerializer, **error_responses(401, 403, 404)}),
)
class ImageViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One image's state and, once classified, its prediction; a smear field's counts and its
    white cells (kind "field"), or why no blood cells were found (kind "none", in "error")."""

    serializer_class = ImageSerializer
    permission_classes = [IsLabMember]
    lab_field = "case__lab"
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self):
        return images_for(self.request.membership).select_related(
            "case", "prediction__model_version", "field"
        )

    def get_object(self) -> CellImage:
        image = super().get_object()
        # Only a field has white cells to list: a single cell's status poll costs no query more.
        if image.kind == CellImage.Kind.FIELD:
            prefetch_related_objects([image], Prefetch("cells", queryset=field_cells()))
        return image
