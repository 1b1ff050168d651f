"""The "Model for this lab" page: lab admins only, their own lab's jobs only (another lab's job
is a 404). Actions are POSTs that call review/adaptation/jobs.py and redirect back."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import get_for_lab_or_404, lab_admin_required
from classifier.svg_chart import svg_response
from review import charts
from review.adaptation import jobs, status
from review.models import AdaptationJob


def get_job_or_404(request: HttpRequest, job_id) -> AdaptationJob:
    return get_for_lab_or_404(AdaptationJob, request.membership, public_id=job_id)


@lab_admin_required
@require_GET
def lab_model(request: HttpRequest) -> HttpResponse:
    lab = request.membership.lab
    context = {
        **status.lab_model_overview(lab),
        "jobs": [{"job": job, "report": status.job_report(job)} for job in jobs.lab_jobs(lab)[:10]],
        "progress_strings": {
            "epoch": _("epoch %(epoch)s of %(epochs)s"),
            "left": _("about %(minutes)s min left"),
        },
    }
    return render(request, "review/lab_model.html", context)


@lab_admin_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    try:
        jobs.start(request, request.membership.lab, request.user)
    except jobs.AdaptationRefusedError as error:
        messages.error(request, _("The adaptation was not started: %(reason)s") % {"reason": error})
    else:
        messages.success(request, _("Adaptation queued. This page shows its progress."))
    return redirect("review:lab_model")


@lab_admin_required
@require_GET
def job_status(request: HttpRequest, job_id) -> JsonResponse:
    return JsonResponse(status.job_status(get_job_or_404(request, job_id)))


def job_action(action, done_message: str):
    """A POST on one of the lab's jobs: `action` (review/adaptation/jobs.py) says whether it
    did something (it audits it); if so, `done_message` is shown back on the page."""

    @lab_admin_required
    @require_POST
    def view(request: HttpRequest, job_id) -> HttpResponse:
        if action(request, get_job_or_404(request, job_id)):
            messages.success(request, done_message)
        return redirect("review:lab_model")

    view.__name__ = view.__qualname__ = action.__name__
    return view


cancel = job_action(jobs.cancel, gettext_lazy("The adaptation is being cancelled."))
activate = job_action(
    jobs.activate, gettext_lazy("The adapted model now classifies this lab's images.")
)
discard = job_action(jobs.discard, gettext_lazy("The adapted model was discarded."))
roll_back = job_action(jobs.roll_back, gettext_lazy("The lab is back on its previous model."))


@lab_admin_required
@require_GET
def confusion_chart(request: HttpRequest, job_id) -> HttpResponse:
    job = get_job_or_404(request, job_id)
    report = job.report or {}
    if not report:
        return HttpResponse(status=404)
    labels, predicted_by_true = status.held_out_confusion(report)
    return svg_response(charts.confusion_svg(labels, predicted_by_true))
