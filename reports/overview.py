"""The lab admin's overview: what waits for review, and how long cases take to be signed off.

Turnaround is from the case's creation to its first sign-off (version 1; amendments do not
restart it), over the cases first signed in the last TURNAROUND_DAYS days.
"""

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Membership
from classifier.access import cases_for
from classifier.models import Case, CellImage
from review.models import SignOff

TURNAROUND_DAYS = 30
OLDEST_SHOWN = 10


@dataclass(frozen=True)
class Turnaround:
    cases: int
    median: datetime.timedelta | None
    longest: datetime.timedelta | None


def status_counts(membership: Membership) -> dict[str, int]:
    counts = dict.fromkeys(Case.Status.values, 0)
    for row in cases_for(membership).values("status").annotate(count=Count("id")):
        counts[row["status"]] = row["count"]
    return counts


def awaiting_review(membership: Membership):
    """Cases awaiting review, oldest first, with their images still to review."""
    unreviewed = Q(
        images__status=CellImage.Status.DONE,
        images__prediction__isnull=False,
        images__review__isnull=True,
    )
    return (
        cases_for(membership)
        .filter(status=Case.Status.AWAITING_REVIEW)
        .annotate(unreviewed_count=Count("images", filter=unreviewed, distinct=True))
        .order_by("created", "id")
    )


def awaiting_by_priority(membership: Membership) -> dict[str, int]:
    counts = dict.fromkeys(Case.Priority.values, 0)
    awaiting = cases_for(membership).filter(status=Case.Status.AWAITING_REVIEW)
    rows = awaiting.order_by().values("priority").annotate(count=Count("id"))
    for row in rows:
        counts[row["priority"]] = row["count"]
    return counts


def turnaround(membership: Membership, now: datetime.datetime | None = None) -> Turnaround:
    since = (now or timezone.now()) - datetime.timedelta(days=TURNAROUND_DAYS)
    first_sign_offs = SignOff.objects.filter(
        case__lab=membership.lab, version=1, signed_at__gte=since
    ).values_list("signed_at", "case__created")
    durations = sorted(signed - created for signed, created in first_sign_offs)
    if not durations:
        return Turnaround(0, None, None)
    return Turnaround(len(durations), statistics.median(durations), durations[-1])
