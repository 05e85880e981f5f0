"""What each API call sends and how its answer is read, shared by the sync and async clients.

A :class:`Call` is a plain description (method, path, body, how to parse the response);
:class:`colloquy.client.ColloquyClient` and :class:`colloquy.client.AsyncColloquyClient`
only differ in how they send it. Errors the server answers become :class:`ApiError`
subclasses carrying the RFC 9457 problem document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
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

T = TypeVar("T")
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
    """The server could not be reached, did not answer in time, or a job outlived a wait."""

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


def connection_error(base_url: object, exc: Exception) -> ApiConnectionError:
    return ApiConnectionError(
        f"cannot reach the colloquy API at {base_url}: {exc}",
        hint="check the URL and that `colloquy serve` is running",
    )


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and the reader of its answer; ``also_ok`` statuses are read, not raised."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    json: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None
    upload: Path | None = None
    also_ok: frozenset[int] = field(default_factory=frozenset)

    def read(self, response: httpx.Response) -> T:
        if response.status_code not in self.also_ok:
            raise_for_problem(response)
        return self.parse(response)


def _record(model: type[RecordT]) -> Callable[[httpx.Response], RecordT]:
    return lambda response: model.model_validate_json(response.content)


def _segment(value: str) -> str:
    return quote(value, safe="")


def _turn(turn: ConversionTurn | tuple[str, str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(turn, ConversionTurn):
        return turn.model_dump(mode="json", exclude_none=True)
    if isinstance(turn, tuple):
        speaker, text = turn
        return {"speaker": speaker, "text": text}
    return dict(turn)


def health() -> Call[Health]:
    return Call("GET", "/health", _record(Health))


def ready() -> Call[Readiness]:
    return Call("GET", "/ready", _record(Readiness), also_ok=frozenset({503}))


def whoami() -> Call[WhoAmI]:
    return Call("GET", "/v1/whoami", _record(WhoAmI))


def predict_intents(texts: str | Sequence[str], top_k: int) -> Call[IntentPredictions]:
    body: dict[str, Any] = {"top_k": top_k}
    if isinstance(texts, str):
        body["text"] = texts
    else:
        body["texts"] = list(texts)
    return Call("POST", "/v1/intents/predict", _record(IntentPredictions), json=body)


def predict_conversion(
    turns: Turns,
    metadata: Mapping[str, Any] | None,
    partial: bool,
    insights: bool | None,
    conversation_id: str | None,
) -> Call[ConversionScore]:
    body: dict[str, Any] = {
        "turns": [_turn(turn) for turn in turns],
        "metadata": dict(metadata or {}),
        "partial": partial,
    }
    if insights is not None:
        body["insights"] = insights
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    return Call("POST", "/v1/conversions/predict", _record(ConversionScore), json=body)


def _analysis(response: httpx.Response) -> ConversationAnalysis:
    from colloquy.analytics.analysis import ConversationAnalysis

    return TypeAdapter(ConversationAnalysis).validate_json(response.content)


def analyze(
    turns: Turns,
    conversation_id: str | None,
    metadata: Mapping[str, Any] | None,
    converted: bool | None,
) -> Call[ConversationAnalysis]:
    body: dict[str, Any] = {"turns": [_turn(turn) for turn in turns]}
    if conversation_id is not None:
        body["id"] = conversation_id
    if metadata:
        body["metadata"] = dict(metadata)
    if converted is not None:
        body["converted"] = converted
    return Call("POST", "/v1/conversations/analyze", _analysis, json=body)


def _datasets(response: httpx.Response) -> tuple[Dataset, ...]:
    return tuple(Dataset.model_validate(item) for item in response.json()["datasets"])


def list_datasets() -> Call[tuple[Dataset, ...]]:
    return Call("GET", "/v1/datasets", _datasets)


def get_dataset(name: str) -> Call[DatasetDetail]:
    return Call("GET", f"/v1/datasets/{_segment(name)}", _record(DatasetDetail))


def upload_dataset(
    path: Path | str,
    dataset: str,
    source: str,
    mapping: Mapping[str, str] | None,
    on_error: str,
) -> Call[Job]:
    data: dict[str, Any] = {"dataset": dataset, "source": source, "on_error": on_error}
    if mapping:
        data["mapping"] = [f"{name}={column}" for name, column in mapping.items()]
    return Call("POST", "/v1/datasets", _record(Job), data=data, upload=Path(path))


def get_ingest_job(job_id: str) -> Call[Job]:
    return Call("GET", f"/v1/ingest-jobs/{_segment(job_id)}", _record(Job))


def create_training_job(pipeline_yaml: str | None, pipeline_file: str | None) -> Call[Job]:
    body = {"pipeline_yaml": pipeline_yaml, "pipeline_file": pipeline_file}
    return Call(
        "POST",
        "/v1/training-jobs",
        _record(Job),
        json={k: v for k, v in body.items() if v is not None},
    )


def get_training_job(job_id: str) -> Call[Job]:
    return Call("GET", f"/v1/training-jobs/{_segment(job_id)}", _record(Job))


def job(kind: str, job_id: str) -> Call[Job]:
    """The call that reads a job of either kind (training or ingest)."""
    return get_training_job(job_id) if kind == "training" else get_ingest_job(job_id)


def cancel_training_job(job_id: str) -> Call[Job]:
    return Call("POST", f"/v1/training-jobs/{_segment(job_id)}/cancel", _record(Job), json={})


def training_job_logs(job_id: str) -> Call[str]:
    return Call("GET", f"/v1/training-jobs/{_segment(job_id)}/logs", lambda r: r.text)


def list_models() -> Call[ModelList]:
    return Call("GET", "/v1/models", _record(ModelList))


def get_model(name: str) -> Call[ModelDetail]:
    return Call("GET", f"/v1/models/{_segment(name)}", _record(ModelDetail))


def set_alias(name: str, alias: str, version: int) -> Call[AliasMove]:
    return Call(
        "PUT",
        f"/v1/models/{_segment(name)}/aliases/{_segment(alias)}",
        _record(AliasMove),
        json={"version": version},
    )


def wait_timeout(job: Job, state: str, timeout: float) -> ApiConnectionError:
    return ApiConnectionError(
        f"job {job.id} is still {state} after {timeout:g} s", hint="wait longer, or cancel it"
    )
