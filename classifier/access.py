"""The one place where cases and images are scoped to a member's lab (web views and API alike).

Built on accounts.access: another lab's case or image is a 404, exactly like a missing one.
"""

from django.db.models import QuerySet

from accounts.access import for_lab, get_for_lab_or_404
from accounts.models import Membership
from classifier.models import Case, CellImage


def cases_for(membership: Membership) -> QuerySet[Case]:
    return for_lab(Case.objects.all(), membership)


def images_for(membership: Membership) -> QuerySet[CellImage]:
    return for_lab(CellImage.objects.all(), membership, "case__lab")


def get_case_or_404(membership: Membership, public_id) -> Case:
    return get_for_lab_or_404(Case.objects.select_related("lab"), membership, public_id=public_id)


def get_image_or_404(membership: Membership, public_id) -> CellImage:
    return get_for_lab_or_404(
        CellImage.objects.select_related("case__lab"),
        membership,
        "case__lab",
        public_id=public_id,
    )


def may_delete_image(membership: Membership, image: CellImage) -> bool:
    """The uploader or the lab admin, while the case is not signed off."""
    if image.case.is_signed:
        return False
    return membership.can_manage_lab or image.uploaded_by_id == membership.user_id


def may_see_image_file(membership: Membership, image: CellImage) -> bool:
    """An image uploaded without consent is kept for its review: the lab's reviewers
    (pathologists, and lab admins) may see it; one kept with consent, every member."""
    return image.consent_retain or membership.can_review or membership.can_manage_lab
