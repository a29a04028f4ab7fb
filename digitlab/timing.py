"""Timing one prediction the same way for every model, for the metadata and the Compare models page."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

# Untimed calls first (compilation, caches), then this many timed calls.
WARM_UP_RUNS = 5
TIMED_RUNS = 50


def time_call(call: Callable[[], object], runs: int = TIMED_RUNS) -> dict:
    """Milliseconds of `call()`, after WARM_UP_RUNS untimed calls: {"p50", "p95", "runs"}."""
    for _ in range(WARM_UP_RUNS):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "p50": round(float(np.percentile(times, 50)), 3),
        "p95": round(float(np.percentile(times, 95)), 3),
        "runs": runs,
    }
