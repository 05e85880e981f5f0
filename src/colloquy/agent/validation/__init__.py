"""The reply validator: compliance checks on every sentence before a reply is sent."""

from colloquy.agent.validation.entities import Entity, Kind, find_entities
from colloquy.agent.validation.facts import SessionFacts
from colloquy.agent.validation.fixes import Disclaimer, SafeSentences, load_fixes, parse_fixes
from colloquy.agent.validation.judge import JudgeAnswer, JudgeFinding, LLMJudge
from colloquy.agent.validation.sentences import split_sentences
from colloquy.agent.validation.validator import Regenerate, ReplyValidator

__all__ = [
    "Disclaimer",
    "Entity",
    "JudgeAnswer",
    "JudgeFinding",
    "Kind",
    "LLMJudge",
    "Regenerate",
    "ReplyValidator",
    "SafeSentences",
    "SessionFacts",
    "find_entities",
    "load_fixes",
    "parse_fixes",
    "split_sentences",
]
