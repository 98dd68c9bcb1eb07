"""The classifier's training kit: corpus generator, phrase banks, training and evaluation.

Not packaged: it runs from a source checkout (`applytrack train`, `applytrack eval`,
``python -m training.corpus``). It imports `classifier`; the runtime never imports it.
"""
