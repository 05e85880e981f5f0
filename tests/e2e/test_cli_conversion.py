"""``colloquy train|evaluate|predict conversion`` through the real executable (the CLI contract)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colloquy.data.loaders import get_loader

from .test_cli import assert_one_line_error, run

FAST_CONFIG = """\
blocks: [tfidf, metadata, dynamics, prices]
price_reference: listing_price
metadata_ratios: [[buyer_target, listing_price]]
inner_folds: 3
"""

CALL = """\
Buyer: Hi, is the mountain bike still for sale?
Seller: Yes it is. It's in great shape, new tires last month.
Buyer: Would you take $120 for it? I can pick it up today.
Seller: That's a bit low. I could do 160.
Buyer: How about 140 and I bring cash?
Seller: Deal, 140 works for me.
"""


@pytest.fixture(scope="module")
def files(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """CraigslistBargain exported as colloquy conversation JSONL (the users' own format)."""
    folder = tmp_path_factory.mktemp("conversion")
    conversations = list(
        get_loader("craigslist_bargain").load(datasets_dir / "craigslist_bargain" / "dev.json")
    )
    lines = [c.model_dump_json() for c in conversations]
    paths = {
        "train": folder / "train.jsonl",
        "test": folder / "test.jsonl",
        "config": folder / "fast.yaml",
        "call": folder / "call.txt",
        "metadata": folder / "metadata.json",
    }
    paths["train"].write_text("\n".join(lines[:450]) + "\n", encoding="utf-8")
    paths["test"].write_text("\n".join(lines[450:]) + "\n", encoding="utf-8")
    paths["config"].write_text(FAST_CONFIG, encoding="utf-8")
    paths["call"].write_text(CALL, encoding="utf-8")
    metadata = {"listing_price": 200, "buyer_target": 130, "category": "bike"}
    paths["metadata"].write_text(json.dumps(metadata), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def model(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("models") / "deals"
    trained = run(
        "train", "conversion", "--source", "jsonl", "--data", str(files["train"]),
        "--output", str(directory), "--config", str(files["config"]), "--format", "json",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    manifest = json.loads(trained.stdout)
    assert manifest["format"] == "colloquy-conversion"
    assert manifest["blocks"] == ["tfidf", "metadata", "dynamics", "prices"]
    assert (
        manifest["metrics"]["training_conversations"]
        + manifest["metrics"]["no_customer_turn_left_out"]
        == 450
    )
    return directory


def test_evaluate_reports_the_contract_keys(model: Path, files: dict[str, Path]) -> None:
    full = run(
        "evaluate", "conversion", "--model", str(model), "--source", "jsonl",
        "--data", str(files["test"]), "--format", "json",
    )  # fmt: skip
    assert full.returncode == 0, full.stderr
    at_60 = run(
        "evaluate", "conversion", "--model", str(model), "--source", "jsonl",
        "--data", str(files["test"]), "--prefix-ratio", "0.6", "--format", "json",
    )  # fmt: skip
    assert at_60.returncode == 0, at_60.stderr
    whole, partial = json.loads(full.stdout), json.loads(at_60.stdout)
    for result in (whole, partial):
        assert {"roc_auc", "pr_auc", "brier", "n", "log_loss", "lift_top_decile"} <= set(result)
        assert result["n"] + result["no_customer_turn_left_out"] == 643 - 450
    assert partial["prefix_ratio"] == 0.6
    assert whole["roc_auc"] > partial["roc_auc"] > 0.65


def test_predict_explains_one_call(model: Path, files: dict[str, Path]) -> None:
    result = run(
        "predict", "conversion", "--model", str(model), "--transcript", str(files["call"]),
        "--metadata", f"@{files['metadata']}", "--speaker", "Buyer=customer",
        "--speaker", "Seller=agent", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert 0 < payload["probability"] < 1
    assert len(payload["running_probability"]) == 6
    assert payload["running_probability"][-1] == pytest.approx(payload["probability"], abs=1e-4)
    explanation = payload["explanation"]
    assert {b["block"] for b in explanation["blocks"]} == {
        "tfidf",
        "metadata",
        "dynamics",
        "prices",
    }
    assert explanation["top_features"]
    assert explanation["key_turns"]
    kinds = {i["kind"] for i in payload["insights"]["insights"]}
    assert {"price_mention", "question"} <= kinds
    table = run(
        "predict", "conversion", "--model", str(model), "--transcript", str(files["call"]),
        "--metadata", '{"listing_price": 200, "category": "never-seen"}',
        "--speaker", "Buyer=customer", "--speaker", "Seller=agent",
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "turns that moved the score" in table.stdout


def test_bad_input_gets_one_line_errors(
    model: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    unknown = run(
        "train", "conversion", "--source", "salesforce", "--data", str(files["train"]),
        "--output", str(tmp_path / "m"),
    )  # fmt: skip
    assert_one_line_error(unknown, 2, "salesforce", "persuasion4good")
    mismatch = run(
        "train", "conversion", "--source", "persuasion4good", "--data", str(files["train"]),
        "--output", str(tmp_path / "m"),
    )  # fmt: skip
    assert_one_line_error(mismatch, 65, "persuasion4good")
    bad_json = run(
        "predict", "conversion", "--model", str(model), "--transcript", str(files["call"]),
        "--metadata", "{listing_price: 200",
    )  # fmt: skip
    assert_one_line_error(bad_json, 2, "--metadata")
    docx = tmp_path / "call.docx"
    docx.write_bytes(b"PK\x03\x04 not a transcript")
    unknown_format = run(
        "predict", "conversion", "--model", str(model), "--transcript", str(docx)
    )  # fmt: skip
    assert_one_line_error(unknown_format, 2, "call.docx", "unknown transcript format", ".vtt")
    agent_only = tmp_path / "agent.txt"
    agent_only.write_text("Agent: Hello?\nAgent: Anyone there?\n", encoding="utf-8")
    silent = run("predict", "conversion", "--model", str(model), "--transcript", str(agent_only))
    assert_one_line_error(silent, 65, "no customer turn")


TINY_CONTRASTIVE_CONFIG = """\
blocks: [embedding, metadata]
inner_folds: 3
contrastive: {max_examples_per_class: 24, max_seq_length: 16, batch_size: 8}
contrastive_min_gain: -1
"""


def test_contrastive_encoder_is_trained_saved_and_used(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """A real (tiny) fine-tune through the CLI; the config's settings win over --contrastive's."""
    train = tmp_path / "train.jsonl"
    train.write_text(
        "".join(files["train"].read_text(encoding="utf-8").splitlines(True)[:60]), encoding="utf-8"
    )
    config = tmp_path / "contrastive.yaml"
    config.write_text(TINY_CONTRASTIVE_CONFIG, encoding="utf-8")
    directory = tmp_path / "tuned"
    trained = run(
        "train", "conversion", "--source", "jsonl", "--data", str(train), "--output",
        str(directory), "--config", str(config), "--contrastive",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "contrastive encoder" in trained.stdout
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    choice = manifest["encoder_choice"]
    assert choice["kept"] is True
    assert choice["min_gain"] == -1
    assert choice["customer_turns"] > 0
    assert (directory / "encoder" / "config.json").is_file()
    predicted = run(
        "predict", "conversion", "--model", str(directory), "--transcript", str(files["call"]),
        "--speaker", "Buyer=customer", "--speaker", "Seller=agent", "--format", "json",
    )  # fmt: skip
    assert predicted.returncode == 0, predicted.stderr
    assert 0 < json.loads(predicted.stdout)["probability"] < 1


def test_metadata_files_and_speaker_maps_fail_in_one_line(
    model: Path, files: dict[str, Path], tmp_path: Path
) -> None:
    base = ("predict", "conversion", "--model", str(model), "--transcript", str(files["call"]))
    missing = run(*base, "--metadata", f"@{tmp_path / 'absent.json'}")
    assert_one_line_error(missing, 4, "absent.json")
    folder = run(*base, "--metadata", f"@{tmp_path}")
    assert_one_line_error(folder, 73, str(tmp_path))
    broken = tmp_path / "broken.json"
    broken.write_text('{"listing_price": 200,\n', encoding="utf-8")
    bad = run(*base, "--metadata", f"@{broken}")
    assert_one_line_error(bad, 65, "broken.json", "not valid JSON", "line 2")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    not_object = run(*base, "--metadata", f"@{listed}")
    assert_one_line_error(not_object, 2, "list.json", "JSON object")
    role = run(*base, "--speaker", "Buyer=client")
    assert_one_line_error(role, 2, "Buyer=client", "customer")
    shape = run(*base, "--speaker", "Buyer")
    assert_one_line_error(shape, 2, "NAME=ROLE")
