"""Off-event-loop intent inference: a thread pool (the default), or micro-batching."""

from colloquy.serving.inference.base import (
    InferenceObserver,
    IntentAnswer,
    IntentInference,
    check_request,
)
from colloquy.serving.inference.micro_batch import MicroBatchInference
from colloquy.serving.inference.thread_pool import ThreadPoolInference

__all__ = [
    "InferenceObserver",
    "IntentAnswer",
    "IntentInference",
    "MicroBatchInference",
    "ThreadPoolInference",
    "check_request",
]
