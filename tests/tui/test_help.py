"""The help screen lists every key of the console's one table, as drawn on the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_core.store import Store
from queue_tui.app import ClinicQueueApp, desk_app, triage_app
from queue_tui.bindings import DESK_KEYS, TRIAGE_KEYS, Key
from queue_tui.i18n import Lang
from queue_tui.screens.help import HelpScreen
from tests.conftest import ACTOR
from tests.tui.conftest import text_within, until


async def shows_every_key(
    app: ClinicQueueApp, key: str, table: tuple[Key, ...], lang: Lang
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        await pilot.press(key)
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "help")
        await pilot.pause(0.1)
        text = text_within(pilot, pilot.app.screen.query_one("#dialog"))
        for entry in table:
            assert f" {entry.help_keys} " in text, entry.id
            assert entry.description(lang) in text, entry.id
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(pilot.app.screen, HelpScreen), "help closed")


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_question_mark_at_the_desk_lists_every_key(store: Store, lang: Lang) -> None:
    await shows_every_key(
        desk_app(store, "nk1", ACTOR, lang=lang), "question_mark", DESK_KEYS, lang
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_f1_at_triage_lists_every_key(store: Store, tmp_path: Path, lang: Lang) -> None:
    app = triage_app(store, ACTOR, lang=lang, print_dir=tmp_path / "slips")
    await shows_every_key(app, "f1", TRIAGE_KEYS, lang)
