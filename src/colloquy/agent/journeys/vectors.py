"""A message's embedding shared by activation and guideline matching, computed at most once.

Either stage may be answered from its cache, and then the message need not be embedded at
all; so the engine passes a function that embeds on first call and remembers the result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float32]
MessageVector = Vector | Callable[[], Vector]


def resolve_vector(vector: MessageVector) -> Vector:
    return vector() if callable(vector) else vector


def lazy_vector(compute: Callable[[], Vector]) -> Callable[[], Vector]:
    """``compute`` run on the first call only."""
    memo: list[Vector] = []

    def get() -> Vector:
        if not memo:
            memo.append(compute())
        return memo[0]

    return get
