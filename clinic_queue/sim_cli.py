"""`clinic-queue simulate`: a generated day played through the real commands (and the
options that parse its days, times and speeds, refused in one line like every usage error)."""

from __future__ import annotations

import argparse
from contextlib import closing
from datetime import date, time
from pathlib import Path

from clinic_queue.opened import Add
from queue_core.config import load_config
from queue_core.insight.stats import Stats
from queue_core.registration import initialise
from queue_core.simulation.dry_run import DryRun, dry_run
from queue_core.simulation.pacing import Pacer
from queue_core.simulation.run import DayTaken, simulate
from queue_core.store import Store, default_db_path, utc_now


def day_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


def clock_arg(text: str) -> time:
    try:
        if len(text) != 5:
            raise ValueError(text)
        return time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time of day (HH:MM)") from None


def speed_arg(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not 0 < speed <= 100_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a speed factor (above 0, e.g. 60)")
    return speed


def seed_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _store(args: argparse.Namespace) -> Store:
    """With --config the file is set up (or updated) first, as `init` would."""
    if args.config:
        path = args.db or default_db_path()
        opened = initialise(path, load_config(Path(args.config)), args.actor)
        opened.close()
    store: Store = args.opened.enter_context(closing(Store.open(args.db)))
    return store


def cmd_simulate(args: argparse.Namespace) -> None:
    store = _store(args)
    today = store.today(utc_now())
    day = args.day or date.fromisoformat(today)
    pace = None
    if args.realtime:
        if day.isoformat() != today:
            raise DayTaken(f"--realtime plays today ({today}) only, not {day}.", day.isoformat())
        pace = Pacer(utc_now(), 1.0)
    elif args.speed:
        pace = Pacer(None, args.speed)
    result = simulate(store, day, args.seed, today=today, until=args.until, pace=pace)
    end = result.played.until
    shown = end.astimezone(store.config.tz).strftime("%H:%M") if end else "the start"
    how = ", closed" if result.closed else ", left open"
    print(
        f"Simulated {result.plan.day} (seed {args.seed}) in {store.path}:"
        f" {len(result.plan.patients)} patients, {result.events} events, to {shown}{how}."
    )


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def table(run: DryRun) -> list[str]:
    """Old and new side by side, one figure a line."""
    rows: list[tuple[str, str, str]] = []
    classes = sorted(set(run.old.waits) | set(run.new.waits))
    empty = Stats(0, None, None)
    for name in classes:
        old, new = run.old.waits.get(name, empty), run.new.waits.get(name, empty)
        rows.append((f"wait median, {name}", _minutes(old.median), _minutes(new.median)))
        rows.append((f"wait p90, {name}", _minutes(old.p90), _minutes(new.p90)))
        rows.append((f"called, {name}", str(old.count), str(new.count)))
    for name in sorted(set(run.old.overtaken) | set(run.new.overtaken)):
        old_n, new_n = run.old.overtaken.get(name, 0), run.new.overtaken.get(name, 0)
        rows.append((f"overtaken, {name}", str(old_n), str(new_n)))
    rows.append(("overtakes flagged", str(run.old.flagged), str(run.new.flagged)))
    for label, field in (("missed", "missed"), ("came back", "came_back"), ("no-show", "no_show")):
        old_r, new_r = getattr(run.old.recovery, field), getattr(run.new.recovery, field)
        rows.append((label, str(old_r), str(new_r)))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'':<{width}}  {'old':>10}  {'new':>10}"]
    lines += [f"{a:<{width}}  {b:>10}  {c:>10}" for a, b, c in rows]
    return lines


def cmd_replay(args: argparse.Namespace) -> None:
    store: Store = args.opened.enter_context(closing(Store.open(args.db)))
    config = load_config(Path(args.config))
    run = dry_run(store, args.day.isoformat(), config)
    same = run.old.calls == run.new.calls
    print(
        f"Replayed {run.day} under {args.config}: {len(run.plan.patients)} tickets;"
        f" {'the same' if same else 'another'} call order."
    )
    print("\n".join(table(run)))


def add_commands(add: Add) -> None:
    p = add("simulate", cmd_simulate, "play a generated clinic day through the desk commands")
    p.add_argument("--config", help="set the database up from this clinic TOML first")
    p.add_argument("--seed", type=seed_arg, default=1, help="the same seed makes the same day")
    p.add_argument("--day", type=day_arg, metavar="YYYY-MM-DD", help="default: today")
    pacing = p.add_mutually_exclusive_group()
    pacing.add_argument(
        "--speed", type=speed_arg, metavar="FACTOR", help="play FACTOR times real time"
    )
    pacing.add_argument("--realtime", action="store_true", help="play today at the wall clock")
    p.add_argument("--until", type=clock_arg, metavar="HH:MM", help="stop there, day left open")
    p = add("replay", cmd_replay, "a logged day played again under another configuration")
    p.add_argument("--day", type=day_arg, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--config", required=True, help="the clinic TOML with the rules to try")
