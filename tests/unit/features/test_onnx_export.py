"""Where ONNX exports go and when they are reused (the exporter is faked: this is fast)."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from colloquy.errors import ConfigError
from colloquy.features.embeddings import onnx_export
from colloquy.features.embeddings.onnx_export import ensure_onnx, file_state


def tiny_model(fingerprint: str | None) -> onnx.ModelProto:
    value = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    result = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [value], [result])
    model = helper.make_model(graph)
    if fingerprint is not None:
        helper.set_model_props(model, {onnx_export.FINGERPRINT_KEY: fingerprint})
    return model


class FakeExporter:
    """Stands in for the real export and quantisation; records what was built."""

    def __init__(self) -> None:
        self.built: list[Path] = []

    def export(self, model_dir: Path, target: Path, *, fingerprint: str) -> None:
        self._write(target, fingerprint)

    def quantize(self, source: Path, target: Path, *, fingerprint: str) -> None:
        assert file_state(source, fingerprint) == "current"
        self._write(target, fingerprint)

    def _write(self, target: Path, fingerprint: str) -> None:
        with onnx_export._atomic_path(target) as tmp:
            onnx.save_model(tiny_model(fingerprint), str(tmp))
        self.built.append(target)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeExporter:
    exporter = FakeExporter()
    monkeypatch.setattr(onnx_export, "export_onnx", exporter.export)
    monkeypatch.setattr(onnx_export, "quantize_onnx", exporter.quantize)
    return exporter


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    return folder


def test_the_export_sits_beside_a_writable_model_and_is_reused(
    fake: FakeExporter, model_dir: Path, tmp_path: Path
) -> None:
    first = ensure_onnx(model_dir, fingerprint="f1", variant="fp32", cache_dir=tmp_path / "c")
    second = ensure_onnx(model_dir, fingerprint="f1", variant="fp32", cache_dir=tmp_path / "c")

    assert first == second == model_dir / "onnx" / "model.onnx"
    assert fake.built == [first]
    assert not (tmp_path / "c").exists()


def test_int8_quantises_the_fp32_export_once(
    fake: FakeExporter, model_dir: Path, tmp_path: Path
) -> None:
    path = ensure_onnx(model_dir, fingerprint="f1", variant="int8", cache_dir=tmp_path / "c")
    again = ensure_onnx(model_dir, fingerprint="f1", variant="int8", cache_dir=tmp_path / "c")

    assert path == again == model_dir / "onnx" / "model_int8.onnx"
    assert fake.built == [model_dir / "onnx" / "model.onnx", path]


def test_a_read_only_model_dir_sends_the_export_to_the_cache_dir(
    fake: FakeExporter, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = onnx_export.can_write
    monkeypatch.setattr(
        onnx_export, "can_write", lambda d: not d.is_relative_to(model_dir) and real(d)
    )

    path = ensure_onnx(model_dir, fingerprint="f1", variant="int8", cache_dir=tmp_path / "c")

    assert path == tmp_path / "c" / "model_int8.onnx"
    assert (tmp_path / "c" / "model.onnx").is_file()
    assert not (model_dir / "onnx").exists()


def test_a_file_colloquy_did_not_write_is_neither_trusted_nor_overwritten(
    fake: FakeExporter, model_dir: Path, tmp_path: Path
) -> None:
    theirs = model_dir / "onnx" / "model.onnx"
    theirs.parent.mkdir()
    onnx.save_model(tiny_model(None), str(theirs))
    before = theirs.read_bytes()

    path = ensure_onnx(model_dir, fingerprint="f1", variant="fp32", cache_dir=tmp_path / "c")

    assert path == tmp_path / "c" / "model.onnx"
    assert theirs.read_bytes() == before
    assert file_state(theirs, "f1") == "foreign"


def test_an_export_of_older_weights_is_replaced(
    fake: FakeExporter, model_dir: Path, tmp_path: Path
) -> None:
    old = ensure_onnx(model_dir, fingerprint="old", variant="fp32", cache_dir=tmp_path / "c")

    new = ensure_onnx(model_dir, fingerprint="new", variant="fp32", cache_dir=tmp_path / "c")

    assert new == old
    assert file_state(new, "new") == "current"
    assert len(fake.built) == 2


def test_a_current_export_in_the_cache_dir_is_used(
    fake: FakeExporter, model_dir: Path, tmp_path: Path
) -> None:
    cached = ensure_onnx(
        model_dir, fingerprint="f1", variant="fp32", cache_dir=tmp_path / "c", beside_model=False
    )

    found = ensure_onnx(model_dir, fingerprint="f1", variant="fp32", cache_dir=tmp_path / "c")

    assert found == cached == tmp_path / "c" / "model.onnx"
    assert fake.built == [cached]


def test_no_writable_place_is_a_config_error(
    fake: FakeExporter, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(onnx_export, "can_write", lambda d: False)

    with pytest.raises(ConfigError, match="no writable place"):
        ensure_onnx(model_dir, fingerprint="f1", variant="fp32", cache_dir=tmp_path / "c")


def test_an_interrupted_write_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "onnx" / "model.onnx"

    def interrupted_export() -> None:
        with onnx_export._atomic_path(target) as tmp:
            tmp.write_bytes(b"half an export")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_export()

    assert list(target.parent.iterdir()) == []


def test_file_states(tmp_path: Path) -> None:
    ours, garbage = tmp_path / "ours.onnx", tmp_path / "garbage.onnx"
    onnx.save_model(tiny_model("f1"), str(ours))
    garbage.write_bytes(b"\x00\x01 not a model")

    assert file_state(tmp_path / "absent.onnx", "f1") == "absent"
    assert file_state(ours, "f1") == "current"
    assert file_state(ours, "f2") == "stale"
    assert file_state(garbage, "f1") == "foreign"
