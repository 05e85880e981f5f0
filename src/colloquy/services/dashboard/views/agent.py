"""Agent: sessions, journey completion, guideline hits, validator verdicts, tool latency.

Everything comes from the audit trail (:mod:`colloquy.storage.agent_sessions`): the
session rows, and the newest sessions replayed from their event log
(:func:`colloquy.agent.audit.replay`), cached for the refresh interval.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from statistics import median
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from colloquy.errors import ColloquyError
from colloquy.services.dashboard import shell, widgets
from colloquy.services.dashboard.config import DEFAULT_REFRESH_SECONDS

if TYPE_CHECKING:
    from colloquy.agent.audit import SessionReplay
    from colloquy.storage import Store
    from colloquy.storage.agent_sessions import StoredSession, StoredVerdict

TITLE = "Agent"
SESSIONS = 200
"""Sessions listed (newest first)."""
REPLAYED = 50
"""Newest sessions replayed for guideline hits, verdicts and tool latency."""


@st.cache_resource(show_spinner=False, ttl=timedelta(seconds=DEFAULT_REFRESH_SECONDS))
def _load(
    _store: Store, url: str
) -> tuple[tuple[StoredSession, ...], tuple[SessionReplay, ...], tuple[StoredVerdict, ...]]:
    from colloquy.agent.audit import replay
    from colloquy.storage.agent_sessions import AgentSessionRepository

    repo = AgentSessionRepository(_store)
    sessions = repo.list(limit=SESSIONS).sessions
    replays = tuple(replay(_store, s.id) for s in sessions[:REPLAYED])
    verdicts = tuple(v for s in sessions[:REPLAYED] for v in repo.verdicts(s.id))
    return sessions, replays, verdicts


def _sessions(sessions: tuple[StoredSession, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "session": s.id,
                "channel": s.channel,
                "journey": s.journey or "",
                "status": s.status,
                "turns": s.turns,
                "events": s.events,
                "started": f"{s.started_at:%Y-%m-%d %H:%M}",
                "ended": "" if s.ended_at is None else f"{s.ended_at:%Y-%m-%d %H:%M}",
            }
            for s in sessions
        ],
        columns=["session", "channel", "journey", "status", "turns", "events", "started", "ended"],
    )


def _completion(sessions: tuple[StoredSession, ...]) -> pd.DataFrame:
    total: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    for s in sessions:
        name = s.journey or "(no journey)"
        total[name] += 1
        ended[name] += s.ended_at is not None
    return pd.DataFrame(
        [
            {"journey": j, "sessions": n, "ended": ended[j], "completion": ended[j] / n}
            for j, n in total.most_common()
        ],
        columns=["journey", "sessions", "ended", "completion"],
    )


def _guidelines(replays: tuple[SessionReplay, ...]) -> pd.DataFrame:
    hits: Counter[str] = Counter()
    keyword: Counter[str] = Counter()
    for r in replays:
        for turn in r.turns:
            for g in turn.guidelines:
                hits[g.name] += 1
                keyword[g.name] += g.keyword_hit
    return pd.DataFrame(
        [{"guideline": g, "hits": n, "keyword hits": keyword[g]} for g, n in hits.most_common()],
        columns=["guideline", "hits", "keyword hits"],
    )


def _verdicts(verdicts: tuple[StoredVerdict, ...]) -> pd.DataFrame:
    passed: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for v in verdicts:
        (passed if v.passed else failed)[v.check] += 1
    checks = sorted(set(passed) | set(failed))
    return pd.DataFrame(
        [
            {
                "check": c,
                "passed": passed[c],
                "failed": failed[c],
                "pass rate": passed[c] / (passed[c] + failed[c]),
            }
            for c in checks
        ],
        columns=["check", "passed", "failed", "pass rate"],
    )


def _tools(replays: tuple[SessionReplay, ...]) -> pd.DataFrame:
    latency: defaultdict[str, list[float]] = defaultdict(list)
    failures: Counter[str] = Counter()
    cached: Counter[str] = Counter()
    for r in replays:
        for turn in r.turns:
            for t in turn.tools:
                latency[t.tool].append(t.latency_ms)
                failures[t.tool] += not t.succeeded
                cached[t.tool] += t.cached
    return pd.DataFrame(
        [
            {
                "tool": tool,
                "calls": len(values),
                "median ms": round(median(values), 2),
                "p95 ms": round(float(np.percentile(values, 95)), 2),
                "failed": failures[tool],
                "cached": cached[tool],
            }
            for tool, values in sorted(latency.items())
        ],
        columns=["tool", "calls", "median ms", "p95 ms", "failed", "cached"],
    )


def _turns(replay: SessionReplay) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "turn": t.turn,
                "customer": t.message or "",
                "reply": t.reply or "",
                "responder": t.responder,
                "journey": "" if t.activation is None else (t.activation.journey or ""),
                "tools": ", ".join(x.tool for x in t.tools),
                "failed checks": sum(1 for v in t.verdicts if not v.passed),
                "fixed": t.fixed,
            }
            for t in replay.turns
        ],
        columns=[
            "turn",
            "customer",
            "reply",
            "responder",
            "journey",
            "tools",
            "failed checks",
            "fixed",
        ],
    )


def render() -> None:
    opened = shell.store_page(TITLE)
    if opened is None:
        return
    context, report, store = opened
    try:
        sessions, replays, verdicts = _load(store, context.url)
    except ColloquyError as exc:
        st.warning(f"The agent's sessions cannot be read: {exc.one_line()}")
        return
    if not sessions:
        st.info(
            "No agent session yet: sessions appear here as the agent runtime serves "
            "conversations (`colloquy agent seed` loads the desk data it works on)."
        )
        widgets.pdf_button(report)
        return
    ended = sum(1 for s in sessions if s.ended_at is not None)
    report.facts += [("Sessions", str(len(sessions))), ("Ended", str(ended))]
    cols = st.columns(3)
    cols[0].metric("Sessions", f"{len(sessions):,}")
    cols[1].metric("Ended", f"{ended:,}")
    cols[2].metric("Turns", f"{sum(s.turns for s in sessions):,}")
    widgets.table(report, "Sessions (newest first)", _sessions(sessions), key="agent-sessions")
    widgets.table(report, "Journey completion", _completion(sessions), key="agent-journeys")
    st.caption(
        f"Guideline hits, verdicts and tool latency over the newest {len(replays)} sessions."
    )
    widgets.table(report, "Guideline hits", _guidelines(replays), key="agent-guidelines")
    widgets.table(report, "Validator verdicts per check", _verdicts(verdicts), key="agent-verdicts")
    widgets.table(report, "Tool latency", _tools(replays), key="agent-tools")
    if replays:
        ids = [r.session.id for r in replays]
        chosen = st.selectbox("Session", ids, key="agent_session")
        picked = next(r for r in replays if r.session.id == chosen)
        widgets.table(report, f"Turns of session {chosen}", _turns(picked), key="agent-turns")
    widgets.pdf_button(report)
