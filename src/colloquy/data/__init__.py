"""Turning customer conversations from files and datasets into ``Conversation`` records."""
