"""`clinic-queue purge|backup|restore|migrate-to`: the care of the clinic's data, for an
administrator on the database host (docs/operations.md)."""

from __future__ import annotations

import argparse
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from clinic_queue.opened import Add, open_store
from queue_core.backend import is_postgres, shown_location
from queue_core.backup import Copy, backup_store
from queue_core.restore import restore
from queue_core.retention import purge
from queue_core.slips import slip_dir
from queue_core.store import Store, default_db, parse_iso


def cmd_purge(args: argparse.Namespace) -> None:
    store = open_store(args)
    done = purge(store, args.actor, slip_dir(store.path))
    if done.first_day is None:
        kept = store.config.retention_days
        through = f" Erased through {done.last_day}." if done.last_day else ""
        print(f"Nothing to erase: the clinic keeps {kept} days of personal data.{through}")
    else:
        span = done.first_day
        if done.first_day != done.last_day:
            span = f"{done.first_day} to {done.last_day}"
        print(
            f"Erased the personal data of {span}: {done.tickets} tickets,"
            f" {done.events} events rewritten."
        )
    if done.slips:
        print(f"Removed {done.slips} slip file{'' if done.slips == 1 else 's'}.")
    if done.sessions or done.keys:
        print(
            f"Forgot {done.sessions} expired staff session(s) and {done.keys} command key(s)"
            " of past days."
        )
    on_file = store.backend.name == "sqlite"
    if done.compacted and on_file:
        print("Compacted: no erased byte is left in the file or its WAL.")
    elif done.compacted:
        print("Vacuumed: no erased byte is left in the files of the tables (docs/operations.md).")
    else:
        held = "the WAL from being checkpointed; erased bytes stay in it"
        if not on_file:
            held = "the tables from being vacuumed; erased bytes stay in them"
        print(
            f"clinic-queue: warning: readers kept {held} until the next purge.",
            file=sys.stderr,
        )


def _copy_line(copy: Copy, tz: ZoneInfo) -> str:
    last = ""
    if copy.last_at:
        last = f", the last at {parse_iso(copy.last_at).astimezone(tz):%Y-%m-%d %H:%M %Z}"
    return f"{copy.events} events{last}, {copy.size:,} bytes, integrity ok"


def cmd_backup(args: argparse.Namespace) -> None:
    store = open_store(args)
    tz = store.config.tz
    copy = backup_store(store, Path(args.dest), store.now().astimezone(tz))
    print(f"Backed up {store.backend.location} to {copy.path}: {_copy_line(copy, tz)}.")


def cmd_migrate_to(args: argparse.Namespace) -> None:
    from queue_core.migrate import migrate_to

    store = open_store(args)
    copied = migrate_to(store, args.target)
    print(
        f"Copied {store.path} into {shown_location(args.target)}: "
        f"{copied.rows['tickets']:,} tickets, {copied.rows['events']:,} events"
        f" (the last seq {copied.last_seq:,}), every table checked row for row."
    )


def cmd_restore(args: argparse.Namespace) -> None:
    target: str | Path = args.db or default_db()
    now = datetime.now().astimezone()
    if is_postgres(target):
        from queue_core.restore_postgres import restore_database

        done = restore_database(Path(args.source), str(target), now)
        kept = "What the database held"
    else:
        target = Path(target)
        done = restore(Path(args.source), target, now)
        kept = "The file it replaced"
    with closing(Store.open(target)) as store:  # the clinic's time zone is in what was restored
        tz = store.config.tz
    print(f"Restored {shown_location(target)} from {args.source}: {_copy_line(done.copy, tz)}.")
    if done.replaced is not None:
        print(f"{kept} is kept as {done.replaced}.")


def add_care_commands(add: Add) -> None:
    add(
        "purge",
        cmd_purge,
        "erase names, phone digits and links of the days past the clinic's retention",
    )
    add(
        "backup", cmd_backup, "copy the database while desks work, and check the copy"
    ).add_argument("dest", metavar="DEST", help="a new file, or a directory for a dated copy")
    add(
        "restore",
        cmd_restore,
        "put a backup in place of the database, when nothing else has it open",
    ).add_argument("source", metavar="BACKUP")
    add(
        "migrate-to",
        cmd_migrate_to,
        "copy the clinic's SQLite file into an empty PostgreSQL database, checked, in one go",
    ).add_argument("target", metavar="URL", help="postgresql://USER@HOST/DATABASE")
