"""A typed Python client for colloquy's HTTP API (httpx, synchronous).

::

    from colloquy.client import ColloquyClient

    with ColloquyClient("http://127.0.0.1:8000", api_key="clq_…") as api:
        answer = api.predict_intents("my card has not arrived")
        print(answer.predictions[0].label, answer.model.version)

Every method returns a frozen record (:mod:`colloquy.client_models`); every error the
server answers becomes an :class:`ApiError` (or a subclass by status) carrying the RFC 9457
:class:`~colloquy.client_models.Problem`, whose ``request_id`` finds the request in the
server's logs. A server that cannot be reached is an :class:`ApiConnectionError`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from colloquy.client_models import (
    AliasMove,
    ConversionScore,
    ConversionTurn,
    Dataset,
    DatasetDetail,
    Health,
    IntentPredictions,
    Job,
    ModelDetail,
    ModelList,
    Problem,
    Readiness,
    WhoAmI,
)
from colloquy.errors import ColloquyError

if TYPE_CHECKING:
    from colloquy.analytics.analysis import ConversationAnalysis

RecordT = TypeVar("RecordT", bound=BaseModel)
Turns = Sequence[ConversionTurn | tuple[str, str] | Mapping[str, Any]]


class ApiError(ColloquyError):
    """The server answered with an error; ``problem`` is its problem document."""

    exit_code = 1

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.status = problem.status
        where = f" (request {problem.request_id})" if problem.request_id else ""
        super().__init__(f"HTTP {problem.status} {problem.title}: {problem.detail or ''}{where}")


class AuthenticationError(ApiError):
    """401: the key is missing, malformed, unknown, revoked or expired."""


class PermissionDeniedError(ApiError):
    """403: the key's scope does not cover the endpoint."""


class NotFoundApiError(ApiError):
    """404: no such dataset, model, job or route."""


class RateLimitedError(ApiError):
    """429: the key's rate limit is used up; wait ``retry_after`` seconds."""

    def __init__(self, problem: Problem, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(problem)


class ServiceUnavailableError(ApiError):
    """503: a model or the store is not available yet."""


class ApiConnectionError(ColloquyError):
    """The server could not be reached or did not answer in time."""

    exit_code = 69


_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundApiError,
    503: ServiceUnavailableError,
}


def _problem(response: httpx.Response) -> Problem:
    try:
        return Problem.model_validate(response.json())
    except (ValueError, ValidationError):
        return Problem(
            status=response.status_code,
            title=response.reason_phrase,
            detail=response.text[:500] or None,
            request_id=response.headers.get("x-request-id"),
        )


def raise_for_problem(response: httpx.Response) -> None:
    """Raise the :class:`ApiError` a non-2xx response stands for."""
    if response.is_success:
        return
    problem = _problem(response)
    if response.status_code == 429:
        retry = response.headers.get("retry-after", "1")
        raise RateLimitedError(problem, float(retry) if retry.isdigit() else 1.0)
    raise _BY_STATUS.get(response.status_code, ApiError)(problem)


def _turn(turn: ConversionTurn | tuple[str, str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(turn, ConversionTurn):
        return turn.model_dump(mode="json", exclude_none=True)
    if isinstance(turn, tuple):
        speaker, text = turn
        return {"speaker": speaker, "text": text}
    return dict(turn)


class ColloquyClient:
    """A connection to one colloquy server; use it as a context manager or ``close()`` it."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> ColloquyClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiConnectionError(
                f"cannot reach the colloquy API at {self._http.base_url}: {exc}",
                hint="check the URL and that `colloquy serve` is running",
            ) from None
        raise_for_problem(response)
        return response

    def _get(self, path: str, model: type[RecordT], **kwargs: Any) -> RecordT:
        return model.model_validate_json(self._send("GET", path, **kwargs).content)

    def _post(self, path: str, model: type[RecordT], body: Mapping[str, Any]) -> RecordT:
        return model.model_validate_json(self._send("POST", path, json=body).content)

    # Service
    def health(self) -> Health:
        return self._get("/health", Health)

    def ready(self) -> Readiness:
        """Readiness; a server that is not ready answers 503 with the same document."""
        response = self._http.get("/ready")
        if response.status_code in (200, 503):
            return Readiness.model_validate_json(response.content)
        raise_for_problem(response)
        return Readiness.model_validate_json(response.content)

    def whoami(self) -> WhoAmI:
        return self._get("/v1/whoami", WhoAmI)

    # Predictions and analysis
    def predict_intents(self, texts: str | Sequence[str], *, top_k: int = 3) -> IntentPredictions:
        """The intent of one text or of a batch (at most 64), in order."""
        body: dict[str, Any] = {"top_k": top_k}
        if isinstance(texts, str):
            body["text"] = texts
        else:
            body["texts"] = list(texts)
        return self._post("/v1/intents/predict", IntentPredictions, body)

    def predict_conversion(
        self,
        turns: Turns,
        *,
        metadata: Mapping[str, Any] | None = None,
        partial: bool = False,
        insights: bool | None = None,
        conversation_id: str | None = None,
    ) -> ConversionScore:
        """The probability that a conversation converts, its course and its reasons."""
        body: dict[str, Any] = {
            "turns": [_turn(turn) for turn in turns],
            "metadata": dict(metadata or {}),
            "partial": partial,
        }
        if insights is not None:
            body["insights"] = insights
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        return self._post("/v1/conversions/predict", ConversionScore, body)

    def analyze(
        self,
        turns: Turns,
        *,
        conversation_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        converted: bool | None = None,
    ) -> ConversationAnalysis:
        """Sentiment, dynamics and failure points of one conversation (the library record)."""
        from colloquy.analytics.analysis import ConversationAnalysis

        body: dict[str, Any] = {"turns": [_turn(turn) for turn in turns]}
        if conversation_id is not None:
            body["id"] = conversation_id
        if metadata:
            body["metadata"] = dict(metadata)
        if converted is not None:
            body["converted"] = converted
        response = self._send("POST", "/v1/conversations/analyze", json=body)
        return TypeAdapter(ConversationAnalysis).validate_json(response.content)

    # Datasets
    def list_datasets(self) -> tuple[Dataset, ...]:
        response = self._send("GET", "/v1/datasets")
        return tuple(Dataset.model_validate(item) for item in response.json()["datasets"])

    def get_dataset(self, name: str) -> DatasetDetail:
        return self._get(f"/v1/datasets/{quote(name, safe='')}", DatasetDetail)

    def upload_dataset(
        self,
        path: Path | str,
        *,
        dataset: str,
        source: str,
        mapping: Mapping[str, str] | None = None,
        on_error: str = "fail",
    ) -> Job:
        """Upload a file for ingesting; returns the queued ingest job (see :meth:`wait`)."""
        file = Path(path)
        data: dict[str, Any] = {"dataset": dataset, "source": source, "on_error": on_error}
        if mapping:
            data["mapping"] = [f"{field}={column}" for field, column in mapping.items()]
        with file.open("rb") as handle:
            response = self._send(
                "POST", "/v1/datasets", data=data, files={"file": (file.name, handle)}
            )
        return Job.model_validate_json(response.content)

    def get_ingest_job(self, job_id: str) -> Job:
        return self._get(f"/v1/ingest-jobs/{job_id}", Job)

    # Training jobs
    def create_training_job(
        self, *, pipeline_yaml: str | None = None, pipeline_file: str | None = None
    ) -> Job:
        """Queue a pipeline run: its YAML text, or a file in the server's data directory."""
        body = {"pipeline_yaml": pipeline_yaml, "pipeline_file": pipeline_file}
        return self._post(
            "/v1/training-jobs", Job, {k: v for k, v in body.items() if v is not None}
        )

    def get_training_job(self, job_id: str) -> Job:
        return self._get(f"/v1/training-jobs/{job_id}", Job)

    def cancel_training_job(self, job_id: str) -> Job:
        return self._post(f"/v1/training-jobs/{job_id}/cancel", Job, {})

    def training_job_logs(self, job_id: str) -> str:
        return self._send("GET", f"/v1/training-jobs/{job_id}/logs").text

    def wait(self, job: Job, *, timeout: float = 600, poll: float = 0.5) -> Job:
        """Poll a training or ingest job until it finishes (or ``timeout`` seconds pass)."""
        fetch = self.get_training_job if job.kind == "training" else self.get_ingest_job
        deadline = time.monotonic() + timeout
        current = job
        while not current.finished:
            if time.monotonic() > deadline:
                raise ApiConnectionError(
                    f"job {job.id} is still {current.state} after {timeout:g} s",
                    hint="wait longer, or cancel it",
                )
            time.sleep(poll)
            current = fetch(job.id)
        return current

    # Models
    def list_models(self) -> ModelList:
        return self._get("/v1/models", ModelList)

    def get_model(self, name: str) -> ModelDetail:
        return self._get(f"/v1/models/{quote(name, safe='')}", ModelDetail)

    def set_alias(self, name: str, alias: str, version: int) -> AliasMove:
        response = self._send(
            "PUT",
            f"/v1/models/{quote(name, safe='')}/aliases/{quote(alias, safe='')}",
            json={"version": version},
        )
        return AliasMove.model_validate_json(response.content)
