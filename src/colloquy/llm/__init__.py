"""The LLM layer: one client seam for hosted and local models, and versioned prompts.

::

    LLMClient (client.py)            chat, stream, structured (validated + repaired), tools
    ├── OpenAICompatibleClient       any OpenAI-compatible base URL (openai_http.py)
    └── LlamaCppClient               a GGUF model in process (llama_local.py, the llm extra)
    ColloquyChatModel                any LLMClient as a LangChain chat model (langchain_chat.py)
    PromptLibrary, PromptTemplate    Jinja2 prompt files with typed variables (prompts/)
    ResponseCache                    answers keyed by backend, model, prompt version, input
    └── SQLiteResponseCache          one SQLite file (cache.py)

Errors are :class:`~colloquy.errors.LLMError` (exit 69) for the endpoint or the answer,
:class:`~colloquy.errors.ConfigError` for a prompt file or model choice a user got wrong.
"""

from __future__ import annotations

from colloquy.llm.cache import ResponseCache, SQLiteResponseCache
from colloquy.llm.client import DEFAULT_MAX_REPAIRS, LLMClient
from colloquy.llm.openai_http import NO_KEY, OpenAICompatibleClient
from colloquy.llm.records import (
    CallOptions,
    ChatMessage,
    ChatResult,
    PromptRef,
    StreamChunk,
    StructuredResult,
    ToolCall,
    ToolSpec,
    Usage,
)
from colloquy.llm.retry import RetryPolicy
from colloquy.llm.structured import StructuredOutputError, parse_structured

__all__ = [
    "DEFAULT_MAX_REPAIRS",
    "NO_KEY",
    "CallOptions",
    "ChatMessage",
    "ChatResult",
    "LLMClient",
    "OpenAICompatibleClient",
    "PromptRef",
    "ResponseCache",
    "RetryPolicy",
    "SQLiteResponseCache",
    "StreamChunk",
    "StructuredOutputError",
    "StructuredResult",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "parse_structured",
]
