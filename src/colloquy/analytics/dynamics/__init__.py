"""Talk dynamics: talk ratio, monologues, interactivity, questions, response and handle times.

:func:`talk_dynamics` measures one conversation (:class:`TalkDynamics`);
:func:`summarize_dynamics` / :func:`summarize_conversations` aggregate a dataset
(:class:`DynamicsSummary`: percentiles and a response-time histogram) and
:func:`summarize_by_group` does so per brand (:func:`brand_of`) or any other key.
Time metrics are ``None`` (unavailable) for untimed conversations, never 0.
"""

from __future__ import annotations

from colloquy.analytics.dynamics.conversation import (
    AGENTS,
    SpeakerTalk,
    TalkDynamics,
    talk_dynamics,
)
from colloquy.analytics.dynamics.summary import (
    RESPONSE_BIN_EDGES,
    Distribution,
    DynamicsSummary,
    GroupDynamics,
    HistogramBin,
    brand_of,
    distribution,
    response_histogram,
    summarize_by_group,
    summarize_conversations,
    summarize_dynamics,
)

__all__ = [
    "AGENTS",
    "RESPONSE_BIN_EDGES",
    "Distribution",
    "DynamicsSummary",
    "GroupDynamics",
    "HistogramBin",
    "SpeakerTalk",
    "TalkDynamics",
    "brand_of",
    "distribution",
    "response_histogram",
    "summarize_by_group",
    "summarize_conversations",
    "summarize_dynamics",
    "talk_dynamics",
]
