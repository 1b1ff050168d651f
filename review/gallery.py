"""The class gallery of a case: every classified cell grouped by its current class.

A cell's group is its final label (the reviewer's, else the model's), except that a cell the
model flagged as unidentified stays in the "unidentified" bin until a reviewer gives it a class:
that bin must be empty before sign-off (review.services.sign_off). Groups come in a fixed order,
the bin first, then the model's classes and "other", so that nothing moves but the cells.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from classifier.case_rows import case_classes, image_row
from classifier.labels import display_label
from classifier.models import Case, CellImage
from review.queue import reviewable_images

UNIDENTIFIED = "unidentified"  # the bin's key; never a label


@dataclass
class GalleryGroup:
    key: str
    title: str
    cells: list[CellImage] = field(default_factory=list)
    shortcut: str = ""  # the key that moves cells here (shortcut_keys)

    @property
    def is_unidentified(self) -> bool:
        return self.key == UNIDENTIFIED

    @property
    def unreviewed(self) -> int:
        return sum(1 for cell in self.cells if not hasattr(cell, "review"))


def group_key(image: CellImage) -> str:
    review = getattr(image, "review", None)
    if review is not None:
        return review.label
    if image.prediction.unidentified:
        return UNIDENTIFIED
    return image.prediction.label


def gallery_groups(case: Case) -> list[GalleryGroup]:
    """One group per class the case's model versions know (empty ones too), the bin first."""
    images = sorted(reviewable_images(case), key=lambda image: (image.created, image.pk))
    classes = case_classes([image_row(image) for image in images])
    groups = {UNIDENTIFIED: GalleryGroup(UNIDENTIFIED, _("Unidentified"))}
    groups.update({label: GalleryGroup(label, display_label(label)) for label in classes})
    for image in images:
        key = group_key(image)
        if key not in groups:  # a label of no current class (an older model's)
            groups[key] = GalleryGroup(key, display_label(key))
        groups[key].cells.append(image)
    return list(groups.values())


def shortcut_keys(labels: list[str]) -> dict[str, str]:
    """label -> key, as on the one-cell page: 1-9 for the model's classes, O for "other"."""
    keys = {label: str(index + 1) for index, label in enumerate(labels[:-1]) if index < 9}
    return {**keys, labels[-1]: "o"} if labels else {}
