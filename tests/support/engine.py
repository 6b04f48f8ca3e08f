"""The engine on the in-package doubles (hashing encoder, word-list language detector), built once per run."""

from __future__ import annotations

from functools import cache

from humantouch.engine import Engine


@cache
def double_engine() -> Engine:
    return Engine.load(profile="test")


@cache
def real_engine(profile: str = "fast") -> Engine:
    """The engine with real models; the embedding cache shipped in the package keeps this quick."""
    return Engine.load(profile=profile)
