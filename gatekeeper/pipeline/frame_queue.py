"""A bounded queue that never blocks the producer: it drops (and counts) the oldest item instead."""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class QueueClosed(Exception):
    """``get`` on a closed, empty queue."""


class LatestFrameQueue(Generic[T]):
    """Holds at most ``maxsize`` items; ``put`` drops the oldest when full, ``get`` waits with a timeout."""

    def __init__(self, maxsize: int = 1) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1")
        self.maxsize = maxsize
        self._items: deque[T] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T) -> bool:
        """Add ``item``; returns False if it dropped an older one (or the queue is closed)."""
        with self._cond:
            if self._closed:
                return False
            dropped = False
            while len(self._items) >= self.maxsize:
                self._items.popleft()
                self.dropped += 1
                dropped = True
            self._items.append(item)
            self.put_count += 1
            self._cond.notify()
            return not dropped

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest item, or ``None`` after ``timeout`` seconds; raises ``QueueClosed`` when closed and
        empty."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait_for(lambda: bool(self._items) or self._closed, timeout)
            if self._items:
                return self._items.popleft()
            if self._closed:
                raise QueueClosed
            return None

    def close(self) -> None:
        """Wake every waiter; later ``put`` calls are ignored, ``get`` drains what is left."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
