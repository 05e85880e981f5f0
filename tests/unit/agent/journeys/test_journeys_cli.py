"""``colloquy agent journeys list|validate`` on the shipped and on broken files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from colloquy.agent.journeys import DefinitionError
from colloquy.services.cli.agent_journeys_cmd import app

runner = CliRunner()


def test_list_shows_the_shipped_journeys_as_json() -> None:
    result = runner.invoke(app, ["list", "--format", "json"])
    assert result.exit_code == 0, result.output
    names = {row["name"]: row for row in json.loads(result.output)}
    assert set(names) == {"claim_inquiry", "claim_submission", "knowledge_query"}
    assert names["claim_inquiry"]["states"] == 5


def test_validate_checks_shipped_files_and_reports_a_broken_one(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    kinds = [row["kind"] for row in json.loads(ok.output)]
    assert kinds == ["journey", "journey", "journey", "guidelines"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("scope: global\nguidelines:\n  - name: x\n    condition: 12345\n")
    failed = runner.invoke(app, ["validate", str(broken)])
    assert isinstance(failed.exception, DefinitionError)
    assert failed.exception.line == 4
    assert failed.exception.field == "guidelines[0].condition"
