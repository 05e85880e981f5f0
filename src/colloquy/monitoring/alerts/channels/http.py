"""One JSON POST with a timeout, shared by the webhook and Slack channels."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from colloquy.monitoring.alerts.channels.base import ChannelError


def post_json(
    url: str, body: object, *, timeout: float, headers: dict[str, str] | None = None
) -> bytes:
    """POST ``body``; the raw bytes sent are returned so callers can sign them first."""
    data = json.dumps(body, sort_keys=True).encode()
    return post_bytes(url, data, timeout=timeout, headers=headers or {})


def post_bytes(url: str, data: bytes, *, timeout: float, headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"{url} answered HTTP {exc.code}") from None
    except TimeoutError:
        raise ChannelError(f"{url} did not answer within {timeout:g} s") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise ChannelError(f"{url} did not answer within {timeout:g} s") from None
        raise ChannelError(f"{url} unreachable: {reason}") from None
