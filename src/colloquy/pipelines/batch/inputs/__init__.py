"""Where batch prediction reads its rows: one source per file, behind :class:`BatchInput`."""

from colloquy.pipelines.batch.inputs.base import BatchInput, Chunk, chunked
from colloquy.pipelines.batch.inputs.conversations import ConversationFile, StoredConversations
from colloquy.pipelines.batch.inputs.dataset_turns import DatasetTurns
from colloquy.pipelines.batch.inputs.table_file import TABLE_SUFFIXES, TableFile
from colloquy.pipelines.batch.inputs.table_rows import TableRows
from colloquy.pipelines.batch.inputs.table_texts import TableTexts

__all__ = [
    "TABLE_SUFFIXES",
    "BatchInput",
    "Chunk",
    "ConversationFile",
    "DatasetTurns",
    "StoredConversations",
    "TableFile",
    "TableRows",
    "TableTexts",
    "chunked",
]
