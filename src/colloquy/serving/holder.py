"""A served model that can be replaced while requests are running.

The holder keeps one reference to a :class:`~colloquy.serving.records.Served` pair (model
and identity). A request reads that reference once and uses that object to the end, so a
swap never changes a model under a running prediction: the old object answers its
in-flight requests and is collected when the last of them lets go. Swapping is one
attribute assignment, which is atomic in Python; a lock only keeps two refreshes (the
poller and an alias change made through the API) from loading the same version twice.

A background thread asks the locator every ``poll_interval`` seconds whether the
reference moved (an alias pointed at a new version). A new version is loaded and warmed
up beside the old one and swapped in only when both succeeded; a failure is logged and
kept in :attr:`ModelHolder.last_error`, and the old model keeps serving.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Generic, TypeVar

from colloquy.errors import ColloquyError
from colloquy.logging import get_logger
from colloquy.serving.loading import ModelLoader
from colloquy.serving.locator import ModelLocator, describe_failure
from colloquy.serving.records import ModelIdentity, Served, ServingKind

__all__ = ["ModelHolder", "ModelUnavailableError"]

ModelT = TypeVar("ModelT")

log = get_logger(__name__)


class ModelUnavailableError(ColloquyError):
    """No model of a kind is loaded (none registered, or it failed to load)."""

    def __init__(self, kind: ServingKind, message: str, *, hint: str | None = None) -> None:
        self.kind = kind
        super().__init__(message, hint=hint)


class ModelHolder(Generic[ModelT]):
    """The current model of one kind, hot-swapped when its reference moves."""

    def __init__(
        self,
        kind: ServingKind,
        locator: ModelLocator,
        loader: ModelLoader[ModelT],
        *,
        poll_interval: float | None = 30.0,
    ) -> None:
        self.kind = kind
        self.locator = locator
        self.loader = loader
        self.poll_interval = poll_interval
        self.last_error: str | None = None
        self.swaps = 0
        self._served: Served[ModelT] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> Served[ModelT] | None:
        """The model serving now, or ``None``; read it once per request."""
        return self._served

    def require(self) -> Served[ModelT]:
        """The model serving now; :class:`ModelUnavailableError` when there is none."""
        served = self._served
        if served is None:
            reason = self.last_error or "it has not been loaded"
            raise ModelUnavailableError(
                self.kind,
                f"no {self.kind} model is being served ({self.locator.description}): {reason}",
                hint=f"register a {self.kind} model with a 'champion' alias or start the "
                f"server with --{self.kind}-model DIR|NAME@ALIAS",
            )
        return served

    @property
    def ready(self) -> bool:
        return self._served is not None

    def start(self) -> None:
        """Load the model now (a failure leaves the holder empty), then start polling."""
        self.refresh()
        if self.poll_interval and self.poll_interval > 0 and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._poll, name=f"colloquy-{self.kind}-model-poller", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop polling (waits for a load in progress to end)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    def refresh(self) -> bool:
        """Load and swap in the version the reference names now, if it moved.

        Returns whether a new model was swapped in. Never raises for a failed load: the
        error is logged (once while it repeats) and kept in :attr:`last_error`, and the current
        model stays.
        """
        with self._lock:
            served = self._served
            try:
                if served is not None and not self.locator.moved(served.identity.located):
                    return False
                located = self.locator.locate()
                if served is not None and located.sha256 == served.identity.located.sha256:
                    return False
                started = time.perf_counter()
                model = self.loader.load(located.path)
                self.loader.warm_up(model)
                seconds = time.perf_counter() - started
            except Exception as exc:  # any failure must leave the old model serving
                error = describe_failure(exc)
                repeated, self.last_error = error == self.last_error, error
                if repeated:
                    return False
                log.warning(
                    "model load failed; the current model keeps serving",
                    kind=self.kind,
                    reference=self.locator.description,
                    serving=None if served is None else served.identity.label,
                    error=self.last_error,
                )
                return False
            identity = ModelIdentity(
                kind=self.kind,
                reference=self.locator.description,
                located=located,
                loaded_at=datetime.now(UTC),
                warmup_seconds=round(seconds, 3),
            )
            self._served = Served(model=model, identity=identity)
            self.last_error = None
            if served is not None:
                self.swaps += 1
            log.info(
                "model serving",
                kind=self.kind,
                model=identity.label,
                replaced=None if served is None else served.identity.label,
                load_seconds=identity.warmup_seconds,
            )
            return True

    def _poll(self) -> None:
        interval = float(self.poll_interval or 0)
        while not self._stop.wait(interval):
            self.refresh()
