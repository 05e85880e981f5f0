"""``colloquy analyze`` end to end: the real executable, a real SQLite file, real data slices.

Slices of SGD (flow, failure points, intents) and of the Twitter support threads (response
times per brand, sentiment trend) are ingested once per module; each format is run
through the executable, and a second run must reuse what the first one stored. Checks
that need no fresh process (other formats of a stored analysis, user errors) call the
same entry point in-process, which keeps the module's run time down.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import plotly.io as pio  # type: ignore[import-untyped]
import pytest

from colloquy.models.artifacts import staged_directory, write_arrays, write_json, write_model
from colloquy.services.cli.main import main

from .test_cli import run

ROOT = Path(__file__).resolve().parents[2]
SGD_DIALOGUES = 30
TWITTER_ROWS = 400
FIGURE = re.compile(
    r'<script type="application/json" class="colloquy-figure" data-target="([^"]+)">'
    r"(.*?)</script>",
    re.DOTALL,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> dict[str, str]:
    """A store holding an SGD slice (``sgd-slice``) and a Twitter slice (``tw-slice``)."""
    root = tmp_path_factory.mktemp("analyze")
    split = root / "sgd" / "dev"
    split.mkdir(parents=True)
    source = datasets_dir / "sgd" / "dev"
    (split / "schema.json").write_bytes((source / "schema.json").read_bytes())
    dialogues = json.loads((source / "dialogues_001.json").read_text(encoding="utf-8"))
    (split / "dialogues_001.json").write_text(
        json.dumps(dialogues[:SGD_DIALOGUES]), encoding="utf-8"
    )
    twitter = root / "twitter"
    twitter.mkdir()
    lines = (datasets_dir / "twitter_support" / "twcs_first5000.csv").read_text(encoding="utf-8")
    (twitter / "twcs.csv").write_text(
        "\n".join(lines.split("\n")[: TWITTER_ROWS + 1]) + "\n", encoding="utf-8"
    )
    environment = {
        "COLLOQUY_DATABASE_URL": f"sqlite:///{root / 'store.db'}",
        "COLLOQUY_HOME": str(root / "home"),
    }
    for loader, path, name in (
        ("sgd", root / "sgd", "sgd-slice"),
        ("twitter_support", twitter, "tw-slice"),
    ):
        result = run("data", "ingest", loader, str(path), "--dataset", name, env=environment)
        assert result.returncode == 0, result.stderr
    return environment


def _json(*args: str, env: dict[str, str]) -> dict[str, object]:
    result = run("analyze", *args, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    return payload


def test_json_is_the_stored_record_and_a_second_run_reuses_it(env: dict[str, str]) -> None:
    first = _json("sgd-slice", env=env)
    assert first["kind"] == "dataset"
    record = first["record"]
    assert isinstance(record, dict)
    assert record["dataset"] == "sgd-slice"
    assert record["conversations"] == SGD_DIALOGUES
    for field in ("sentiment", "dynamics", "failures", "failure_association", "flow", "outcomes"):
        assert field in record
    assert record["flow"]["edges"], "SGD frames give a flow graph"
    assert record["intents"]["shares"], "SGD intents are annotated"
    assert record["outcomes"]["resolution"]["n"] == SGD_DIALOGUES
    assert first["run"] == {
        "conversations": SGD_DIALOGUES,
        "computed": SGD_DIALOGUES,
        "reused": 0,
        "removed": 0,
        "unreadable": 0,
        "aggregate_reused": False,
    }
    second = _json("dataset", "sgd-slice", env=env)
    assert second["run"] == {**first["run"], "computed": 0, "reused": SGD_DIALOGUES,
                             "aggregate_reused": True}  # fmt: skip
    assert second["record"] == record, "the same record, byte-stable across processes"


def test_html_report_has_every_section_and_valid_figures(
    env: dict[str, str], tmp_path: Path
) -> None:
    page = tmp_path / "tw.html"
    result = run(
        "analyze", "tw-slice", "--from", "2017-01-01", "--filter", "channel=twitter",
        "--format", "html", "--output", str(page), env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = page.read_text(encoding="utf-8")
    assert "<script src" not in text, "plotly.js is inlined, no CDN"
    assert text.count("Plotly.newPlot") == 1
    for section in ("outcomes", "failures", "sentiment", "dynamics", "intents", "flow"):
        assert f'id="section-{section}"' in text
    figures = dict(FIGURE.findall(text))
    assert {"outcome-rates", "response-times", "sentiment-trend"} <= set(figures)
    for spec in figures.values():
        assert pio.from_json(spec).data
    histogram = json.loads(figures["response-times"])
    assert len(histogram["data"]) >= 2, "all replies, then per brand"
    assert "from 2017-01-01; channel in twitter" in text
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.usefixtures("inside")
def test_html_flow_is_a_sankey(tmp_path: Path) -> None:
    sgd_page = tmp_path / "sgd.html"
    assert main(["analyze", "sgd-slice", "-f", "html", "-o", str(sgd_page)]) == 0
    sankey = json.loads(dict(FIGURE.findall(sgd_page.read_text(encoding="utf-8")))["flow-sankey"])
    assert sankey["data"][0]["type"] == "sankey"
    assert "(end)" in sankey["data"][0]["node"]["label"]


@pytest.mark.usefixtures("inside")
def test_flow_png_is_drawn_from_the_stored_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "flow.png"
    assert main(["analyze", "sgd-slice", "--flow-png", str(picture)]) == 0
    data = picture.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000
    assert "flow picture written to" in capsys.readouterr().err
    assert not list(tmp_path.glob(".*partial"))
    untraced = tmp_path / "tw.png"
    assert main(["analyze", "tw-slice", "--flow-png", str(untraced)]) == 2
    err = capsys.readouterr().err
    assert "no dialogue states to draw" in err
    assert "--intent-model" in err
    assert [line for line in err.splitlines() if line.startswith("colloquy: error")] == [
        err.strip().splitlines()[-1]
    ]
    assert not untraced.exists()


@pytest.fixture
def inside(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The module's store for in-process :func:`main` calls."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("inside")
def test_table_format_prints_the_report_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "sgd-slice", "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["analyze", "sgd-slice", "--bucket", "week"]) == 0
    out, err = capsys.readouterr()
    for title in ("Outcome rates", "Failure points", "Sentiment per speaker", "Intents",
                  "Where conversations end"):  # fmt: skip
        assert title in out
    reaggregated = f"{SGD_DIALOGUES} conversations: 0 analysed, {SGD_DIALOGUES} reused"
    assert reaggregated in err, "weekly trends re-aggregate the stored daily analyses"


def test_one_transcript_file(env: dict[str, str], tmp_path: Path) -> None:
    call = ROOT / "examples" / "conversion" / "bike-call.txt"
    payload = _json("conversation", str(call), env=env)
    record = payload["record"]
    assert isinstance(record, dict)
    assert payload["kind"] == "conversation"
    assert record["conversation_id"] == "bike-call"
    assert record["dynamics"]["response_seconds"] is None, "an untimed call has no response time"
    assert record["sentiment"]["turns"]


@pytest.mark.usefixtures("inside")
def test_one_transcript_as_html(tmp_path: Path) -> None:
    call = ROOT / "examples" / "conversion" / "bike-call.txt"
    page = tmp_path / "call.html"
    assert main(["analyze", "conversation", str(call), "-f", "html", "-o", str(page)]) == 0
    assert "turn-sentiment" in dict(FIGURE.findall(page.read_text(encoding="utf-8")))


def _error(args: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == code
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("colloquy: error: ")
    return line


@pytest.mark.usefixtures("inside")
def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _error(["analyze", "nope"], 4, capsys)
    assert "no dataset named 'nope'" in line
    assert "sgd-slice" in line
    assert "tw-slice" in line
    named = _error(["analyze", "dataset", "conversation"], 4, capsys)
    assert "no dataset named 'conversation'" in named, "the long form reaches any dataset name"
    assert "--output" in _error(["analyze", "sgd-slice", "-f", "html"], 2, capsys)
    assert "colour" in _error(["analyze", "sgd-slice", "--filter", "colour=red"], 2, capsys)
    assert "--bucket" in _error(["analyze", "sgd-slice", "--bucket", "month"], 2, capsys)
    absent = str(tmp_path / "no-model")
    assert "no manifest.json" in _error(["analyze", "sgd-slice", "--sentiment", absent], 4, capsys)
    wrong = tmp_path / "conversion-model"
    with staged_directory(wrong, overwrite=True) as staging:
        write_json(staging / "settings.json", {"head": "logistic"})
        write_arrays(staging / "w.safetensors", {"w": np.ones((2, 2), np.float32)})
        write_model(staging, kind="conversion")
    line = _error(["analyze", "sgd-slice", "--intent-model", str(wrong)], 66, capsys)
    assert "not colloquy-intent" in line
    assert "colloquy train intent" in line


@pytest.mark.usefixtures("inside")
def test_intent_model_predicts_intents_for_unannotated_data(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A TF-IDF intent model trained on a BANKING77 sample labels Twitter threads and a call."""
    rows = (datasets_dir / "banking77" / "train.csv").read_text(encoding="utf-8").splitlines()
    sample = tmp_path / "b77.csv"
    sample.write_text("\n".join([rows[0], *rows[1::20]]) + "\n", encoding="utf-8")
    model = tmp_path / "intent"
    trained = main(
        ["train", "intent", "--data", str(sample), "--text-column", "text",
         "--label-column", "category", "--output", str(model), "--method", "tfidf"]
    )  # fmt: skip
    assert trained == 0
    capsys.readouterr()
    assert main(["analyze", "tw-slice", "--intent-model", str(model), "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)["record"]
    assert record["options"]["intent_model"] == str(model)
    assert record["intents"]["shares"], "Twitter has no intent labels: these are predictions"
    assert any(edge["source"] != "__start__" for edge in record["flow"]["edges"])
    call = ROOT / "examples" / "conversion" / "bike-call.txt"
    assert (
        main(["analyze", "conversation", str(call), "--intent-model", str(model), "-f", "json"])
        == 0
    )
    states = json.loads(capsys.readouterr().out)["record"]["trace"]["states"]
    assert all(s["intent"] for s in states if s["speaker"] == "customer")
