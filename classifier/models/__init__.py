"""Cases, their cell images, one prediction per image, and the model versions that made them.

Data flows one way: a CellImage is uploaded into a Case (intake.py), classified by a Celery task
(tasks.py, inference.py) into a Prediction made by the active ModelVersion, then reviewed.
"""

from classifier.models.cases import Case, CellImage
from classifier.models.model_versions import ModelVersion
from classifier.models.predictions import Prediction
from classifier.models.workers import WorkerHeartbeat

__all__ = [
    "Case",
    "CellImage",
    "ModelVersion",
    "Prediction",
    "WorkerHeartbeat",
]
