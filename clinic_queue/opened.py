"""What every command module of the CLI shares: the store a command works on, opened from `--db`
and closed by `main` when the command ends, refused or not (cli.py keeps an ExitStack in
`args.opened`), and the shape of cli.py's `add`, a subcommand with the common options."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import closing

from queue_core.store import Store

Handler = Callable[[argparse.Namespace], None]
Add = Callable[[str, Handler, str], argparse.ArgumentParser]


def open_store(args: argparse.Namespace) -> Store:
    store: Store = args.opened.enter_context(closing(Store.open(args.db)))
    return store
