"""Audit payloads: one JSON spelling per record, whatever order fields or sets were built in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from colloquy.agent.audit import payload_json
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus
from colloquy.agent.turn import Check, ValidationOutcome, Verdict


class _Result(BaseModel):
    claim_number: str
    amount: float


@dataclass(frozen=True)
class _Inner:
    names: frozenset[str]
    when: date


@dataclass(frozen=True)
class _Outer:
    inner: _Inner
    values: dict[str, int]
    ratio: float


def test_records_serialise_with_sorted_keys_and_sorted_sets() -> None:
    one = _Outer(_Inner(frozenset({"b", "a", "c"}), date(2026, 3, 14)), {"z": 1, "a": 2}, 0.5)
    two = _Outer(_Inner(frozenset({"c", "a", "b"}), date(2026, 3, 14)), {"a": 2, "z": 1}, 0.5)
    text = payload_json(one)
    assert text == payload_json(two)
    assert text == (
        '{"inner":{"names":["a","b","c"],"when":"2026-03-14"},"ratio":0.5,"values":{"a":2,"z":1}}'
    )


def test_stage_records_of_the_agent_round_trip_as_json() -> None:
    outcome = ToolOutcome(
        "get_claim_status",
        ToolStatus.OK,
        '{"claim_number":"CLM-2026-00001"}',
        _Result(claim_number="CLM-2026-00001", amount=12.5),
        None,
        False,
        0.01,
    )
    data = json.loads(payload_json(outcome))
    assert data["status"] == "ok"
    assert data["result"] == {"claim_number": "CLM-2026-00001", "amount": 12.5}
    validation = ValidationOutcome(
        "Hello.", (Verdict(Check.GROUNDING, 0, "Hello.", True),), fixed=False, latency_ms=1.5
    )
    verdicts = json.loads(payload_json(validation))["verdicts"]
    assert verdicts == [
        {
            "check": "grounding",
            "fix": "",
            "passed": True,
            "reason": "",
            "sentence": "Hello.",
            "sentence_index": 0,
        }
    ]


def test_strings_are_kept_when_json_and_quoted_when_not() -> None:
    assert payload_json('{"b": 1, "a": 2}') == '{"b": 1, "a": 2}'
    assert payload_json("hello") == '"hello"'
    assert payload_json("") == '""'


def test_non_finite_floats_become_null_and_datetimes_iso() -> None:
    assert payload_json([float("nan"), datetime(2026, 1, 2, 3, 4, tzinfo=UTC)]) == (
        '[null,"2026-01-02T03:04:00+00:00"]'
    )


def test_a_value_with_no_json_form_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot hold a PosixPath"):
        payload_json({"path": Path("/tmp")})
