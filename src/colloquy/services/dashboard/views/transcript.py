"""A stored conversation drawn turn by turn, with chosen turns highlighted."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from colloquy.services.dashboard import shell

_MARKDOWN = set("\\`*_{}[]()#+-.!|~<>$:")


def escape(text: str) -> str:
    """Text shown literally by Streamlit markdown (no emphasis, links or colour tags)."""
    return "".join(f"\\{c}" if c in _MARKDOWN else c for c in text)


def show(
    context: shell.PageContext, dataset: str, conversation_id: str, highlights: Mapping[int, str]
) -> bool:
    """Draw the conversation; ``highlights`` maps a turn index to why it is marked.

    Returns False (after saying so) when the conversation is no longer stored.
    """
    if context.store is None:
        return False
    found = list(context.store.conversations_by_id(dataset, [conversation_id]))
    if not found:
        st.warning(
            f"Conversation {conversation_id!r} is no longer in {dataset}; "
            f"`colloquy analyze {dataset}` brings the analyses up to date."
        )
        return False
    conversation = found[0]
    st.markdown(f"**Transcript of {escape(conversation_id)}** ({len(conversation.turns)} turns)")
    for index, turn in enumerate(conversation.turns):
        line = f"`{index}` **{turn.speaker.value}**: {escape(turn.text)}"
        reason = highlights.get(index)
        if reason is None:
            st.markdown(line)
            continue
        with st.container(border=True, key=f"failing-turn-{index}"):
            st.markdown(f":red-background[failing turn: {escape(reason)}]")
            st.markdown(line)
    return True
