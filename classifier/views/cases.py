"""Case pages: the lab's case list, a new case, one case with its images, and its live state."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import membership_required
from audit.models import AuditEvent
from audit.services import record
from classifier.access import cases_for, get_case_or_404
from classifier.forms import CaseForm, UploadForm
from classifier.models import Case
from classifier.summaries import case_state

CASES_PER_PAGE = 50


@membership_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    cases = cases_for(request.membership).annotate(
        # Uploads: a field's white-cell crops are part of their field.
        image_count=Count("images", filter=Q(images__field=None), distinct=True),
        unidentified_count=Count(
            "images", filter=Q(images__prediction__unidentified=True), distinct=True
        ),
    )
    status = request.GET.get("status", "")
    if status in Case.Status.values:
        cases = cases.filter(status=status)
    page = Paginator(cases.order_by("-created"), CASES_PER_PAGE).get_page(request.GET.get("page"))
    record(request, AuditEvent.Action.CASES_LISTED, view="cases", page=page.number, status=status)
    context = {"page": page, "status": status, "statuses": Case.Status.choices}
    return render(request, "classifier/case_list.html", context)


@membership_required
def case_create(request: HttpRequest) -> HttpResponse:
    form = CaseForm(request.POST or None, lab=request.membership.lab)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        case = form.save()
        record(request, AuditEvent.Action.CASE_CREATED, obj=case)
        return redirect("classifier:case_detail", case_id=case.public_id)
    return render(request, "classifier/case_form.html", {"form": form})


@membership_required
@require_GET
def case_detail(request: HttpRequest, case_id) -> HttpResponse:
    case = get_case_or_404(request.membership, case_id)
    record(request, AuditEvent.Action.CASE_VIEWED, obj=case)
    context = {
        "case": case,
        "state": case_state(case, request.membership),
        "upload_form": UploadForm(lab=case.lab),
    }
    return render(request, "classifier/case_detail.html", context)


@membership_required
@require_GET
@never_cache
def case_status(request: HttpRequest, case_id) -> JsonResponse:
    """The case page polls this about once a second while images are pending.

    Not audited: the page view already was, and a poll a second would drown the trail.
    """
    case = get_case_or_404(request.membership, case_id)
    return JsonResponse(case_state(case, request.membership))
