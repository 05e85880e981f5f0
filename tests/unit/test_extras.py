"""Optional packages: one clear message when an extra is missing, and packaging that agrees.

A missing package is simulated the way Python itself honours it: a ``None`` entry in
``sys.modules`` makes the import fail with ``ModuleNotFoundError`` for that name.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from colloquy.errors import UsageError
from colloquy.extras import DISTRIBUTION, EXTRAS, available, missing_extra, require
from colloquy.features.embeddings.onnx_export import export_onnx
from colloquy.llm import ChatMessage
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.models.artifacts import dump_sklearn, open_model, write_model
from colloquy.models.conversion_blocks import MetadataBlock
from colloquy.storage.engine import create_store_engine

ROOT = Path(__file__).resolve().parents[2]
MISSING = "colloquy_no_such_module_for_tests"


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]  # type: ignore[no-any-return]


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def test_a_missing_package_names_the_feature_and_the_install_command() -> None:
    with pytest.raises(UsageError) as excinfo:
        require(MISSING, extra="lightgbm", feature="the LightGBM head")
    message = str(excinfo.value)
    assert message == (
        f"the LightGBM head needs the optional package {MISSING} — "
        f"pip install '{DISTRIBUTION}[lightgbm]'"
    )
    assert excinfo.value.exit_code == 2
    assert excinfo.value.__cause__ is None


def test_a_missing_dotted_module_names_its_top_level_package() -> None:
    with pytest.raises(UsageError, match=rf"optional package {MISSING} —"):
        require(f"{MISSING}.sub", extra="onnx", feature="exporting")


def test_an_installed_package_is_returned() -> None:
    assert require("json", extra="all", feature="JSON").dumps([1]) == "[1]"
    assert available("json")
    assert not available(MISSING)
    assert not available(f"{MISSING}.sub")


def test_a_broken_dependency_of_an_installed_package_is_not_disguised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installing the extra again would not help, so the original error surfaces."""
    (tmp_path / "colloquy_broken_pkg.py").write_text(f"import {MISSING}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as excinfo:
        require("colloquy_broken_pkg", extra="llm", feature="a test")
    assert excinfo.value.name == MISSING


def test_the_lightgbm_head_needs_its_extra_and_auto_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert {c["model"] for c in MetadataBlock().candidates("auto")} == {"logreg", "lightgbm"}
    _hide(monkeypatch, "lightgbm")
    assert {c["model"] for c in MetadataBlock().candidates("auto")} == {"logreg"}
    setting = MetadataBlock().candidates("lightgbm")[0]
    with pytest.raises(UsageError, match=r"LightGBM head .* pip install '.*\[lightgbm\]'"):
        MetadataBlock().estimator(setting, "lightgbm", seed=0)


def test_an_error_naming_a_package_of_an_extra_becomes_the_install_hint() -> None:
    error = missing_extra(ModuleNotFoundError("no", name="lightgbm.sklearn"), feature="x.skops")
    assert error is not None
    assert str(error) == (
        f"x.skops needs the optional package lightgbm — pip install '{DISTRIBUTION}[lightgbm]'"
    )
    assert missing_extra(ModuleNotFoundError("no", name=MISSING), feature="x") is None
    assert missing_extra(ValueError("lightgbm"), feature="x") is None


def test_a_saved_lightgbm_head_without_lightgbm_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Not "corrupt, retrain": the file is fine, the package to read it is missing."""
    from lightgbm import LGBMClassifier

    features = [[float(i % 7), float(i % 3)] for i in range(40)]
    head = LGBMClassifier(n_estimators=2, verbose=-1).fit(features, [i % 2 for i in range(40)])
    dump_sklearn(head, tmp_path / "head.skops")
    write_model(tmp_path, kind="extras-test")
    for name in [name for name in sys.modules if name.partition(".")[0] == "lightgbm"]:
        monkeypatch.setitem(sys.modules, name, None)
    model = open_model(tmp_path, kind="extras-test")
    with pytest.raises(UsageError, match=r"head\.skops needs the optional package lightgbm"):
        model.read_sklearn("head.skops")


def test_a_postgres_store_needs_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "psycopg")
    with pytest.raises(UsageError, match=r"PostgreSQL store .* pip install '.*\[postgres\]'"):
        create_store_engine("postgresql+psycopg://user@127.0.0.1:1/db")
    create_store_engine("sqlite:///:memory:").dispose()


def test_onnx_export_needs_its_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _hide(monkeypatch, "onnxscript")
    with pytest.raises(UsageError, match=r"exporting .* ONNX .* pip install '.*\[onnx\]'"):
        export_onnx(tmp_path, tmp_path / "model.onnx", fingerprint="x")
    assert not (tmp_path / "model.onnx").exists()


def test_the_local_llm_needs_its_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _hide(monkeypatch, "llama_cpp")
    client = LlamaCppClient(tmp_path / "model.gguf")
    with pytest.raises(UsageError, match=r"local LLM backend .* llama_cpp .*\[llm\]"):
        client.chat([ChatMessage.user("hi")])


def test_pyproject_declares_every_extra_and_all_of_them() -> None:
    project = _pyproject()
    assert project["name"] == DISTRIBUTION
    optional = project["optional-dependencies"]
    assert isinstance(optional, dict)
    # Beside the features' extras: tools for working on colloquy and benchmark peers.
    assert set(optional) == {*EXTRAS, "all", "dev", "bench"}
    assert optional["all"] == [f"{DISTRIBUTION}[{','.join(EXTRAS)}]"]
    for extra in EXTRAS.values():
        declared = " ".join(optional[extra.name]).replace("-", "_").lower()
        for module in extra.modules:
            assert module.lower() in declared, f"{module} is not in [{extra.name}]"


def test_core_dependencies_leave_out_the_extras_and_pin_torch_only_in_constraints() -> None:
    core = _pyproject()["dependencies"]
    assert isinstance(core, list)
    names = {re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0].lower() for spec in core}
    for extra in EXTRAS.values():
        for module in extra.modules:
            assert module.replace("_", "-") not in names, f"{module} is an extra, not core"
    torch = [spec for spec in core if spec.startswith("torch")]
    assert torch == ["torch>=2.2"]
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert any(re.fullmatch(r"torch==[\d.]+", line) for line in constraints)


def test_tracking_and_tuning_need_the_pipelines_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from colloquy.config import Settings
    from colloquy.pipelines.tuning.storage import open_storage
    from colloquy.tracking import registry_from_settings, tracker_from_settings

    settings = Settings(home=tmp_path)
    _hide(monkeypatch, "mlflow", "optuna")
    with pytest.raises(UsageError, match=r"MLflow tracking needs .* mlflow .*\[pipelines\]"):
        tracker_from_settings(settings)
    with pytest.raises(UsageError, match=r"registry needs the optional package mlflow"):
        registry_from_settings(settings)
    with pytest.raises(UsageError, match=r"tuning with Optuna needs .* optuna .*\[pipelines\]"):
        open_storage(f"sqlite:///{tmp_path / 'studies.db'}")
