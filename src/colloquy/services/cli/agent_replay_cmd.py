"""``colloquy agent replay SESSION`` and ``colloquy agent sessions``: the audit trail.

Plain functions registered on ``colloquy agent`` (agent_cmd). The replay table has one row
per stage of each turn, in the order the agent ran them, with the milliseconds the stage
took, so a reviewer sees what the caller said, what the agent decided and why the sent
reply reads as it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table, stdout

if TYPE_CHECKING:
    from colloquy.agent.audit import ReplayTurn, SessionReplay, TransitionStep

CLIP = 240
"""Longest tool result shown in a replay table cell."""

SessionArgument = Annotated[
    str, typer.Argument(help="session id (list recent ones with 'colloquy agent sessions')")
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="sessions per page")]
BeforeOption = Annotated[
    str | None, typer.Option("--before", help="show sessions older than this session id")
]
ExportOption = Annotated[
    str | None,
    typer.Option(
        "--export",
        help="also store the listed sessions as conversations of this dataset "
        "(then 'colloquy analyze DATASET' runs the analytics on them)",
    ),
]


def replay(
    ctx: typer.Context, session: SessionArgument, fmt: FormatOption = OutputFormat.TABLE
) -> None:
    """Rebuild a session from its audit log: each turn's stages, verdicts and reply."""
    from colloquy.agent.audit import replay as rebuild
    from colloquy.agent.audit.payload import plain

    with state(ctx).open_store() as store:
        rebuilt = rebuild(store, session)
    if fmt is OutputFormat.JSON:
        print_json(plain(rebuilt))
        return
    print_replay(rebuilt)


def sessions(
    ctx: typer.Context,
    limit: LimitOption = 20,
    before: BeforeOption = None,
    export: ExportOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Recent agent sessions, newest first."""
    from colloquy.agent.audit import export_sessions
    from colloquy.storage.agent_sessions import AgentSessionRepository

    with state(ctx).open_store() as store:
        page = AgentSessionRepository(store).list(limit=limit, before=before)
        report = export_sessions(store, export, [s.id for s in page.sessions]) if export else None
    rows = [
        (
            s.id,
            s.channel,
            s.status,
            f"{s.journey}@v{s.journey_version}" if s.journey else "",
            s.turns,
            s.events,
            s.started_at.isoformat(timespec="seconds"),
        )
        for s in page.sessions
    ]
    if fmt is OutputFormat.JSON:
        keys = ("id", "channel", "status", "journey", "turns", "events", "started_at")
        document: dict[str, object] = {
            "sessions": [dict(zip(keys, row, strict=True)) for row in rows],
            "next_before": page.next_before,
        }
        if report is not None:
            document["exported"] = {"dataset": export, "inserted": report.inserted}
        print_json(document)
        return
    print_table(
        "agent sessions",
        ["session", "channel", "status", "journey", "turns", "events", "started"],
        rows,
    )
    if page.next_before:
        stdout.print(f"more: colloquy agent sessions --before {page.next_before}")
    if report is not None:
        stdout.print(
            f"exported {report.inserted} new session(s) to dataset {export!r} "
            f"({report.duplicates} already there)"
        )


def print_replay(rebuilt: SessionReplay) -> None:
    """The conversation with its audit trail, one row per stage."""
    s = rebuilt.session
    journey = f"{s.journey}@v{s.journey_version}" if s.journey else "no journey"
    title = (
        f"session {s.id} · {s.channel} · {journey} · {s.status} · "
        f"{s.turns} turns · {s.events} events"
    )
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("turn", "right"),
        ("stage", "left"),
        ("detail", "left"),
        ("ms", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for turn in rebuilt.turns:
        for stage, detail, ms in turn_rows(turn):
            table.add_row(str(turn.turn), stage, escape(detail), "" if ms is None else f"{ms:.1f}")
        table.add_section()
    stdout.print(table)


def turn_rows(turn: ReplayTurn) -> list[tuple[str, str, float | None]]:
    """(stage, detail, milliseconds) rows of one turn, in the order the agent ran them.

    The responder's draft shows only when validation changed it; the reply's row carries
    the turn's total."""
    t = turn.timings
    rows: list[tuple[str, str, float | None]] = []
    if turn.message is not None:
        rows.append(("[bold]customer[/]", turn.message, None))
    if turn.activation is not None:
        a = turn.activation
        chosen = f"{a.journey}@v{a.version}" if a.journey else "none"
        cache = f", cache {a.cache_level}" if a.cache_level else ""
        rows.append(("activation", f"{chosen} ({a.score:.2f}, {a.method}{cache})", t.activation))
    began = [step for step in turn.transitions if not step.source]
    moved = [step for step in turn.transitions if step.source]
    rows += [_transition_row(step) for step in began]
    if turn.slots:
        filled = ", ".join(f"{k}={v}" for k, v in turn.slots)
        rows.append(("slots", filled, t.slots))
    for tool in turn.tools:
        status = tool.status if tool.succeeded or tool.status != "ok" else "ok, not satisfied"
        cached = ", cached" if tool.cached else ""
        said = _clip(tool.result or tool.error)
        rows.append(
            ("tool", f"{tool.tool}({tool.arguments}) {status}{cached}: {said}", tool.latency_ms)
        )
    rows += [_transition_row(step) for step in moved]
    names = ", ".join(f"{g.name} ({g.score:.2f})" for g in turn.guidelines) or "none"
    rows.append(("guidelines", names, t.guidelines))
    if turn.draft and turn.draft != turn.reply:
        rows.append((f"draft ({turn.responder})", turn.draft, t.respond))
    failed = turn.failed_verdicts
    checks = len(turn.verdicts)
    summary = f"{checks} check{'' if checks == 1 else 's'}, " + (
        "all passed" if not failed else f"{len(failed)} failed" + (", fixed" if turn.fixed else "")
    )
    rows.append(("validation", summary, t.validate))
    for v in failed:
        fix = f" → {v.fix!r}" if v.fix else " → dropped"
        rows.append(
            (f"  ✗ {v.check.value}", f"#{v.sentence_index} {v.sentence!r}: {v.reason}{fix}", None)
        )
    if turn.reply is not None:
        label = f"[bold]agent[/] ({turn.responder})" if turn.responder else "[bold]agent[/]"
        rows.append((label, turn.reply, t.total))
    return rows


def _clip(text: str) -> str:
    """A tool result cut for the table (``--format json`` keeps it whole)."""
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"


def _transition_row(step: TransitionStep) -> tuple[str, str, float | None]:
    source = step.source or f"start {step.journey}@v{step.version}"
    return ("transition", f"{source} → {step.target} ({step.condition})", None)
