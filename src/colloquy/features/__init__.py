"""Turning conversations and texts into model inputs: embeddings, dialogue and metadata features.

Importing this package stays cheap (no torch, scikit-learn or SciPy): the heavy libraries are
imported by the functions that need them.
"""

from colloquy.features.leakage import (
    DEFAULT_DENYLIST,
    LeakageReport,
    check_leakage,
    denied_fields,
    single_feature_aucs,
    strip_denied,
)
from colloquy.features.metadata import MetadataEncoder

__all__ = [
    "DEFAULT_DENYLIST",
    "LeakageReport",
    "MetadataEncoder",
    "check_leakage",
    "denied_fields",
    "single_feature_aucs",
    "strip_denied",
]
