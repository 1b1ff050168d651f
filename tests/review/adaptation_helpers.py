"""Reviewed, consented cells of a lab, as the adaptation tests need them."""

from review import services
from tests.review.helpers import add_image, make_case


def reviewed_cells(lab, reviewer, per_class: dict[str, int], accession: str = "AD-1") -> list:
    """`per_class` cells of each class, kept with consent and confirmed by `reviewer`."""
    case = make_case(lab, accession)
    images = []
    for label, count in per_class.items():
        for _ in range(count):
            image = add_image(case, label, retained=True)
            services.review_image(image, reviewer, label)
            images.append(image)
    return images
