"""``colloquy prompts`` through the real executable: JSON on stdout, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "colloquy", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=120,
        check=False,
    )


def test_list_show_and_render(tmp_path: Path) -> None:
    (tmp_path / "echo.prompt.j2").write_text(
        "---\nname: echo\nversion: 3\nformat: completion\nvariables:\n  n: int\n---\n"
        "Count to {{ n }}:\n",
        encoding="utf-8",
    )
    listed = json.loads(_run("prompts", "list", "--dir", str(tmp_path), "-f", "json").stdout)
    assert {"insights", "intent_fewshot", "echo"} <= {p["name"] for p in listed}
    echo = next(p for p in listed if p["name"] == "echo")
    assert echo["variables"] == {"n": "int"}
    shown = json.loads(_run("prompts", "show", "insights", "--format", "json").stdout)
    assert shown["format"] == "chat"
    assert "{{ transcript }}" in shown["body"]
    result = _run(
        "prompts", "render", "echo", "--dir", str(tmp_path), "--version", "3",
        "--var", "n=5", "-f", "json",
    )  # fmt: skip
    rendered = json.loads(result.stdout)
    assert rendered["messages"] == [{"role": "user", "content": "Count to 5:"}]
    assert rendered["content_hash"] == echo["content_hash"]


def test_render_errors_are_one_line() -> None:
    missing = _run("prompts", "render", "intent_fewshot", "--var", "text=hi")
    assert missing.returncode == 2
    assert "missing variable(s) labels (list[str]), examples" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_json = _run("prompts", "render", "intent_fewshot", "--var", "labels=[oops")
    assert bad_json.returncode == 2
    assert "--var labels: a list[str] value is JSON" in bad_json.stderr
    unknown = _run("prompts", "show", "nope")
    assert unknown.returncode == 4
    assert "known prompts: insights, intent_fewshot" in unknown.stderr
