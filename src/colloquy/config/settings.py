"""The settings models: every section colloquy can be configured with, and its defaults.

Sections that configure one layer (``ingest.cleaning``, ``ingest.pii``) use that layer's
own model, so a setting is declared once, next to the code it controls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from colloquy.agent.voice.config import VoiceSettings
from colloquy.data.clean import CleaningConfig
from colloquy.data.pii import PiiConfig
from colloquy.execution.config import ExecutionSettings


class StorageSettings(BaseModel):
    """Where conversations are stored and how they are written."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<home>/colloquy.db",
    )
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    echo: bool = False


class IngestSettings(BaseModel):
    """What happens to text on its way into the store (each data module owns its section)."""

    model_config = ConfigDict(extra="forbid")

    clean: bool = True
    cleaning: CleaningConfig = Field(default_factory=CleaningConfig)
    mask_pii: bool = True
    pii: PiiConfig = Field(default_factory=PiiConfig)


class LoggingSettings(BaseModel):
    """How log lines look; they always go to stderr."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"


class LLMSettings(BaseModel):
    """The LLM backend: an OpenAI-compatible endpoint or a local GGUF model.

    The endpoint may be hosted, or a local server (vLLM, Ollama, llama.cpp server).

    Features with an LLM path use it only when ``base_url`` is set; otherwise they fall
    back to their offline implementation, so nothing needs a network by default. The key
    is a secret: ``colloquy config show`` prints it masked.
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        default=None,
        description="e.g. https://api.openai.com/v1 or http://localhost:8000/v1; unset = offline",
    )
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = Field(
        default=None, description="sent as a Bearer token (COLLOQUY_LLM__API_KEY)"
    )
    timeout_seconds: float = Field(default=30, gt=0, le=3600)
    backend: Literal["local", "openai"] | None = Field(
        default=None,
        description="local = a GGUF model in process (llama-cpp-python); openai = the "
        "endpoint at base_url; unset = openai when base_url is set, else local",
    )
    local_model: str = Field(
        default="qwen2.5-1.5b-instruct",
        description="local backend: smollm2-135m-instruct, qwen2.5-1.5b-instruct "
        "(downloaded once, SHA-256 pinned) or a path to a .gguf file",
    )
    n_threads: int = Field(default=1, ge=1, le=256, description="local backend CPU threads")
    max_retries: int = Field(default=2, ge=0, le=10, description="retries on 429/5xx/timeouts")
    cache: Literal["off", "sqlite", "redis"] = Field(
        default="off",
        description="response cache keyed by backend, model, prompt version and input: "
        "sqlite = a file (cache_url or <home>/llm/responses.db), redis = shared by workers",
    )
    cache_url: str | None = Field(
        default=None, description="the SQLite file or the redis:// URL of the response cache"
    )
    cache_ttl_seconds: int = Field(
        default=7 * 86_400, ge=1, description="how long Redis keeps a cached answer"
    )


class AgentSettings(BaseModel):
    """The customer-service agent: how it replies and what it shares between workers."""

    model_config = ConfigDict(extra="forbid")

    responder: Literal["template", "llm"] = Field(
        default="template",
        description="template = approved replies, no LLM (offline); llm = the llm.* client "
        "writes replies, the templates stand in when it fails",
    )
    llm_slots: bool = Field(
        default=False, description="let the llm.* client fill slots the patterns miss"
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for the activation cache (L2), tool cache and rate limits shared "
        "by every worker (COLLOQUY_AGENT__REDIS_URL); unset = in-process",
    )
    redis_prefix: str = Field(
        default="colloquy:", min_length=1, description="namespace of the agent's Redis keys"
    )
    switch_threshold: float = Field(
        default=0.6, gt=0, le=1, description="similarity a message needs to switch journeys"
    )
    guideline_files: list[Path] = Field(
        default_factory=list, description="guideline YAML files loaded after the shipped ones"
    )
    verify_attempts_per_hour: int = Field(
        default=3, ge=1, description="identity checks allowed per phone number per hour"
    )


class MlflowSettings(BaseModel):
    """Where experiments and registered models are tracked (MLflow)."""

    model_config = ConfigDict(extra="forbid")

    tracking_uri: str | None = Field(
        default=None,
        description="Any MLflow tracking URI (http://host:5000, sqlite:///…); unset = a SQLite "
        "store under home/mlflow (COLLOQUY_MLFLOW__TRACKING_URI)",
    )
    experiment: str = Field(default="colloquy", min_length=1)


class Settings(BaseSettings):
    """Everything colloquy can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="COLLOQUY_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    home: Path = Field(default=Path("~/.colloquy"), description="Where colloquy keeps its state")
    database_url: str | None = Field(
        default=None, description="Shortcut for storage.url (COLLOQUY_DATABASE_URL)"
    )
    data_dir: Path | None = Field(default=None, description="Where public datasets live")
    storage: StorageSettings = Field(default_factory=StorageSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    mlflow: MlflowSettings = Field(default_factory=MlflowSettings)
    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)
    voice: VoiceSettings = Field(default_factory=VoiceSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """The URL storage connects to: ``database_url``, ``storage.url`` or SQLite in home."""
        url = self.database_url or self.storage.url
        if url:
            return url
        return f"sqlite:///{self.resolved_home / 'colloquy.db'}"

    @property
    def resolved_mlflow_tracking_uri(self) -> str:
        """``mlflow.tracking_uri``, or a SQLite store under ``home/mlflow``."""
        if self.mlflow.tracking_uri:
            return self.mlflow.tracking_uri
        return f"sqlite:///{self.resolved_home / 'mlflow' / 'mlflow.db'}"

    @property
    def resolved_mlflow_artifact_root(self) -> Path:
        """Where the local MLflow store keeps artifacts (runs' files and logged models)."""
        return self.resolved_home / "mlflow" / "artifacts"

    @property
    def resolved_data_dir(self) -> Path:
        """``data_dir`` if set, else ``../shared/datasets`` when it exists, else home/datasets."""
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        checkout = Path(__file__).resolve().parents[3]  # src/colloquy/config/settings.py
        for base in (Path.cwd(), checkout):
            candidate = base.parent / "shared" / "datasets"
            if candidate.is_dir():
                return candidate
        return self.resolved_home / "datasets"
