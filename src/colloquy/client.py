"""Typed Python clients for colloquy's HTTP API (httpx): synchronous and asyncio.

::

    from colloquy.client import ColloquyClient

    with ColloquyClient("http://127.0.0.1:8000", api_key="clq_…") as api:
        answer = api.predict_intents("my card has not arrived")
        print(answer.predictions[0].label, answer.model.version)

    async with AsyncColloquyClient("http://127.0.0.1:8000", api_key="clq_…") as api:
        answer = await api.predict_intents(["a", "b"])

Every method returns a frozen record (:mod:`colloquy.client_models`); every error the
server answers becomes an :class:`ApiError` (or a subclass by status) carrying the RFC 9457
:class:`~colloquy.client_models.Problem`, whose ``request_id`` finds the request in the
server's logs. A server that cannot be reached is an :class:`ApiConnectionError`. What each
method sends is described once, in :mod:`colloquy.client_calls`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from colloquy import client_calls as calls
from colloquy.client_calls import (
    ApiConnectionError,
    ApiError,
    AuthenticationError,
    Call,
    NotFoundApiError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    Turns,
    raise_for_problem,
)
from colloquy.client_models import (
    AliasMove,
    ConversionScore,
    Dataset,
    DatasetDetail,
    Health,
    IntentPredictions,
    Job,
    ModelDetail,
    ModelList,
    Readiness,
    WhoAmI,
)

if TYPE_CHECKING:
    from colloquy.analytics.analysis import ConversationAnalysis

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "AsyncColloquyClient",
    "AuthenticationError",
    "ColloquyClient",
    "NotFoundApiError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServiceUnavailableError",
    "raise_for_problem",
]

T = TypeVar("T")


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _request_args(call: Call[Any], upload: bytes | Any | None) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if call.json is not None:
        args["json"] = call.json
    if call.data is not None:
        args["data"] = call.data
    if call.upload is not None:
        args["files"] = {"file": (call.upload.name, upload)}
    return args


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
        self._http = httpx.Client(
            base_url=base_url, headers=_headers(api_key), timeout=timeout, transport=transport
        )

    def __enter__(self) -> ColloquyClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _run(self, call: Call[T]) -> T:
        try:
            if call.upload is not None:
                with call.upload.open("rb") as handle:
                    response = self._http.request(
                        call.method, call.path, **_request_args(call, handle)
                    )
            else:
                response = self._http.request(call.method, call.path, **_request_args(call, None))
        except httpx.TransportError as exc:
            raise calls.connection_error(self._http.base_url, exc) from None
        return call.read(response)

    def health(self) -> Health:
        return self._run(calls.health())

    def ready(self) -> Readiness:
        """Readiness; a server that is not ready answers 503 with the same document."""
        return self._run(calls.ready())

    def whoami(self) -> WhoAmI:
        return self._run(calls.whoami())

    def predict_intents(self, texts: str | Sequence[str], *, top_k: int = 3) -> IntentPredictions:
        """The intent of one text or of a batch (at most 64), in order."""
        return self._run(calls.predict_intents(texts, top_k))

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
        call = calls.predict_conversion(turns, metadata, partial, insights, conversation_id)
        return self._run(call)

    def analyze(
        self,
        turns: Turns,
        *,
        conversation_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        converted: bool | None = None,
    ) -> ConversationAnalysis:
        """Sentiment, dynamics and failure points of one conversation (the library record)."""
        return self._run(calls.analyze(turns, conversation_id, metadata, converted))

    def list_datasets(self) -> tuple[Dataset, ...]:
        return self._run(calls.list_datasets())

    def get_dataset(self, name: str) -> DatasetDetail:
        return self._run(calls.get_dataset(name))

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
        return self._run(calls.upload_dataset(path, dataset, source, mapping, on_error))

    def get_ingest_job(self, job_id: str) -> Job:
        return self._run(calls.get_ingest_job(job_id))

    def create_training_job(
        self, *, pipeline_yaml: str | None = None, pipeline_file: str | None = None
    ) -> Job:
        """Queue a pipeline run: its YAML text, or a file in the server's data directory."""
        return self._run(calls.create_training_job(pipeline_yaml, pipeline_file))

    def get_training_job(self, job_id: str) -> Job:
        return self._run(calls.get_training_job(job_id))

    def cancel_training_job(self, job_id: str) -> Job:
        return self._run(calls.cancel_training_job(job_id))

    def training_job_logs(self, job_id: str) -> str:
        return self._run(calls.training_job_logs(job_id))

    def wait(self, job: Job, *, timeout: float = 600, poll: float = 0.5) -> Job:
        """Poll a training or ingest job until it finishes (or ``timeout`` seconds pass)."""
        deadline = time.monotonic() + timeout
        current = job
        while not current.finished:
            if time.monotonic() > deadline:
                raise calls.wait_timeout(job, current.state, timeout)
            time.sleep(poll)
            current = self._run(calls.job(job.kind, job.id))
        return current

    def list_models(self) -> ModelList:
        return self._run(calls.list_models())

    def get_model(self, name: str) -> ModelDetail:
        return self._run(calls.get_model(name))

    def set_alias(self, name: str, alias: str, version: int) -> AliasMove:
        return self._run(calls.set_alias(name, alias, version))


class AsyncColloquyClient:
    """The asyncio twin of :class:`ColloquyClient`: the same methods, awaited."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=_headers(api_key), timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> AsyncColloquyClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _run(self, call: Call[T]) -> T:
        upload = None
        if call.upload is not None:
            upload = await asyncio.to_thread(call.upload.read_bytes)
        try:
            response = await self._http.request(
                call.method, call.path, **_request_args(call, upload)
            )
        except httpx.TransportError as exc:
            raise calls.connection_error(self._http.base_url, exc) from None
        return call.read(response)

    async def health(self) -> Health:
        return await self._run(calls.health())

    async def ready(self) -> Readiness:
        return await self._run(calls.ready())

    async def whoami(self) -> WhoAmI:
        return await self._run(calls.whoami())

    async def predict_intents(
        self, texts: str | Sequence[str], *, top_k: int = 3
    ) -> IntentPredictions:
        return await self._run(calls.predict_intents(texts, top_k))

    async def predict_conversion(
        self,
        turns: Turns,
        *,
        metadata: Mapping[str, Any] | None = None,
        partial: bool = False,
        insights: bool | None = None,
        conversation_id: str | None = None,
    ) -> ConversionScore:
        call = calls.predict_conversion(turns, metadata, partial, insights, conversation_id)
        return await self._run(call)

    async def analyze(
        self,
        turns: Turns,
        *,
        conversation_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        converted: bool | None = None,
    ) -> ConversationAnalysis:
        return await self._run(calls.analyze(turns, conversation_id, metadata, converted))

    async def list_datasets(self) -> tuple[Dataset, ...]:
        return await self._run(calls.list_datasets())

    async def get_dataset(self, name: str) -> DatasetDetail:
        return await self._run(calls.get_dataset(name))

    async def upload_dataset(
        self,
        path: Path | str,
        *,
        dataset: str,
        source: str,
        mapping: Mapping[str, str] | None = None,
        on_error: str = "fail",
    ) -> Job:
        return await self._run(calls.upload_dataset(path, dataset, source, mapping, on_error))

    async def get_ingest_job(self, job_id: str) -> Job:
        return await self._run(calls.get_ingest_job(job_id))

    async def create_training_job(
        self, *, pipeline_yaml: str | None = None, pipeline_file: str | None = None
    ) -> Job:
        return await self._run(calls.create_training_job(pipeline_yaml, pipeline_file))

    async def get_training_job(self, job_id: str) -> Job:
        return await self._run(calls.get_training_job(job_id))

    async def cancel_training_job(self, job_id: str) -> Job:
        return await self._run(calls.cancel_training_job(job_id))

    async def training_job_logs(self, job_id: str) -> str:
        return await self._run(calls.training_job_logs(job_id))

    async def wait(self, job: Job, *, timeout: float = 600, poll: float = 0.5) -> Job:
        deadline = time.monotonic() + timeout
        current = job
        while not current.finished:
            if time.monotonic() > deadline:
                raise calls.wait_timeout(job, current.state, timeout)
            await asyncio.sleep(poll)
            current = await self._run(calls.job(job.kind, job.id))
        return current

    async def list_models(self) -> ModelList:
        return await self._run(calls.list_models())

    async def get_model(self, name: str) -> ModelDetail:
        return await self._run(calls.get_model(name))

    async def set_alias(self, name: str, alias: str, version: int) -> AliasMove:
        return await self._run(calls.set_alias(name, alias, version))
