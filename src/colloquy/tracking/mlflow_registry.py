"""The MLflow adapter of the model registry: registered models, versions and aliases.

Only aliases are used, never the deprecated stages. A downloaded version is the colloquy
model directory found inside the logged pyfunc model (its ``MLmodel`` names where), moved
into place only once complete, so a failed download never looks like a model.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.exceptions import MlflowException
from mlflow.tracking._tracking_service.utils import _use_tracking_uri

from colloquy.errors import ArtifactError, NotFoundError, UsageError
from colloquy.tracking.mlflow_tracker import mlflow_errors
from colloquy.tracking.pyfunc import COLLOQUY_ARTIFACT
from colloquy.tracking.registry import (
    ModelDetails,
    ModelRegistry,
    ModelVersionRecord,
    RegisteredModelRecord,
    check_alias,
    check_model_name,
    parse_version,
)

__all__ = ["MlflowRegistry"]


def _time(millis: int | None) -> datetime:
    return datetime.fromtimestamp((millis or 0) / 1000, tz=UTC)


class MlflowRegistry(ModelRegistry):
    """The registry of the MLflow store at ``tracking_uri`` (or a separate ``registry_uri``)."""

    def __init__(self, tracking_uri: str, registry_uri: str | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.registry_uri = registry_uri or tracking_uri
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=self.registry_uri)

    def register(
        self, model_uri: str, name: str, tags: Mapping[str, str] | None = None
    ) -> ModelVersionRecord:
        check_model_name(name)
        if not model_uri.startswith(("models:/", "runs:/")):
            raise UsageError(
                f"cannot register {model_uri!r}: not a logged model URI",
                hint="register the model_uri that log_model returned (models:/<id>)",
            )
        model_id = model_uri.removeprefix("models:/") if model_uri.startswith("models:/") else None
        with mlflow_errors(f"registering {model_uri} as {name!r}"):
            run_id = self.client.get_logged_model(model_id).source_run_id if model_id else None
            new_name = self._create_name(name)
            try:
                # The store resolves a models:/ source through the process-wide tracking URI.
                with _use_tracking_uri(self.tracking_uri):
                    created = self.client.create_model_version(
                        name, model_uri, run_id=run_id, tags=dict(tags or {}), model_id=model_id
                    )
            except BaseException:
                if new_name:
                    self.client.delete_registered_model(name)
                raise
        return self._record(created)

    def _create_name(self, name: str) -> bool:
        """Create the registered model ``name``; ``False`` when it already existed."""
        try:
            self.client.create_registered_model(name)
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            return False
        return True

    def set_alias(self, name: str, alias: str, version: int) -> None:
        check_alias(alias)
        self.version_for(name, version)
        with mlflow_errors(f"setting alias {alias!r} of {name!r} to version {version}"):
            self.client.set_registered_model_alias(name, alias, str(version))

    def delete_alias(self, name: str, alias: str) -> None:
        check_alias(alias)
        if self.alias_version(name, alias) is None:
            return
        with mlflow_errors(f"removing alias {alias!r} of {name!r}"):
            self.client.delete_registered_model_alias(name, alias)

    def alias_version(self, name: str, alias: str) -> int | None:
        return self._registered(name).aliases.get(check_alias(alias))

    def version_for(self, name: str, alias_or_version: str | int) -> ModelVersionRecord:
        check_model_name(name)
        text = str(alias_or_version)
        if text.isdigit():
            version = parse_version(text)
            self._registered(name)
            try:
                found = self.client.get_model_version(name, str(version))
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                    raise
                raise NotFoundError(
                    f"model {name!r} has no version {version}",
                    hint=f"see its versions with `colloquy models show {name}`",
                ) from None
            return self._record(found)
        alias = check_alias(text)
        number = self._registered(name).aliases.get(alias)
        if number is None:
            raise NotFoundError(
                f"model {name!r} has no alias {alias!r}",
                hint=f"set it with `colloquy models promote {name} VERSION --alias {alias}`",
            )
        with mlflow_errors(f"reading {name}@{alias}"):
            return self._record(self.client.get_model_version(name, str(number)))

    def list_models(self) -> tuple[RegisteredModelRecord, ...]:
        with mlflow_errors(f"listing registered models at {self.registry_uri}"):
            found = list(self._all_models())
        return tuple(sorted((self._model(m) for m in found), key=lambda m: m.name))

    def _all_models(self) -> list[RegisteredModel]:
        models: list[RegisteredModel] = []
        token: str | None = None
        while True:
            page = self.client.search_registered_models(max_results=1000, page_token=token)
            models.extend(page)
            token = page.token
            if not token:
                return models

    def show(self, name: str) -> ModelDetails:
        model = self._registered(name)
        with mlflow_errors(f"reading versions of {name!r}"):
            found = self.client.search_model_versions(f"name = '{name}'", max_results=10000)
        by_version: dict[int, list[str]] = {}
        for alias, number in model.aliases.items():
            by_version.setdefault(number, []).append(alias)
        versions = sorted(
            (
                replace(
                    self._record(v, metrics=True),
                    aliases=tuple(sorted(by_version.get(int(v.version), []))),
                )
                for v in found
            ),
            key=lambda v: -v.version,
        )
        return ModelDetails(model=model, versions=tuple(versions))

    def download(self, name: str, alias_or_version: str | int, dst: Path) -> Path:
        from mlflow.artifacts import download_artifacts

        record = self.version_for(name, alias_or_version)
        if dst.exists() and (not dst.is_dir() or any(dst.iterdir())):
            raise UsageError(
                f"cannot download {name}/{record.version} to {dst}: it exists and is not empty",
                hint="choose a new or empty folder",
            )
        dst.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".download-", dir=dst.parent) as scratch:
            with mlflow_errors(f"downloading {name}/{record.version}"):
                location = self.client.get_model_version_download_uri(name, str(record.version))
                local = download_artifacts(
                    artifact_uri=location, dst_path=scratch, tracking_uri=self.tracking_uri
                )
            inner = _colloquy_directory(Path(local), f"{name}/{record.version}")
            if dst.is_dir():
                dst.rmdir()
            try:
                inner.replace(dst)
            except OSError:
                if not (dst / "manifest.json").is_file():
                    raise
        return dst

    def delete_version(self, name: str, version: int) -> None:
        self.version_for(name, version)
        with mlflow_errors(f"deleting version {version} of {name!r}"):
            self.client.delete_model_version(name, str(version))

    def _registered(self, name: str) -> RegisteredModelRecord:
        check_model_name(name)
        try:
            model = self.client.get_registered_model(name)
        except MlflowException as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                raise NotFoundError(
                    f"no registered model named {name!r} at {self.registry_uri}",
                    hint="list them with `colloquy models list`",
                ) from None
            with mlflow_errors(f"reading model {name!r}"):
                raise
        return self._model(model)

    def _model(self, model: RegisteredModel) -> RegisteredModelRecord:
        aliases = {str(k): int(v) for k, v in (model.aliases or {}).items()}
        latest = [int(v.version) for v in (model.latest_versions or [])]
        return RegisteredModelRecord(
            name=model.name,
            latest_version=max(latest) if latest else None,
            aliases=aliases,
            created_at=_time(model.creation_timestamp),
            updated_at=_time(model.last_updated_timestamp),
            description=model.description or None,
        )

    def _record(self, version: ModelVersion, *, metrics: bool = False) -> ModelVersionRecord:
        found: dict[str, float] = {}
        if metrics and version.run_id:
            try:
                found = dict(self.client.get_run(version.run_id).data.metrics)
            except MlflowException:
                found = {}
        return ModelVersionRecord(
            name=version.name,
            version=int(version.version),
            run_id=version.run_id or None,
            source=str(version.source),
            aliases=tuple(sorted(version.aliases or ())),
            created_at=_time(version.creation_timestamp),
            status=str(version.status),
            tags={str(k): str(v) for k, v in (version.tags or {}).items()},
            metrics=found,
        )


def _colloquy_directory(pyfunc_dir: Path, label: str) -> Path:
    """The colloquy model folder the ``MLmodel`` of ``pyfunc_dir`` names, checked to stay inside."""
    from mlflow.models import Model

    try:
        flavor = Model.load(str(pyfunc_dir)).flavors["python_function"]
        relative = str(flavor["artifacts"][COLLOQUY_ARTIFACT]["path"])
    except (MlflowException, OSError, KeyError, TypeError) as exc:
        raise ArtifactError(
            f"registered model {label} is not a colloquy pyfunc model ({exc})",
            hint="register models logged by colloquy (TrackedRun.log_model)",
        ) from None
    root = pyfunc_dir.resolve()
    inner = (pyfunc_dir / relative).resolve()
    if not inner.is_relative_to(root) or not (inner / "manifest.json").is_file():
        raise ArtifactError(
            f"registered model {label} names {relative!r} as its colloquy model, "
            "which is not a model folder inside it",
            hint="register models logged by colloquy (TrackedRun.log_model)",
        )
    shutil.rmtree(inner / "__pycache__", ignore_errors=True)
    return inner
