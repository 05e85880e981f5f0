"""Template files are checked when they load, and a mistake names the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.agent.respond.contexts import Desk

from colloquy.agent.journeys.validation import DefinitionError
from colloquy.agent.respond import (
    Move,
    TemplateResponder,
    load_responses,
    parse_responses,
    responses_folder,
    shipped_responses,
)
from colloquy.agent.turn import TurnContext, TurnEvent
from colloquy.errors import ConfigError


def _common(events: tuple[TurnEvent, ...] = tuple(TurnEvent)) -> str:
    return "responses:\n" + "".join(
        f"  fallback.{e.value}:\n    move: fallback\n    event: {e.value}\n    text: Sorry.\n"
        for e in events
    )


COMMON = _common()


def _load(text: str, desk: Desk | None = None) -> None:
    parse_responses(
        [("common.yaml", COMMON), ("claims.yaml", text)],
        journeys=desk.journeys.values() if desk is not None else None,
        guidelines=desk.guidelines if desk is not None else None,
    )


def _error(text: str, desk: Desk | None = None) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        _load(text, desk)
    return caught.value


def test_the_shipped_templates_load_and_cover_every_move() -> None:
    catalog = shipped_responses()
    assert {t.move for t in catalog.templates} == set(Move)
    assert len({t.id for t in catalog.templates}) == len(catalog)
    files = sorted(p.name for p in responses_folder().glob("*.yaml"))
    assert files == [
        "claim_inquiry.yaml",
        "claim_submission.yaml",
        "common.yaml",
        "knowledge_query.yaml",
    ]


def test_a_folder_of_files_loads_like_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "common.yaml").write_text(COMMON, encoding="utf-8")
    catalog = load_responses([tmp_path / "common.yaml"])
    ctx = TurnContext(session_id="s", turn=0, message="", event=TurnEvent.GREETING)
    reply = TemplateResponder(catalog).respond(ctx)
    assert (reply.text, reply.template_ids) == ("Sorry.", ("fallback.greeting",))


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [
        (
            "responses:\n  hello:\n    move: opener\n    event: greeting\n    txt: Hi.\n",
            5,
            "responses.hello.txt",
            "unknown key",
        ),
        (
            "responses:\n  hello:\n    move: wave\n    text: Hi.\n",
            3,
            "responses.hello.move",
            "is not one of",
        ),
        (
            "responses:\n  hello:\n    move: opener\n    text: Hi.\n",
            3,
            "responses.hello",
            "needs 'event'",
        ),
        (
            "responses:\n  hello:\n    move: opener\n    event: confirm\n    text: Hi.\n",
            4,
            "responses.hello.event",
            "an opener speaks for",
        ),
        (
            "responses:\n  ask:\n    move: ask\n    slot: claim_id\n    tool: x\n    text: Hi.\n",
            5,
            "responses.ask.tool",
            "does not take 'tool'",
        ),
        (
            "responses:\n  a:\n    move: done\n    text: 'Hi {nonsense}.'\n",
            4,
            "responses.a.text",
            "unknown variable {nonsense}",
        ),
        (
            "responses:\n  a:\n    move: done\n    text: Hi.\n"
            "    strict: 'Your number {slot.phone}.'\n",
            5,
            "responses.a.strict",
            "would read personal data back",
        ),
        (
            "responses:\n  a:\n    move: tool\n    tool: get_claim_status\n    outcome: ok\n"
            "    text: 'Your new claim is {new_claim_id}.'\n",
            6,
            "responses.a.text",
            "is not in get_claim_status's result",
        ),
        (
            "responses:\n  a:\n    move: tool\n    tool: search_knowledge_base\n"
            "    outcome: ok\n    status: paid\n    text: Hi.\n",
            6,
            "responses.a.status",
            "claim status",
        ),
        (
            "responses:\n  a:\n    move: opener\n    event: no_journey\n    pattern: '(oops'\n"
            "    text: Hi.\n",
            5,
            "responses.a.pattern",
            "invalid regular expression",
        ),
        (
            "responses:\n  a:\n    move: state\n    state: ask_claim\n    text: Hi.\n",
            4,
            "responses.a.state",
            "a state needs a journey",
        ),
        (
            "responses:\n  a:\n    move: done\n    text: Bye.\n  b:\n"
            "    move: done\n    text: Ciao.\n",
            6,
            "responses.b",
            "never chosen: 'a'",
        ),
        (
            "responses:\n  fallback.greeting:\n    move: done\n    text: Bye.\n",
            3,
            "responses.fallback.greeting",
            "also defined in common.yaml",
        ),
        ("responses:\n  a: [unclosed\n", 3, "(document)", "invalid YAML"),
        ("responses: {}\n", 1, "responses", "should be non-empty"),
        (
            "responses:\n  Bad-Id:\n    move: done\n    text: Bye.\n",
            2,
            "responses",
            "does not match",
        ),
    ],
)
def test_a_broken_file_says_where_and_what(text: str, line: int, key: str, problem: str) -> None:
    error = _error(text)
    assert (error.file, error.line, error.field) == ("claims.yaml", line, key)
    assert problem in error.problem
    assert error.hint
    assert str(error).startswith(f"claims.yaml:{line}: {key}: ")


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (
            "journey: claim_enquiry\nresponses:\n  a:\n    move: done\n    text: Hi.\n",
            "journey",
            "no journey named 'claim_enquiry'",
        ),
        (
            "journey: claim_inquiry\nresponses:\n  a:\n    move: state\n"
            "    state: report\n    text: Hi.\n",
            "responses.a.state",
            "has no state 'report'",
        ),
        (
            "journey: claim_inquiry\nresponses:\n  a:\n    move: ask\n"
            "    slot: amount\n    text: Hi.\n",
            "responses.a.slot",
            "has no slot 'amount'",
        ),
        (
            "journey: claim_inquiry\nresponses:\n  a:\n    move: confirm\n"
            "    text: 'About ${slot.amount}?'\n",
            "responses.a.text",
            "has no slot 'amount'",
        ),
        (
            "responses:\n  a:\n    move: guideline\n    guideline: be_nice\n    text: Hi.\n",
            "responses.a.guideline",
            "no guideline named 'be_nice'",
        ),
    ],
)
def test_names_are_checked_against_the_journeys_and_guidelines(
    text: str, key: str, problem: str, desk: Desk
) -> None:
    error = _error(text, desk)
    assert error.field == key
    assert problem in error.problem


def test_every_event_needs_a_fallback() -> None:
    without = _common(tuple(e for e in TurnEvent if e is not TurnEvent.CONFIRM))
    with pytest.raises(ConfigError, match="no fallback for event\\(s\\) confirm"):
        parse_responses([("common.yaml", without)])


def test_a_template_with_variables_may_be_backed_by_a_plainer_one() -> None:
    _load(
        "journey: claim_inquiry\nresponses:\n  named:\n    move: done\n"
        "    text: 'Bye {first_name}.'\n"
        "  plain:\n    move: done\n    text: Bye.\n"
    )
