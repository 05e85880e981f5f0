"""The route modules :func:`colloquy.services.api.app.create_app` mounts, in this order.

Each module defines ``router: fastapi.APIRouter`` and may define ``lifespan(app,
settings)``. Add a module by appending its dotted path here.
"""

from __future__ import annotations

ROUTE_MODULES: tuple[str, ...] = (
    "colloquy.services.api.routes.health",
    "colloquy.services.api.routes.auth",
    "colloquy.services.api.routes.datasets",
    "colloquy.services.api.routes.analysis",
    "colloquy.services.api.routes.training_jobs",
    "colloquy.services.api.routes.models",
    "colloquy.services.api.routes.intents",
    "colloquy.services.api.routes.conversions",
    "colloquy.services.api.routes.agent",
    "colloquy.services.api.monitor_scheduler",
)
