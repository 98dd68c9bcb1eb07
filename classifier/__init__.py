"""Local email classification for job applications: spaCy rules plus a trained textcat."""

from classifier.messages import LABELS, Classification, Email
from classifier.pipeline import Classifier, ModelNotFound, build_pipeline, load_classifier

__all__ = [
    "LABELS",
    "Classification",
    "Classifier",
    "Email",
    "ModelNotFound",
    "build_pipeline",
    "load_classifier",
]
