"""Versioned prompt files (Jinja2 with typed variables) and the library that finds them."""

from __future__ import annotations

from colloquy.llm.prompts.library import BUILTIN_DIR, PromptLibrary
from colloquy.llm.prompts.template import (
    FORMATS,
    VARIABLE_TYPES,
    PromptFormat,
    PromptTemplate,
    PromptVariable,
    RenderedPrompt,
    load_prompt,
    parse_prompt,
)

__all__ = [
    "BUILTIN_DIR",
    "FORMATS",
    "VARIABLE_TYPES",
    "PromptFormat",
    "PromptLibrary",
    "PromptTemplate",
    "PromptVariable",
    "RenderedPrompt",
    "load_prompt",
    "parse_prompt",
]
