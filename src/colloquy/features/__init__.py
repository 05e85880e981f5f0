"""Turning conversations and texts into model inputs: embeddings, dialogue and metadata features."""
