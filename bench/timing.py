"""Timing with time.perf_counter: the minimum of several runs.

The minimum, not the mean: everything else the machine does only ever adds
time, so the fastest run is the closest to the code's own cost. Garbage is
collected before each run, so no run pays for the one before it, and the
collector stays on during it, as it is when the action runs.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any


def once(fn: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def best_of(fn: Callable[[], Any], runs: int) -> float:
    return min(once(fn) for _ in range(runs))


def paired(
    ours: Callable[[], Any], theirs: Callable[[], Any], runs: int
) -> tuple[float, float]:
    """Both sides timed back to back, in turns, so that a slow spell of the
    machine falls on both rather than on one; the best of each."""
    best_ours = best_theirs = float("inf")
    for _ in range(runs):
        best_ours = min(best_ours, once(ours))
        best_theirs = min(best_theirs, once(theirs))
    return best_ours, best_theirs


def runs_for(text_bytes: int) -> int:
    """More runs for small documents, whose runs are short and noisy."""
    if text_bytes < 1_000_000:
        return 40
    return 7
