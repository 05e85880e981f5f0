"""One module per dashboard page; each exposes ``TITLE`` and ``render()``."""
