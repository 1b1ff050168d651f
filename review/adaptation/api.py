"""API: a lab admin adapts the lab's model. Other members get 403; another lab's job is a 404.

POST /api/v1/lab/adaptations                  -> 202 status (409 {"detail"} when refused)
GET  /api/v1/lab/adaptations/{id}             -> 200 status (stage, epoch, percent, time left)
GET  /api/v1/lab/adaptations/{id}/report      -> 200 report (409 until the job is done)
POST /api/v1/lab/adaptations/{id}/activate    -> 200 status (409 unless done and undecided)
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import status as http_status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import get_for_lab_or_404
from accounts.api_schema import error_responses
from accounts.permissions import IsLabMember
from review.adaptation import jobs, status
from review.models import AdaptationJob


class IsLabAdmin(IsLabMember):
    message = _("Only a lab admin may do this.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.membership.can_manage_lab


def _job(request: Request, job_id) -> AdaptationJob:
    return get_for_lab_or_404(AdaptationJob, request.membership, public_id=job_id)


class AdaptationListView(APIView):
    permission_classes = [IsLabAdmin]

    @extend_schema(
        request=None, responses={202: OpenApiTypes.OBJECT, **error_responses(401, 403, 409)}
    )
    def post(self, request: Request) -> Response:
        try:
            job = jobs.start(request, request.membership.lab, request.user)
        except jobs.AdaptationRefusedError as error:
            return Response({"detail": str(error)}, status=http_status.HTTP_409_CONFLICT)
        return Response(status.job_status(job), status=http_status.HTTP_202_ACCEPTED)


class AdaptationStatusView(APIView):
    permission_classes = [IsLabAdmin]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **error_responses(401, 403, 404)})
    def get(self, request: Request, job_id) -> Response:
        return Response(status.job_status(_job(request, job_id)))


class AdaptationReportView(APIView):
    permission_classes = [IsLabAdmin]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **error_responses(401, 403, 404, 409)})
    def get(self, request: Request, job_id) -> Response:
        job = _job(request, job_id)
        if not job.report:
            return Response(
                {"detail": str(_("No report yet."))}, status=http_status.HTTP_409_CONFLICT
            )
        return Response({**status.job_report(job), "raw": job.report})


class AdaptationActivateView(APIView):
    permission_classes = [IsLabAdmin]

    @extend_schema(
        request=None, responses={200: OpenApiTypes.OBJECT, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request: Request, job_id) -> Response:
        job = _job(request, job_id)
        if not jobs.activate(request, job):
            job.refresh_from_db()
            if job.decision != AdaptationJob.Decision.ACTIVATED:
                detail = _("Only a finished adaptation that was not discarded can be activated.")
                return Response({"detail": str(detail)}, status=http_status.HTTP_409_CONFLICT)
        job.refresh_from_db()
        return Response({**status.job_status(job), "decision": job.decision})
