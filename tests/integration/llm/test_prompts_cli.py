"""``colloquy prompts`` through the CLI's entry point: JSON on stdout, one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from colloquy.schema import Conversation, Speaker, Turn
from colloquy.services.cli.main import main
from colloquy.storage import Store


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_show_and_render(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "echo.prompt.j2").write_text(
        "---\nname: echo\nversion: 3\nformat: completion\nvariables:\n  n: int\n---\n"
        "Count to {{ n }}:\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "prompts", "list", "--dir", str(tmp_path), "-f", "json")
    assert code == 0
    listed = json.loads(out)
    assert {"insights", "intent_fewshot", "echo"} <= {p["name"] for p in listed}
    echo = next(p for p in listed if p["name"] == "echo")
    assert echo["variables"] == {"n": "int"}
    shown = json.loads(_run(capsys, "prompts", "show", "insights", "--format", "json")[1])
    assert shown["format"] == "chat"
    assert "{{ transcript }}" in shown["body"]
    _, out, _ = _run(
        capsys, "prompts", "render", "echo", "--dir", str(tmp_path), "--version", "3",
        "--var", "n=5", "-f", "json",
    )  # fmt: skip
    rendered = json.loads(out)
    assert rendered["messages"] == [{"role": "user", "content": "Count to 5:"}]
    assert rendered["content_hash"] == echo["content_hash"]
    code, out, _ = _run(capsys, "prompts", "list")
    assert code == 0
    assert "list[str]" in out


def test_render_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "prompts", "render", "intent_fewshot", "--var", "text=hi")
    assert code == 2
    assert "missing variable(s) labels (list[str]), examples" in err
    assert "Traceback" not in err
    code, _, err = _run(capsys, "prompts", "render", "intent_fewshot", "--var", "labels=[oops")
    assert code == 2
    assert "--var labels: a list[str] value is JSON" in err
    code, _, err = _run(capsys, "prompts", "show", "nope")
    assert code == 4
    assert "known prompts: " in err
    assert "insights, intent_fewshot" in err


def test_example_sets_import_list_and_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", url)
    rows = [
        Conversation(
            id=f"c{i}",
            source="test",
            channel="chat",
            started_at=datetime(2024, 1, 1, tzinfo=UTC),
            turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text=text),),
            labels={"intent": intent},
        )
        for i, (text, intent) in enumerate(
            [("I lost my card", "card_lost"), ("where is my refund", "refund")]
        )
    ]
    with Store.open(url) as store:
        store.ingest(dataset="tickets", source="test", conversations=rows)
    code, out, _ = _run(capsys, "prompts", "examples", "import", "bank", "--dataset", "tickets",
                        "-f", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out) | {"fingerprint": "-"} == {
        "set": "bank", "added": 2, "duplicates": 0, "examples": 2, "version": 1,
        "fingerprint": "-",
    }  # fmt: skip
    code, out, _ = _run(capsys, "prompts", "examples", "import", "bank", "--dataset", "tickets",
                        "-f", "json")  # fmt: skip
    assert (json.loads(out)["added"], json.loads(out)["duplicates"]) == (0, 2)
    [listed] = json.loads(_run(capsys, "prompts", "examples", "list", "-f", "json")[1])
    assert (listed["name"], listed["examples"], listed["version"]) == ("bank", 2, 1)
    history = json.loads(_run(capsys, "prompts", "examples", "history", "bank", "-f", "json")[1])
    assert [(h["version"], h["change"]) for h in history] == [(1, "import dataset tickets")]
    code, _, err = _run(capsys, "prompts", "examples", "history", "nope")
    assert code == 4
    assert "no example set named 'nope'" in err
    assert "Traceback" not in err
