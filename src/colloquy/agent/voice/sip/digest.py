"""HTTP digest authentication (RFC 2617 / RFC 8760 MD5) for REGISTER to a PBX or trunk."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')


@dataclass(frozen=True, slots=True)
class Challenge:
    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: str | None = None
    opaque: str | None = None


def parse_challenge(header: str) -> Challenge:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        raise ValueError(f"unsupported authentication scheme {scheme!r}")
    params = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _PARAM.finditer(rest)}
    if "realm" not in params or "nonce" not in params:
        raise ValueError("digest challenge without realm or nonce")
    algorithm = params.get("algorithm", "MD5")
    if algorithm.upper() != "MD5":
        raise ValueError(f"digest algorithm {algorithm} is not supported (MD5 only)")
    qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    return Challenge(
        params["realm"],
        params["nonce"],
        algorithm,
        "auth" if "auth" in qops else None,
        params.get("opaque"),
    )


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def authorization(
    challenge: Challenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    nonce_count: int = 1,
    cnonce: str | None = None,
) -> str:
    """The Authorization header value answering ``challenge``."""
    ha1 = _md5(f"{username}:{challenge.realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    fields = [
        f'username="{username}"',
        f'realm="{challenge.realm}"',
        f'nonce="{challenge.nonce}"',
        f'uri="{uri}"',
        "algorithm=MD5",
    ]
    if challenge.qop:
        nc = f"{nonce_count:08x}"
        client = cnonce or secrets.token_hex(8)
        response = _md5(f"{ha1}:{challenge.nonce}:{nc}:{client}:{challenge.qop}:{ha2}")
        fields += [f"qop={challenge.qop}", f"nc={nc}", f'cnonce="{client}"']
    else:
        response = _md5(f"{ha1}:{challenge.nonce}:{ha2}")
    fields.append(f'response="{response}"')
    if challenge.opaque is not None:
        fields.append(f'opaque="{challenge.opaque}"')
    return "Digest " + ", ".join(fields)


__all__ = ["Challenge", "authorization", "parse_challenge"]
