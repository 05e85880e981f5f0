"""Guidelines: condition → action rules with a scope, matched in two stages without an LLM.

::

    load_guidelines / bundled_guidelines   YAML → Guideline (schema + scope rules)
    GuidelineMatcher                       keyword/regex prefilter, then embedding similarity
    LLMGuidelineMatcher                    one LLM call per batch (second opinion, benchmark peer)
    AppliedGuidelines                      which guidelines a session already applied
"""

from __future__ import annotations

from colloquy.agent.guidelines.llm_matcher import LLMGuidelineMatcher, LLMMatchResult
from colloquy.agent.guidelines.loader import (
    bundled_guidelines,
    load_guideline_files,
    load_guidelines,
    parse_guidelines,
)
from colloquy.agent.guidelines.matcher import GuidelineMatcher
from colloquy.agent.guidelines.records import (
    AppliedGuidelines,
    Guideline,
    GuidelineMatch,
    Scope,
)
from colloquy.agent.guidelines.store import save_guidelines, stored_guidelines

__all__ = [
    "AppliedGuidelines",
    "Guideline",
    "GuidelineMatch",
    "GuidelineMatcher",
    "LLMGuidelineMatcher",
    "LLMMatchResult",
    "Scope",
    "bundled_guidelines",
    "load_guideline_files",
    "load_guidelines",
    "parse_guidelines",
    "save_guidelines",
    "stored_guidelines",
]
