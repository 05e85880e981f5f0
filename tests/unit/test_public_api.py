"""The curated public API: everything in ``__all__`` exists, and nothing public is missing."""

from __future__ import annotations

import colloquy


def test_all_names_exist() -> None:
    for name in colloquy.__all__:
        assert hasattr(colloquy, name), name


def test_all_is_sorted_and_unique() -> None:
    assert list(colloquy.__all__) == sorted(set(colloquy.__all__))


def test_every_public_attribute_is_exported() -> None:
    public = {
        name
        for name, value in vars(colloquy).items()
        if not name.startswith("_") and not getattr(value, "__name__", "").startswith("colloquy.")
    }
    assert public <= set(colloquy.__all__)


def test_exported_members_belong_to_colloquy() -> None:
    for name in colloquy.__all__:
        if name == "__version__":
            continue
        assert getattr(colloquy, name).__module__.startswith("colloquy."), name
