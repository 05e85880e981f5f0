"""Assemble an :class:`AgentEngine` for the claims desk from a store and a few choices.

Journeys come from the store when ``colloquy agent journeys load`` put versions there (the
newest of each name), else the shipped ones are saved and used; guidelines are the shipped
files plus any given. Redis, when configured, backs the activation cache (L2), the tool
cache and the rate limits, so several API workers share them; the store is the activation
cache's L3 either way. Without an LLM client the desk runs fully offline: pattern slot
filling, the template responder, the deterministic validator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry

from colloquy.agent.audit import AuditLog
from colloquy.agent.engine.engine import DEFAULT_SWITCH_THRESHOLD, AgentEngine, AgentParts
from colloquy.agent.engine.metrics import AgentMetrics
from colloquy.agent.engine.ports import AuditPort, ResponderPort
from colloquy.agent.guidelines import GuidelineMatcher, bundled_guidelines, load_guideline_files
from colloquy.agent.guidelines.records import Guideline
from colloquy.agent.journeys import (
    Journey,
    JourneyActivator,
    JourneyStore,
    LayeredCache,
    SlotFiller,
    activation_cache,
    bundled_journeys,
)
from colloquy.agent.journeys.cache_memory import MemoryCache
from colloquy.agent.journeys.store import from_stored
from colloquy.agent.respond import LLMResponder, TemplateResponder
from colloquy.agent.tools import ToolExecutor
from colloquy.agent.tools.cache import MemoryToolCache, RedisToolCache, ToolCache
from colloquy.agent.tools.limits import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from colloquy.agent.tools.metrics import ToolMetrics
from colloquy.agent.tools.registry import ToolRegistry
from colloquy.agent.validation import ReplyValidator
from colloquy.config.settings import Settings
from colloquy.desk.tools import VERIFY_ATTEMPTS_PER_HOUR, DeskServices, desk_tools
from colloquy.features.embeddings.base import Embedder
from colloquy.llm import LLMClient
from colloquy.llm.factory import client_from_settings
from colloquy.storage.journeys import JourneyRepository
from colloquy.storage.store import Store

GUIDELINE_CACHE_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class AgentOptions:
    """Choices a deployment makes; the defaults are the offline desk."""

    redis_url: str | None = None
    redis_prefix: str = "colloquy:"
    """Namespace of every Redis key (activation, tools, limits), so desks can share a Redis."""
    llm: LLMClient | None = None
    llm_replies: bool = False
    """Reply with the LLM (when ``llm`` is set); otherwise the approved templates."""
    llm_slots: bool = False
    """Let the LLM fill slots patterns miss (when ``llm`` is set)."""
    guideline_files: Sequence[Path] = ()
    journeys: Sequence[Journey] = ()
    """Use these journeys instead of the stored or shipped ones."""
    switch_threshold: float = DEFAULT_SWITCH_THRESHOLD
    tools: ToolRegistry | None = None
    """A registry to use instead of the desk's tools bound to the store."""
    audit: AuditPort | None = None
    verify_attempts_per_hour: int = VERIFY_ATTEMPTS_PER_HOUR
    activation_cache: LayeredCache | None = None
    """Share one activation cache between engines of a process (default: one per engine)."""
    guideline_cache: MemoryCache | None = None
    tool_cache: ToolCache | None = None
    metrics_registry: CollectorRegistry | None = None
    """Where the agent's and its tools' Prometheus metrics go (default: a private registry)."""
    extra_guidelines: Sequence[Guideline] = field(default_factory=tuple)


def desk_journeys(store: Store) -> tuple[Journey, ...]:
    """The newest stored version of each journey, after saving shipped versions not stored yet.

    Shipped updates so reach an existing store, and a version a user loaded with ``colloquy
    agent journeys load`` wins when it is newer.
    """
    repository = JourneyRepository(store)
    stored = {(row.name, row.version) for row in repository.list()}
    JourneyStore(store).save_all(
        tuple(j for j in bundled_journeys() if (j.name, j.version) not in stored)
    )
    newest: dict[str, Journey] = {}
    for row in repository.list():
        journey = from_stored(row)
        if journey.name not in newest or journey.version > newest[journey.name].version:
            newest[journey.name] = journey
    return tuple(newest[name] for name in sorted(newest))


def build_agent(
    store: Store, embedder: Embedder, options: AgentOptions | None = None
) -> AgentEngine:
    """An engine serving the desk in ``store``."""
    opts = options or AgentOptions()
    journeys = tuple(opts.journeys) or desk_journeys(store)
    if opts.journeys:
        JourneyStore(store).save_all(journeys)
    known = {j.name: frozenset(s.name for s in j.states) for j in journeys}
    guidelines = (
        *bundled_guidelines(known),
        *load_guideline_files(opts.guideline_files, known),
        *opts.extra_guidelines,
    )
    registry = opts.tools or desk_tools(
        DeskServices.from_store(store), verify_attempts_per_hour=opts.verify_attempts_per_hour
    )
    prometheus = opts.metrics_registry or CollectorRegistry()
    executor = ToolExecutor(
        registry,
        cache=_tool_cache(opts),
        limiter=_limiter(opts),
        metrics=ToolMetrics(prometheus),
    )
    template = TemplateResponder()
    responder: ResponderPort = template
    if opts.llm is not None and opts.llm_replies:
        responder = LLMResponder(opts.llm, fallback=template)
    parts = AgentParts(
        journeys=journeys,
        embedder=embedder,
        activator=JourneyActivator(
            journeys,
            embedder,
            llm=opts.llm,
            cache=opts.activation_cache
            or activation_cache(
                redis_url=opts.redis_url,
                redis_prefix=opts.redis_prefix + "activation:",
                store=store,
            ),
        ),
        matcher=GuidelineMatcher(
            guidelines, embedder, cache=opts.guideline_cache or MemoryCache(GUIDELINE_CACHE_ENTRIES)
        ),
        slot_filler=SlotFiller(llm=opts.llm if opts.llm_slots else None),
        tools=executor,
        responder=responder,
        validator=ReplyValidator(),
        audit=opts.audit or AuditLog(store),
        journey_store=JourneyStore(store),
        switch_threshold=opts.switch_threshold,
        metrics=AgentMetrics(prometheus),
    )
    return AgentEngine(parts)


def options_from_settings(settings: Settings) -> AgentOptions:
    """The ``agent.*`` settings as options; an LLM client only when a setting asks for one."""
    agent = settings.agent
    wants_llm = agent.responder == "llm" or agent.llm_slots
    return AgentOptions(
        redis_url=agent.redis_url,
        redis_prefix=agent.redis_prefix,
        llm=client_from_settings(settings) if wants_llm else None,
        llm_replies=agent.responder == "llm",
        llm_slots=agent.llm_slots,
        guideline_files=tuple(agent.guideline_files),
        switch_threshold=agent.switch_threshold,
        verify_attempts_per_hour=agent.verify_attempts_per_hour,
    )


def _tool_cache(opts: AgentOptions) -> ToolCache:
    if opts.tool_cache is not None:
        return opts.tool_cache
    if opts.redis_url:
        return RedisToolCache.from_url(opts.redis_url, prefix=opts.redis_prefix + "tools:")
    return MemoryToolCache()


def _limiter(opts: AgentOptions) -> RateLimiter:
    if opts.redis_url:
        return RedisRateLimiter.from_url(opts.redis_url, prefix=opts.redis_prefix + "limits:")
    return MemoryRateLimiter()
