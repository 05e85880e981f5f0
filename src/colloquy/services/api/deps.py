"""FastAPI dependencies every route module shares: the store and the settings.

Use the ``Annotated`` aliases in route signatures (``store: StoreDep``); they read what
:func:`colloquy.services.api.app.create_app` put on ``app.state`` at start-up.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from colloquy.config import Settings
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store


def get_store(request: Request) -> Store:
    """The app's one :class:`Store`, opened in the lifespan (sync: use it from ``def``
    routes, which FastAPI runs in a worker thread, or through ``run_in_threadpool``)."""
    store = getattr(request.app.state, "store", None)
    if not isinstance(store, Store):
        raise RuntimeError("the store is not open: the app's lifespan has not started")
    return store


def get_settings(request: Request) -> ApiSettings:
    settings = getattr(request.app.state, "settings", None)
    if not isinstance(settings, ApiSettings):
        raise RuntimeError("the app has no settings: build it with create_app")
    return settings


def get_core_settings(request: Request) -> Settings:
    """The project settings (home, store, MLflow, logging) the API was started with."""
    return get_settings(request).core()


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
CoreSettingsDep = Annotated[Settings, Depends(get_core_settings)]
