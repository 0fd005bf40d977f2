"""Message format: every value carries its run, topic sequence number and a digest, so a
consumer can attribute it and tell whether it arrived intact."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PREFIX = "kv1"
SEPARATOR = "|"


@dataclass(frozen=True)
class Decoded:
    run_id: str
    topic: str
    seq: int
    intact: bool


def _digest(run_id: str, topic: str, seq: int, body: str) -> str:
    return hashlib.sha256(f"{run_id}{SEPARATOR}{topic}{SEPARATOR}{seq}{SEPARATOR}{body}".encode()).hexdigest()[:16]


def _body(run_id: str, topic: str, seq: int, size: int) -> str:
    seed = hashlib.sha256(f"{run_id}:{topic}:{seq}".encode()).hexdigest()
    return (seed * (size // len(seed) + 1))[:size]


def key_of(run_id: str, topic: str, seq: int) -> bytes:
    return f"{run_id}-{seq}".encode()


def encode(run_id: str, topic: str, seq: int, size: int) -> bytes:
    """A value of about ``size`` bytes that only this (run, topic, seq) produces."""
    body = _body(run_id, topic, seq, max(size - 48, 0))
    return SEPARATOR.join((PREFIX, run_id, str(seq), _digest(run_id, topic, seq, body), body)).encode()


def decode(value: bytes | None, topic: str) -> Decoded | None:
    """The run and sequence of a value, and whether its digest matches; None for a value
    that is not ours at all (another producer's, or unreadable)."""
    if not value:
        return None
    try:
        text = value.decode()
        prefix, run_id, seq_text, digest, body = text.split(SEPARATOR, 4)
        seq = int(seq_text)
    except (UnicodeDecodeError, ValueError):
        return None
    if prefix != PREFIX:
        return None
    return Decoded(run_id=run_id, topic=topic, seq=seq, intact=digest == _digest(run_id, topic, seq, body))
