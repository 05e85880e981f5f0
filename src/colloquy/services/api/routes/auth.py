"""``GET /v1/whoami``: which key a request authenticated as, so a client can check its set-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from colloquy.services.api.problems import PROBLEM_RESPONSES
from colloquy.services.api.security import Principal, Scope, require_scope

router = APIRouter(prefix="/v1", tags=["auth"], responses=PROBLEM_RESPONSES)


class WhoAmI(BaseModel):
    """The caller: a key's public id, name and scope, or the anonymous local admin."""

    key_id: str | None = Field(examples=["4f0167fc"])
    name: str = Field(examples=["crm-prod"])
    scope: Scope = Field(examples=["predict"])
    anonymous: bool = Field(examples=[False])


@router.get("/whoami", response_model=WhoAmI, summary="The API key this request used")
async def whoami(principal: Annotated[Principal, Depends(require_scope(Scope.READ))]) -> WhoAmI:
    return WhoAmI(
        key_id=principal.key_id,
        name=principal.name,
        scope=principal.scope,
        anonymous=principal.anonymous,
    )
