"""Journey YAML: the shipped files load, and every kind of mistake names file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from colloquy.agent.journeys import (
    DefinitionError,
    SlotType,
    bundled_journeys,
    load_journey,
    load_journeys,
    parse_journey,
)
from colloquy.errors import ConfigError

GOOD = """\
name: demo
version: 1
title: Demo
triggers: [hello there, good morning]
slots:
  - {name: claim_id, type: claim_id, prompt: "Which claim?"}
states:
  - name: ask
    instruction: Ask for the claim.
    required_slots: [claim_id]
    transitions:
      - {to: done, when: slot:claim_id}
  - name: done
    instruction: Close.
    final: true
"""


def test_bundled_journeys_load_with_states_slots_and_tools() -> None:
    journeys = {j.name: j for j in bundled_journeys()}
    assert set(journeys) == {"claim_inquiry", "claim_submission", "knowledge_query"}
    inquiry = journeys["claim_inquiry"]
    assert inquiry.initial_state == "verify_identity"
    assert inquiry.state("verify_identity").tool is not None
    assert inquiry.state("report_status").tool.tool == "get_claim_status"  # type: ignore[union-attr]
    assert inquiry.slot("claim_id").type is SlotType.CLAIM_ID
    submission = journeys["claim_submission"]
    assert submission.state("submit").tool.result_slot == "claim_id"  # type: ignore[union-attr]
    assert all(len(j.content_hash) == 16 for j in journeys.values())


def test_content_hash_ignores_formatting_but_not_content() -> None:
    first = parse_journey(GOOD)
    reformatted = parse_journey(yaml.safe_dump(yaml.safe_load(GOOD), default_flow_style=False))
    changed = parse_journey(GOOD.replace("Ask for the claim.", "Ask for the claim id."))
    assert first.content_hash == reformatted.content_hash
    assert first.content_hash != changed.content_hash


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [
        (GOOD.replace("version: 1", "version: one"), 2, "version", "is not of type 'integer'"),
        (
            GOOD.replace("    final: true", "    final: true\n    colour: red"),
            16,
            "states[1].colour",
            "unknown key",
        ),
        (
            GOOD.replace("{to: done,", "{to: finish,"),
            12,
            "states[0].transitions[0].to",
            "unknown state 'finish'",
        ),
        (
            GOOD.replace("required_slots: [claim_id]", "required_slots: [policy]"),
            10,
            "states[0].required_slots[0]",
            "unknown slot 'policy'",
        ),
        (GOOD.replace("type: claim_id,", "type: claimid,"), 6, "slots[0].type", "is not one of"),
        (GOOD.replace("    final: true\n", ""), 13, "states[1]", "no transitions and is not final"),
        (
            GOOD.replace("when: slot:claim_id", "when: sometimes"),
            12,
            "states[0].transitions[0].when",
            "does not match",
        ),
        (GOOD.replace("title: Demo\n", ""), 1, "(document)", "'title' is a required property"),
        (
            GOOD.replace("  - name: done", "  - name: ask"),
            13,
            "states[1].name",
            "duplicate state name",
        ),
    ],
)
def test_mistakes_name_the_file_line_and_field(
    text: str, line: int, field: str, fragment: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_journey(text, "demo.yaml")
    error = caught.value
    assert (error.file, error.line, error.field) == ("demo.yaml", line, field)
    assert fragment in error.problem
    assert error.hint
    assert str(error).startswith(f"demo.yaml:{line}: {field}: ")


def test_yaml_syntax_error_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace("  - name: done", "  - name: [done"))
    with pytest.raises(DefinitionError, match=r"broken\.yaml:\d+: \(document\): invalid YAML"):
        load_journey(path)


def test_same_name_and_version_in_two_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("Close.", "Say goodbye."))
    with pytest.raises(ConfigError, match="version 1 is also defined in"):
        load_journeys([tmp_path / "a.yaml", tmp_path / "b.yaml"])


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_journey(tmp_path / "absent.yaml")
