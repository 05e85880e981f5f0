"""The application factory: settings in, a FastAPI app with every route module out.

Route modules are listed in :data:`colloquy.services.api.routes.ROUTE_MODULES`. Each
defines ``router`` and may define ``lifespan(app, settings)``, an async context manager
entered, in list order, after the store is open (load models, start workers) and left in
reverse order at shutdown.

uvicorn's worker processes call :func:`create_app_from_env`, which rebuilds the settings
from the ``COLLOQUY_API_*`` variables ``colloquy serve`` exported.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from types import ModuleType

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from colloquy import __version__
from colloquy.logging import get_logger
from colloquy.monitoring.metrics import install_health_collectors
from colloquy.services.api.cache import ResponseCache
from colloquy.services.api.cache_memory import InProcessLRU
from colloquy.services.api.metrics import ApiMetrics
from colloquy.services.api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from colloquy.services.api.problems import install_problem_handlers
from colloquy.services.api.ratelimit import RateLimiter
from colloquy.services.api.ratelimit_memory import InProcessRateLimiter
from colloquy.services.api.readiness import ReadinessRegistry
from colloquy.services.api.routes import ROUTE_MODULES
from colloquy.services.api.security import KeyVerifier, check_exposure
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store

RouteLifespan = Callable[[FastAPI, ApiSettings], AbstractAsyncContextManager[None]]

DESCRIPTION = """\
colloquy over HTTP: intent and conversion predictions, conversation analysis, datasets,
training jobs and the model registry.

Authenticate with `Authorization: Bearer KEY` or `X-API-Key: KEY` (keys come from
`colloquy api-keys create`). Errors are RFC 9457 `application/problem+json` documents
carrying the `request_id` that the server's logs show.
"""


def _route_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in ROUTE_MODULES]


def _cache(settings: ApiSettings) -> ResponseCache:
    if settings.redis_url:
        from colloquy.services.api.cache_redis import RedisCache

        return RedisCache.from_url(
            settings.redis_url, settings.cache_ttl_seconds, settings.redis_prefix
        )
    return InProcessLRU(settings.cache_entries, settings.cache_ttl_seconds)


def _limiter(settings: ApiSettings) -> RateLimiter | None:
    if not settings.rate_limit_enabled:
        return None
    if settings.redis_url:
        from colloquy.services.api.ratelimit_redis import RedisRateLimiter

        return RedisRateLimiter.from_url(
            settings.redis_url,
            settings.rate_limit_per_second,
            settings.rate_limit_burst,
            settings.redis_prefix,
        )
    return InProcessRateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)


def _open_store(settings: ApiSettings) -> Store:
    core = settings.core()
    return Store.open(
        settings.resolved_store_url(),
        batch_size=core.storage.batch_size,
        echo=core.storage.echo,
    )


def create_app(settings: ApiSettings) -> FastAPI:
    """The API for ``settings``; the store opens and models load when its lifespan starts."""
    modules = _route_modules()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log = get_logger(__name__)
        store = await run_in_threadpool(_open_store, settings)
        try:
            await run_in_threadpool(check_exposure, settings, store)
            app.state.store = store
            app.state.key_verifier = KeyVerifier(store, settings.key_check_seconds)
            install_health_collectors(app.state.metrics.registry, store.engine)
            async with AsyncExitStack() as stack:
                for module in modules:
                    module_lifespan: RouteLifespan | None = getattr(module, "lifespan", None)
                    if module_lifespan is not None:
                        await stack.enter_async_context(module_lifespan(app, settings))
                log.info("api.started", host=settings.host, port=settings.port)
                yield
            log.info("api.stopped")
        finally:
            await app.state.cache.close()
            if app.state.limiter is not None:
                await app.state.limiter.close()
            await run_in_threadpool(store.close)

    app = FastAPI(
        title="colloquy",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    metrics = ApiMetrics.create()
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.readiness = ReadinessRegistry()
    app.state.cache = _cache(settings)
    app.state.limiter = _limiter(settings)
    install_problem_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    for module in modules:
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise TypeError(f"route module {module.__name__} defines no APIRouter `router`")
        app.include_router(router)
    return app


def create_app_from_env() -> FastAPI:
    """The app from ``COLLOQUY_API_*`` variables: uvicorn's factory for worker processes."""
    from colloquy.logging import configure_logging

    settings = ApiSettings()
    core = settings.core()
    configure_logging(core.logging.level, core.logging.format)
    return create_app(settings)
