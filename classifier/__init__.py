"""Local email classification for job applications: spaCy rules plus a trained textcat.

This is the runtime that ships in the wheel. The training kit (corpus generator, phrase banks,
training and evaluation) is the top-level `training` package of a source checkout.
"""

from classifier.decision import MailboxContext
from classifier.fingerprint import rules_fingerprint
from classifier.messages import LABELS, Classification, Email
from classifier.newest_text import is_forward_subject, readable_body
from classifier.pipeline import Classifier, ModelNotFound, build_pipeline, load_classifier
from classifier.query import likely_job_mail_queries

__all__ = [
    "LABELS",
    "Classification",
    "Classifier",
    "Email",
    "MailboxContext",
    "ModelNotFound",
    "build_pipeline",
    "is_forward_subject",
    "likely_job_mail_queries",
    "load_classifier",
    "readable_body",
    "rules_fingerprint",
]
