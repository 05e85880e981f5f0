"""``colloquy agent chat``: talk to the claims desk in the terminal, or play a script.

Each reply is followed by one dim line of what happened (journey and state, tools, matched
guidelines, the validator's verdict, milliseconds), so a journey author sees why the agent
said what it said. ``--script`` plays a file of customer lines (``-`` for stdin) instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.context import state
from colloquy.services.cli.render import stderr, stdout

if TYPE_CHECKING:
    from colloquy.agent.turn import TurnResult

EXIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit", "bye"})


def chat(
    ctx: typer.Context,
    script: Annotated[
        Path | None,
        typer.Option(
            "--script",
            help="Play the customer lines of this file (one per line, # comments; - = stdin).",
            allow_dash=True,
        ),
    ] = None,
    details: Annotated[
        bool,
        typer.Option("--details/--no-details", help="Show journey, tools and verdicts per turn."),
    ] = True,
    audit: Annotated[
        bool,
        typer.Option("--audit", help="Print the session's audit trail when it ends."),
    ] = False,
) -> None:
    """Talk to the customer-service agent (offline templates unless agent.responder=llm)."""
    from colloquy.agent.engine.factory import build_agent, options_from_settings
    from colloquy.desk import desk_is_seeded
    from colloquy.features.embeddings import SentenceEmbedder

    lines = _script_lines(script) if script is not None else None
    cli = state(ctx)
    with cli.open_store() as store:
        if not desk_is_seeded(store):
            raise UsageError(
                "the claims desk in this store is empty",
                hint="run `colloquy agent seed` first (demonstration customers, claims, articles)",
            )
        with stderr.status("loading the agent (embedding model, journeys, guidelines)…"):
            engine = build_agent(store, SentenceEmbedder(), options_from_settings(cli.settings))
        try:
            greeting = engine.start(channel="text")
            _show(greeting, details)
            sid = greeting.session_id
            for message in lines if lines is not None else _prompted():
                if lines is not None:
                    stdout.print(f"[bold cyan]you>[/] {message}")
                result = engine.turn(sid, message)
                _show(result, details)
            engine.end(sid)
            if audit:
                from colloquy.agent.audit import replay
                from colloquy.services.cli.agent_replay_cmd import print_replay

                print_replay(replay(store, sid))
            stdout.print(f"[dim]session {sid} — `colloquy agent replay {sid}` shows its audit[/]")
        finally:
            engine.parts.tools.close()


def _prompted() -> Iterator[str]:
    while True:
        try:
            message = stdout.input("[bold cyan]you>[/] ").strip()
        except EOFError:
            return
        if message.lower() in EXIT_WORDS:
            return
        if message:
            yield message


def _script_lines(path: Path) -> list[str]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read script {path}: {exc.strerror}", hint="give a text file, one line per turn"
        ) from exc
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise UsageError(f"script {path} has no customer lines", hint="write one message per line")
    return lines


def _show(result: TurnResult, details: bool) -> None:
    stdout.print(f"[bold green]agent>[/] {result.reply}")
    if not details:
        return
    where = f"{result.journey}/{result.state}" if result.journey else "no journey"
    tools = ", ".join(f"{o.tool}:{o.status.value}" for o in result.tool_outcomes) or "no tools"
    rules = ", ".join(result.guidelines) or "no guidelines"
    verdict = "—"
    if result.validation is not None:
        failed = sorted({v.check.value for v in result.validation.verdicts if not v.passed})
        verdict = f"fixed ({', '.join(failed)})" if result.validation.fixed else "passed"
    stdout.print(
        f"[dim]  {where} · {result.event.value} · {tools} · {rules} · validator {verdict} · "
        f"{result.timings.total:.0f} ms[/]",
        highlight=False,
    )
