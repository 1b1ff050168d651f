"""Review of classified images, sign-off of cases, amendments, corrections and heatmaps.

A pathologist reviews each image of a case (accepting the model's label or choosing another,
including "other / artefact"), then signs the case off. A signed case is locked; a later change
is an Amendment, which keeps the earlier signed version and adds the next one.
"""

from review.models.adaptation_jobs import AdaptationJob
from review.models.explanations import Explanation, Heatmap, LimeExplanation
from review.models.feedback import Feedback
from review.models.reviews import Amendment, Review, SignOff

__all__ = [
    "AdaptationJob",
    "Amendment",
    "Explanation",
    "Feedback",
    "Heatmap",
    "LimeExplanation",
    "Review",
    "SignOff",
]
