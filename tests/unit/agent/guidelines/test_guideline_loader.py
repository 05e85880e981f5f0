"""Guideline YAML: the shipped rules load, and mistakes name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.agent.guidelines import (
    Scope,
    bundled_guidelines,
    load_guideline_files,
    parse_guidelines,
    save_guidelines,
    stored_guidelines,
)
from colloquy.agent.journeys import DefinitionError, bundled_journeys
from colloquy.errors import ConfigError
from colloquy.storage import Store

KNOWN = {j.name: frozenset(s.name for s in j.states) for j in bundled_journeys()}

FILE = """\
scope: journey
journey: claim_submission
guidelines:
  - name: ask_photos
    condition: the customer describes damage
    action: Ask for photos of the damage.
    keywords: [damage]
  - name: read_back
    state: submit
    condition: the claim was submitted
    action: Read the claim id back.
"""


def test_shipped_guidelines_cover_both_scopes_and_are_checked_against_journeys() -> None:
    guidelines = bundled_guidelines(KNOWN)
    assert 10 <= len(guidelines) <= 15
    scopes = {g.scope for g in guidelines}
    assert scopes == {Scope.GLOBAL, Scope.JOURNEY, Scope.STATE}
    verify = next(g for g in guidelines if g.name == "verify_before_account_data")
    assert verify.scope is Scope.GLOBAL
    assert verify.in_scope("knowledge_query", "answer")
    assert verify.source.endswith("compliance.yaml:4")


def test_scope_rules() -> None:
    ask, read_back = parse_guidelines(FILE, known_states=KNOWN)
    assert (ask.scope, ask.journey, ask.state) == (Scope.JOURNEY, "claim_submission", None)
    assert (read_back.scope, read_back.state) == (Scope.STATE, "submit")
    assert ask.in_scope("claim_submission", "confirm")
    assert not ask.in_scope("claim_inquiry", None)
    assert read_back.in_scope("claim_submission", "submit")
    assert not read_back.in_scope("claim_submission", "confirm")


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [
        (
            FILE.replace("state: submit", "state: sumbit"),
            9,
            "guidelines[1].state",
            "no state 'sumbit'",
        ),
        (
            FILE.replace("journey: claim_submission", "journey: claims"),
            2,
            "journey",
            "unknown journey",
        ),
        (
            FILE.replace("keywords: [damage]", "patterns: ['(unclosed']"),
            7,
            "guidelines[0].patterns[0]",
            "invalid regex",
        ),
        (FILE.replace("journey: claim_submission\n", ""), 1, "scope", "needs a 'journey'"),
        (FILE.replace("scope: journey", "scope: everywhere"), 1, "scope", "is not one of"),
        (
            FILE.replace("    action: Read", "    priority: high\n    action: Read"),
            11,
            "guidelines[1].priority",
            "not of type 'integer'",
        ),
        (
            FILE.replace("  - name: read_back", "  - name: ask_photos"),
            8,
            "guidelines[1].name",
            "duplicate guideline",
        ),
        (
            FILE.replace("    keywords: [damage]", "    keyword: [damage]"),
            7,
            "guidelines[0].keyword",
            "unknown key",
        ),
    ],
)
def test_mistakes_name_the_file_line_and_field(
    text: str, line: int, field: str, fragment: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_guidelines(text, "rules.yaml", known_states=KNOWN)
    error = caught.value
    assert (error.file, error.line, error.field) == ("rules.yaml", line, field)
    assert fragment in error.problem
    assert error.hint


def test_same_name_in_two_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(FILE)
    (tmp_path / "b.yaml").write_text(FILE)
    with pytest.raises(ConfigError, match="also defined in"):
        load_guideline_files([tmp_path / "a.yaml", tmp_path / "b.yaml"])


def test_guidelines_are_stored_once_per_version(store: Store) -> None:
    shipped = bundled_guidelines()
    assert save_guidelines(store, shipped) == len(shipped)
    assert save_guidelines(store, shipped) == 0
    edited = parse_guidelines(FILE.replace("Ask for photos", "Ask for two photos"))
    assert save_guidelines(store, edited) == 2
    assert save_guidelines(store, edited) == 0
    stored = {(g.name, g.content_hash): g for g in stored_guidelines(store)}
    assert len(stored) == len(shipped) + 2
    verify = next(g for g in shipped if g.name == "verify_before_account_data")
    again = stored[(verify.name, verify.content_hash)]
    assert (again.scope, again.priority, again.keywords) == (
        verify.scope,
        verify.priority,
        verify.keywords,
    )
