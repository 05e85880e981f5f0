"""Crafted model directories: every one is refused with an ArtifactError, and nothing runs.

Each attack starts from a real intent or conversion model directory and is made the way a
careful attacker would make it: files are replaced and the manifest's hashes (and its own
digest) recomputed, so the refusal comes from the check aimed at the attack, not from a
hash mismatch. Payloads write a canary file; the canary must never appear.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import pickle
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from colloquy.errors import ArtifactError
from colloquy.models.artifacts import manifest_digest
from colloquy.models.conversion import ConversionPredictor
from colloquy.models.intent import IntentClassifier
from colloquy.schema import Conversation, Turn

TEXTS = [
    "my card has not arrived yet",
    "where is my new card",
    "the card still hasn't come",
    "when will my card be delivered",
    "what exchange rate do you use",
    "how much is a euro in dollars",
    "is the exchange rate fair",
    "which rate applies to my transfer",
]
LABELS = ["card_arrival"] * 4 + ["exchange_rate"] * 4


@pytest.fixture(scope="module")
def intent_victim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("victims") / "intent"
    IntentClassifier(method="tfidf").fit(TEXTS, LABELS).save(directory)
    return directory


def _conversation(i: int, converted: bool) -> Conversation:
    said = "yes I will buy it, deal" if converted else "no thanks, too expensive for me"
    turns = (
        Turn(index=0, speaker="agent", text=f"hello, offer number {i} for you"),
        Turn(index=1, speaker="customer", text=said),
    )
    return Conversation(id=f"c{i}", source="test", turns=turns)


@pytest.fixture(scope="module")
def conversion_victim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("victims") / "conversion"
    labels = [i % 2 == 0 for i in range(24)]
    conversations = [_conversation(i, label) for i, label in enumerate(labels)]
    predictor = ConversionPredictor(blocks=("tfidf", "dynamics"), inner_folds=2, on_leakage="warn")
    predictor.fit(conversations, labels).save(directory)
    return directory


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    return tmp_path / "canary"


def copy_of(victim: Path, tmp_path: Path) -> Path:
    target = tmp_path / victim.name
    shutil.copytree(victim, target)
    return target


def reseal(directory: Path, edit: Callable[[dict[str, object]], None] | None = None) -> None:
    """Re-hash every file the manifest lists (and any edit), as an attacker would."""
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    files = manifest["files"]
    for name in list(files):
        file = directory / name
        if file.is_file():
            files[name] = hashlib.sha256(file.read_bytes()).hexdigest()
    if edit is not None:
        edit(manifest)
    manifest["sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def listing(*names: str) -> Callable[[dict[str, object]], None]:
    def add(manifest: dict[str, object]) -> None:
        files = manifest["files"]
        assert isinstance(files, dict)
        for name in names:
            files[name] = "0" * 64

    return add


def load_any(directory: Path) -> object:
    if directory.name == "intent":
        return IntentClassifier.load(directory)
    return ConversionPredictor.load(directory)


def refused(directory: Path, pattern: str, canary: Path) -> None:
    with pytest.raises(ArtifactError, match=pattern):
        load_any(directory)
    assert not canary.exists()


# ----------------------------------------------------------------- code in skops files


def payloads() -> dict[str, object]:
    return {
        "builtins.exec": FunctionTransformer(func=exec),
        "builtins.eval": FunctionTransformer(func=eval),
        "posix.system": FunctionTransformer(func=os.system),
        "operator.attrgetter": FunctionTransformer(func=operator.attrgetter("__globals__")),
        "operator.methodcaller": FunctionTransformer(
            func=operator.methodcaller("write_text", "owned")
        ),
    }


@pytest.mark.parametrize(
    "untrusted",
    [
        "builtins.exec",
        "builtins.eval",
        "posix.system",
        "operator.attrgetter",
        "operator.methodcaller",
    ],
)
def test_a_block_model_that_references_code_is_refused(
    untrusted: str, conversion_victim: Path, tmp_path: Path, canary: Path
) -> None:
    model = copy_of(conversion_victim, tmp_path)
    state = {
        "block_models": {"tfidf": payloads()[untrusted], "dynamics": None},
        "stacker": None,
        "encoder": None,
    }
    sio.dump(state, model / "model.skops")
    reseal(model)
    refused(model, rf"model\.skops needs types colloquy does not trust: {untrusted}", canary)


def test_the_payload_is_live_when_trusted(tmp_path: Path) -> None:
    """Control: what the refusal prevents really runs code once loaded and used."""
    canary = tmp_path / "control-canary"
    data = sio.dumps(FunctionTransformer(func=os.system))
    gadget = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    gadget.transform(f"touch {canary}")
    assert canary.exists()


def test_the_reported_exploit_is_refused_by_the_cli_with_exit_66(
    intent_victim: Path, tmp_path: Path, canary: Path
) -> None:
    model = copy_of(intent_victim, tmp_path)
    sio.dump(FunctionTransformer(func=exec), model / "head.skops")
    reseal(model, listing("head.skops"))
    reseal(model)
    done = subprocess.run(
        [sys.executable, "-m", "colloquy", "predict", "intent", "--model", str(model), "hi"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 66, done.stderr
    assert "head.skops needs types colloquy does not trust: builtins.exec" in done.stderr
    assert "Traceback" not in done.stderr
    assert not canary.exists()


class Pickled:
    def __init__(self, canary: Path) -> None:
        self.canary = canary

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.canary}",))


def test_a_pickle_renamed_to_skops_is_refused(
    conversion_victim: Path, tmp_path: Path, canary: Path
) -> None:
    model = copy_of(conversion_victim, tmp_path)
    (model / "model.skops").write_bytes(pickle.dumps(Pickled(canary)))
    reseal(model)
    refused(model, r"model\.skops is not a valid skops file", canary)


# ----------------------------------------------------------------- lying data files


def safetensors_bytes(header: dict[str, object], payload: bytes) -> bytes:
    raw = json.dumps(header).encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw + payload


@pytest.mark.parametrize(
    ("header", "payload", "pattern"),
    [
        (
            {"weights": {"dtype": "F32", "shape": [100000, 1], "data_offsets": [0, 400000]}},
            b"\0" * 16,
            r"tfidf_head\.safetensors is corrupt",
        ),
        (
            {"weights": {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 8]}},
            b"\0" * 8,
            r"tfidf_head\.safetensors holds arrays \['weights'\], expected",
        ),
    ],
)
def test_a_safetensors_file_that_lies_about_its_contents_is_refused(
    header: dict[str, object],
    payload: bytes,
    pattern: str,
    intent_victim: Path,
    tmp_path: Path,
    canary: Path,
) -> None:
    model = copy_of(intent_victim, tmp_path)
    (model / "tfidf_head.safetensors").write_bytes(safetensors_bytes(header, payload))
    reseal(model)
    refused(model, pattern, canary)


def test_arrays_of_the_wrong_shape_are_refused(
    intent_victim: Path, tmp_path: Path, canary: Path
) -> None:
    from safetensors.numpy import save_file

    model = copy_of(intent_victim, tmp_path)
    save_file(
        {"weights": np.zeros((3, 1), np.float32), "bias": np.zeros(1, np.float32)},
        str(model / "tfidf_head.safetensors"),
    )
    reseal(model)
    refused(model, r"array 'weights' has shape \(3, 1\), expected \(\d+, 1\)", canary)


# ----------------------------------------------------------------- paths and links


def test_a_symlink_to_a_file_outside_is_refused(
    intent_victim: Path, tmp_path: Path, canary: Path
) -> None:
    model = copy_of(intent_victim, tmp_path)
    outside = tmp_path / "outside.json"
    shutil.move(model / "tfidf.json", outside)
    (model / "tfidf.json").symlink_to(outside)
    refused(model, r"tfidf\.json is a symbolic link", canary)


def test_a_symlinked_folder_is_refused(intent_victim: Path, tmp_path: Path, canary: Path) -> None:
    model = copy_of(intent_victim, tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (model / "onnx").symlink_to(tmp_path / "elsewhere")
    refused(model, r"onnx is a symbolic link", canary)


@pytest.mark.parametrize("name", ["../outside.json", "/etc/passwd.json", "a/../../b.json"])
def test_a_manifest_pointing_outside_the_directory_is_refused(
    name: str, intent_victim: Path, tmp_path: Path, canary: Path
) -> None:
    model = copy_of(intent_victim, tmp_path)
    (tmp_path / "outside.json").write_text("{}", encoding="utf-8")
    reseal(model, listing(name))
    refused(model, "which is not a path inside the model", canary)


def test_a_file_format_that_can_hold_code_is_refused(
    intent_victim: Path, tmp_path: Path, canary: Path
) -> None:
    model = copy_of(intent_victim, tmp_path)
    (model / "encoder").mkdir()
    (model / "encoder" / "pytorch_model.bin").write_bytes(pickle.dumps(Pickled(canary)))
    reseal(model, listing("encoder/pytorch_model.bin"))
    reseal(model)
    refused(model, r"\.bin files are not allowed in a model directory", canary)


def test_an_encoder_naming_foreign_modules_is_refused(
    intent_victim: Path, tmp_path: Path, canary: Path
) -> None:
    model = copy_of(intent_victim, tmp_path)
    (model / "encoder").mkdir()
    modules = [{"idx": 0, "name": "0", "path": "", "type": "os.system"}]
    (model / "encoder" / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    reseal(model, listing("encoder/modules.json"))
    reseal(model)
    refused(model, "names modules colloquy does not trust: os.system", canary)


# ----------------------------------------------------------------- tampering


def test_an_edited_manifest_is_refused(intent_victim: Path, tmp_path: Path, canary: Path) -> None:
    model = copy_of(intent_victim, tmp_path)
    path = model / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["threshold"] = 0.0
    path.write_text(json.dumps(manifest), encoding="utf-8")
    refused(model, r"manifest\.json was edited after the model was saved", canary)


def test_an_edited_file_is_refused(conversion_victim: Path, tmp_path: Path, canary: Path) -> None:
    model = copy_of(conversion_victim, tmp_path)
    with (model / "model.skops").open("ab") as handle:
        handle.write(b"\0")
    refused(model, r"model\.skops is not the file that was saved \(SHA-256 mismatch\)", canary)


@pytest.mark.parametrize("victim", ["intent", "conversion"])
def test_an_unexpected_or_missing_file_is_refused(
    victim: str, intent_victim: Path, conversion_victim: Path, tmp_path: Path, canary: Path
) -> None:
    source = intent_victim if victim == "intent" else conversion_victim
    model = copy_of(source, tmp_path)
    (model / "notes.txt").write_text("hello", encoding="utf-8")
    refused(model, r"notes\.txt is not part of the saved model", canary)
    (model / "notes.txt").unlink()
    first = sorted(p for p in model.iterdir() if p.name != "manifest.json")[0]
    first.unlink()
    refused(model, rf"{first.name} is missing \(listed in the manifest\)", canary)


def test_the_victims_themselves_load(intent_victim: Path, conversion_victim: Path) -> None:
    assert IntentClassifier.load(intent_victim).predict(["where is my card"])[0] == "card_arrival"
    converted = ConversionPredictor.load(conversion_victim).predict([_conversation(99, True)])
    assert converted.shape == (1,)
