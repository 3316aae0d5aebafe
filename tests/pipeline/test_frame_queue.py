"""LatestFrameQueue: never blocks the producer, drops and counts the oldest, wakes on close."""

from __future__ import annotations

import threading
import time

import pytest

from gatekeeper.pipeline.frame_queue import LatestFrameQueue, QueueClosed


def test_put_drops_oldest_and_counts() -> None:
    q: LatestFrameQueue[int] = LatestFrameQueue(maxsize=2)
    assert q.put(1) and q.put(2)
    assert q.put(3) is False
    assert q.dropped == 1 and len(q) == 2
    assert q.get(timeout=0) == 2
    assert q.get(timeout=0) == 3
    assert q.get(timeout=0.01) is None


def test_latest_only_with_maxsize_one() -> None:
    q: LatestFrameQueue[int] = LatestFrameQueue()
    for i in range(10):
        q.put(i)
    assert q.dropped == 9 and q.put_count == 10
    assert q.get(timeout=0) == 9


def test_get_waits_and_close_wakes_waiter() -> None:
    q: LatestFrameQueue[int] = LatestFrameQueue()
    got: list[object] = []

    def consumer() -> None:
        try:
            got.append(q.get(timeout=5))
        except QueueClosed:
            got.append("closed")

    t = threading.Thread(target=consumer)
    t.start()
    time.sleep(0.05)
    q.close()
    t.join(1)
    assert not t.is_alive() and got == ["closed"]
    assert q.put(1) is False


def test_close_drains_remaining_items_first() -> None:
    q: LatestFrameQueue[int] = LatestFrameQueue(maxsize=3)
    q.put(1)
    q.close()
    assert q.get(timeout=0) == 1
    with pytest.raises(QueueClosed):
        q.get(timeout=0)


def test_invalid_size() -> None:
    with pytest.raises(ValueError):
        LatestFrameQueue(0)
