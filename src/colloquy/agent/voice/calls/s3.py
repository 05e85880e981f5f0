"""Recordings in an S3-compatible bucket (AWS S3, MinIO, Ceph…) through boto3.

Credentials and region come from wherever boto3 reads them (``AWS_ACCESS_KEY_ID``…,
``~/.aws``, an instance role); ``endpoint_url`` points at a store other than AWS, and
when it is not given boto3's own ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` apply.
The bucket is checked once when the store is opened, so a wrong name or endpoint stops
the server at start rather than losing the first call's recording.
"""

from __future__ import annotations

from typing import Any

from colloquy.agent.voice.calls.base import RecordingStore
from colloquy.errors import ConfigError, NotFoundError


def _boto3() -> Any:
    try:
        import boto3  # type: ignore[import-untyped]
    except ModuleNotFoundError:
        raise ConfigError(
            "recordings on S3 need boto3, which is not installed",
            hint="pip install boto3, or give --recordings a local folder",
        ) from None
    return boto3


class S3RecordingStore(RecordingStore):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._client = (
            client if client is not None else _boto3().client("s3", endpoint_url=endpoint_url)
        )
        self._check_bucket()

    def _check_bucket(self) -> None:
        from botocore.exceptions import (  # type: ignore[import-untyped]
            BotoCoreError,
            ClientError,
        )

        where = self.endpoint_url or "the default S3 endpoint"
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            missing = code in ("404", "NoSuchBucket")
            raise ConfigError(
                f"recordings bucket {self.bucket!r} at {where}: "
                + ("it does not exist" if missing else f"refused ({code or exc})"),
                hint="create the bucket, or check the credentials (AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY) and --s3-endpoint",
            ) from None
        except BotoCoreError as exc:
            raise ConfigError(
                f"recordings bucket {self.bucket!r}: cannot reach {where} ({exc})",
                hint="check --s3-endpoint (or AWS_ENDPOINT_URL) and the credentials",
            ) from None

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            reply = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in ("404", "NoSuchKey"):
                raise NotFoundError(f"no recording {self.location(key)}") from None
            raise
        body: bytes = reply["Body"].read()
        return body

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"


__all__ = ["S3RecordingStore"]
