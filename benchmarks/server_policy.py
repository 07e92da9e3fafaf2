"""The feeds' policy alone: what a change costs the server before a single byte is written.

The display server's policy (display_server/delivery.py) takes events and gives out messages
addressed to screens and phones; the driver only writes them. Here it runs without sockets on
the load benchmark's clinic: 5,000 phones open on the line of nk-pt, 20 screens. A desk pausing
or resuming moves every phone's estimate at once (the every-phone round); a call moves the
phones near the head and one in each rounding step behind them. Each commit's events go in,
and the whole phone round is drawn out; reported: the time per commit and per phone told.

    python -m benchmarks.server_policy [--phones 5000] [--rounds 30] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.report import Table, percentile, render
from benchmarks.server_common import DESKS, HEAD, clinic_with_line, phone_tokens
from display_server.delivery import Delivery
from display_server.protocol import screen_filter
from queue_core import commands
from queue_core.line import Line
from queue_core.store import Store

ACTOR = "bench"
SCREENS = 20


@dataclass(frozen=True)
class Cost:
    what: str
    seconds: list[float]  # per commit: its events in, then its whole phone round out
    messages: list[int]  # phone messages per commit

    def row(self) -> tuple[str, ...]:
        median = statistics.median(self.seconds) * 1000
        p99 = percentile(self.seconds, 0.99) * 1000
        told = statistics.median(self.messages)
        per_phone = statistics.median(
            s / max(m, 1) for s, m in zip(self.seconds, self.messages, strict=True)
        )
        return (
            self.what,
            f"{len(self.seconds)}",
            f"{told:,.0f}",
            f"{median:.1f} ms",
            f"{p99:.1f} ms",
            f"{per_phone * 1e6:.1f} µs",
        )


def _commit_cost(policy: Delivery, store: Store) -> tuple[float, int]:
    began = time.perf_counter()
    for _ in policy.on_events(store.events_since(policy.seq)):
        pass
    told = sum(1 for chunk in policy.phone_round() for to, _ in chunk if isinstance(to, int))
    return time.perf_counter() - began, told


def run(quick: bool = False, phones: int = 5_000, rounds: int = 30) -> list[Cost]:
    phones, rounds = (500, 6) if quick else (phones, rounds)
    with tempfile.TemporaryDirectory(prefix="cq-policy-") as tmp:
        store = clinic_with_line(Path(tmp) / "policy.db", HEAD + phones + 50)
        policy = Delivery(Line.load(store), lambda line: None)
        for i in range(SCREENS):
            query = {"desks": [DESKS[i % 2]]} if i % 2 else {}
            policy.join_display(screen_filter(store.config, query), None)
        for ticket_id, _ in phone_tokens(store, phones):
            policy.join_phone(policy.line.tickets[ticket_id], None)
        gc.collect()
        costs = []
        # Calls first: the visits they finish give the day a median, and so every phone an
        # estimate that a pause moves.
        for what, act in (
            ("a desk calls the next patient", _call),
            ("a desk pauses or resumes", _toggle),
        ):
            seconds, messages = [], []
            for index in range(rounds):
                act(store, index)
                spent, told = _commit_cost(policy, store)
                seconds.append(spent)
                messages.append(told)
            costs.append(Cost(what, seconds, messages))
        store.close()
        return costs


def _moment(store: Store, minutes: int) -> datetime:
    """Today in the clinic, `minutes` after 09:00: visits last minutes, so estimates exist."""
    local = datetime.now(store.config.tz).replace(hour=9, minute=0, second=0, microsecond=0)
    return local + timedelta(minutes=minutes)


def _toggle(store: Store, index: int) -> None:
    now = _moment(store, 600 + index)
    if index % 2 == 0:
        commands.pause(store, DESKS[1], ACTOR, now=now)
    else:
        commands.resume(store, DESKS[1], ACTOR, now=now)


def _call(store: Store, index: int) -> None:
    commands.call_next(store, DESKS[index % 2], ACTOR, now=_moment(store, 7 * index))


def table(costs: list[Cost]) -> Table:
    columns = ("commit", "commits", "phone messages per commit", "median", "p99", "per message")
    return Table(columns, [cost.row() for cost in costs], left={"commit"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--phones", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    print(render([table(run(args.quick, args.phones, args.rounds))]))


if __name__ == "__main__":
    main()
