"""The error answers of the API, for the OpenAPI schema: every view lists the ones it gives.

@extend_schema(responses={200: CaseSerializer, **error_responses(401, 403, 404)})
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
FIELD_ERRORS = inline_serializer(
    "FieldErrors",
    {"field_name": serializers.ListField(child=serializers.CharField())},
)
CONFLICT = inline_serializer(
    "Conflict",
    {"detail": serializers.CharField(), "unreviewed": serializers.IntegerField(required=False)},
)

ERRORS = {
    400: OpenApiResponse(FIELD_ERRORS, description=_("A field is invalid; each gets its reasons.")),
    401: OpenApiResponse(DETAIL, description=_("No valid token or session.")),
    403: OpenApiResponse(
        DETAIL,
        description=_(
            "Not a member of a lab, not the role this needs, or the lab requires two-factor "
            "authentication that the caller has not activated."
        ),
    ),
    404: OpenApiResponse(
        DETAIL, description=_("No such object in the caller's lab (another lab's is a 404 too).")
    ),
    409: OpenApiResponse(
        CONFLICT,
        description=_(
            "The case's state forbids it: signed off, or images unreviewed or still classifying."
        ),
    ),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}
