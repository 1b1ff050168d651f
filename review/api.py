"""API: review one image, sign a case off. Only the pathologists of the case's lab.

POST /api/v1/images/{id}/review     {"label": "neutrophil", "comment": ""}  -> 200 review
POST /api/v1/cases/{id}/sign-off                                           -> 200 sign-off
     409 {"detail", "unreviewed"} while images are unreviewed or still being classified
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_schema import error_responses
from classifier.access import get_case_or_404, get_image_or_404
from review import services
from review.access import IsLabPathologist
from review.serializers import (
    ReviewInputSerializer,
    ReviewSerializer,
    SignOffInputSerializer,
    SignOffSerializer,
)


class ImageReviewView(APIView):
    permission_classes = [IsLabPathologist]

    @extend_schema(
        request=ReviewInputSerializer,
        responses={200: ReviewSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, image_id) -> Response:
        image = get_image_or_404(request.membership, image_id)
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            review = services.review_image(
                image,
                request.user,
                data.validated_data["label"],
                data.validated_data["comment"],
                request,
            )
        except services.InvalidLabelError as error:
            return Response({"label": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        except services.ReviewError as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(ReviewSerializer(review).data)


class CaseSignOffView(APIView):
    permission_classes = [IsLabPathologist]

    @extend_schema(
        request=SignOffInputSerializer,
        responses={200: SignOffSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, case_id) -> Response:
        case = get_case_or_404(request.membership, case_id)
        given = SignOffInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            signed = services.sign_off(
                case, request.user, request, comment=given.validated_data["comment"]
            )
        except services.UnreviewedImagesError as error:
            body = {"detail": str(error), "unreviewed": error.unreviewed}
            return Response(body, status=status.HTTP_409_CONFLICT)
        except services.UnidentifiedImagesError as error:
            body = {
                "detail": str(error),
                "unidentified": error.unidentified,
                "unreviewed": services.unreviewed_count(case),
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        except services.ReviewError as error:
            body = {"detail": str(error), "unreviewed": services.unreviewed_count(case)}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(SignOffSerializer(signed).data)
