"""The summary figures every report quotes: count, median and 90th percentile."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Minutes: `median` and `p90` are None for no values."""

    count: int
    median: float | None
    p90: float | None


def summary(values: Iterable[float]) -> Stats:
    """The median, and the nearest-rank 90th percentile: a value some patient really had."""
    ordered = sorted(values)
    if not ordered:
        return Stats(0, None, None)
    rank = math.ceil(0.9 * len(ordered))
    return Stats(len(ordered), statistics.median(ordered), ordered[rank - 1])
