"""``colloquy agent``: the customer-service agent and the claims desk it serves."""

from __future__ import annotations

import typer

from colloquy.services.cli import (
    agent_chat_cmd,
    agent_journeys_cmd,
    agent_replay_cmd,
    agent_test_cmd,
    agent_voice_cmd,
)
from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table

app = typer.Typer(help="Run the customer-service agent and manage its desk.", no_args_is_help=True)
app.add_typer(agent_journeys_cmd.app, name="journeys")
app.add_typer(agent_voice_cmd.app, name="voice")
app.command("chat")(agent_chat_cmd.chat)
app.command("test")(agent_test_cmd.run_scenarios)
app.command("replay")(agent_replay_cmd.replay)
app.command("sessions")(agent_replay_cmd.sessions)


@app.command("seed")
def seed(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Write the demonstration customers, claims and knowledge base (safe to repeat)."""
    from colloquy.desk.seed import seed_desk

    with state(ctx).open_store() as store:
        report = seed_desk(store)
    rows = [
        (name, counts.inserted, counts.updated, counts.unchanged)
        for name, counts in (
            ("customers", report.customers),
            ("claims", report.claims),
            ("kb_articles", report.articles),
        )
    ]
    if fmt is OutputFormat.JSON:
        print_json(
            {
                name: {"inserted": ins, "updated": upd, "unchanged": same}
                for name, ins, upd, same in rows
            }
        )
        return
    print_table("desk seed", ["table", "inserted", "updated", "unchanged"], rows)
