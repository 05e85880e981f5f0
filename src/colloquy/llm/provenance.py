"""Which prompts (name, version, content hash) and models a tracked run's LLM calls used.

A pipeline stage that calls an LLM should leave the prompt versions in its MLflow run,
or its numbers cannot be reproduced after a prompt file changes. The stage code does
not know about the run, so the pipeline runner opens :func:`record_prompts` around a
stage with its tracked run, and every :class:`~colloquy.llm.client.LLMClient` call in
that context (same thread or task) tags the run once per prompt version:

* ``colloquy.llm.prompt.<name>``: the versions used, comma-separated;
* ``colloquy.llm.prompt.<name>.hash``: their content hashes, in the same order;
* ``colloquy.llm.models``: ``backend/model`` of every client that answered.

Tags, not parameters: MLflow parameters cannot change once logged, and a run may use
two versions of one prompt (a resumed run after an edit); both are then listed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from colloquy.llm.records import PromptRef
from colloquy.logging import get_logger

log = get_logger(__name__)

TAG_PREFIX = "colloquy.llm.prompt."
TAG_MODELS = "colloquy.llm.models"
MAX_TAG_LENGTH = 5000


class TagSink(Protocol):
    """What records the tags: a tracked run (:class:`colloquy.tracking.base.TrackedRun`)."""

    def set_tags(self, tags: Mapping[str, str]) -> None: ...


class PromptRecorder:
    """The prompts and models seen so far in one context, tagged on ``sink`` as they come."""

    def __init__(self, sink: TagSink) -> None:
        self.sink = sink
        self.prompts: dict[str, list[PromptRef]] = {}
        self.models: list[str] = []
        self._lock = threading.Lock()

    def note(self, *, backend: str, model: str, prompt: PromptRef | None) -> None:
        """Tag the run if this prompt version or this model is new to it."""
        tags: dict[str, str] = {}
        with self._lock:
            name = f"{backend}/{model}"
            if name not in self.models:
                self.models.append(name)
                tags[TAG_MODELS] = ",".join(self.models)
            if prompt is not None:
                seen = self.prompts.setdefault(prompt.name, [])
                if prompt not in seen:
                    seen.append(prompt)
                    tags[TAG_PREFIX + prompt.name] = ",".join(p.version for p in seen)
                    tags[f"{TAG_PREFIX}{prompt.name}.hash"] = ",".join(p.content_hash for p in seen)
        if tags:
            self.sink.set_tags({k: v[:MAX_TAG_LENGTH] for k, v in tags.items()})


_active: ContextVar[PromptRecorder | None] = ContextVar("colloquy_llm_prompts", default=None)


@contextmanager
def record_prompts(sink: TagSink) -> Iterator[PromptRecorder]:
    """Tag ``sink`` with the prompt versions and models of LLM calls made inside."""
    recorder = PromptRecorder(sink)
    token = _active.set(recorder)
    try:
        yield recorder
    finally:
        _active.reset(token)


def note_call(*, backend: str, model: str, prompt: PromptRef | None) -> None:
    """Called by every client call; records it when :func:`record_prompts` is active.

    A tracking store that fails to take the tags is logged, not raised: the LLM answer
    the caller waits for is already there.
    """
    recorder = _active.get()
    if recorder is None:
        return
    try:
        recorder.note(backend=backend, model=model, prompt=prompt)
    except Exception as exc:
        log.warning("llm_prompt_tagging_failed", error=str(exc))


__all__ = ["TAG_MODELS", "TAG_PREFIX", "PromptRecorder", "TagSink", "note_call", "record_prompts"]
