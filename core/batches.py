"""Rows taken a batch at a time, so that a task over a growing table holds one batch in memory
whatever the table's size (issue 15)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

# Rows read or written at a time by the periodic tasks and commands: a few MB of objects.
BATCH_SIZE = 2000


def batched(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter); itertools.batched, Python 3.12."""
    if size < 1:
        raise ValueError("size must be at least 1")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
