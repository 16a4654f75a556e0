"""The machine yardstick the benchmarks print, so figures from different days can be scaled."""
from __future__ import annotations

import time


def machine_reference(repeat: int = 3) -> float:
    """Best CPU seconds of ``sum(range(10**7))`` over ``repeat`` tries: about 0.1-0.15 s on a
    current desktop core with CPython 3.11. A shared VM can be several times slower on some
    days; a benchmark's figures move with this number."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        sum(range(10**7))
        best = min(best, time.process_time() - started)
    return best
