"""The settings of what the clinic keeps: personal data for `retention_days`, copies of the
file in `[backup]`; a bad value is named by its key."""

from __future__ import annotations

import pytest

from queue_core.config import RETENTION_DAYS, BackupConfig, parse_config
from queue_core.errors import ConfigError
from tests.conftest import SAMPLE_CONFIG

SAMPLE_TEXT = SAMPLE_CONFIG.read_text(encoding="utf-8")


def with_clinic(line: str) -> str:
    return SAMPLE_TEXT.replace("[clinic]\n", f"[clinic]\n{line}\n", 1)


def test_without_the_keys_a_month_is_kept_and_the_server_makes_no_copy() -> None:
    config = parse_config(SAMPLE_TEXT)
    assert (config.retention_days, config.backup) == (RETENTION_DAYS, None)


def test_a_backup_table_gives_the_folder_and_how_many_copies_stay() -> None:
    config = parse_config(SAMPLE_TEXT + '\n[backup]\ndirectory = "/srv/backups"\nkeep = 3\n')
    assert config.backup == BackupConfig("/srv/backups", keep=3, every_minutes=0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (with_clinic("retention_days = -1"), "clinic.retention_days: must be between 0 and 3650"),
        (with_clinic('retention_days = "30"'), "clinic.retention_days: expected int, got str"),
        (SAMPLE_TEXT + "\n[backup]\nkeep = 3\n", "backup.directory"),
        (SAMPLE_TEXT + '\n[backup]\ndirectory = " "\n', "backup.directory: empty"),
        (
            SAMPLE_TEXT + '\n[backup]\ndirectory = "b"\nkeep = 0\n',
            "backup.keep: must be between 1 and 1000",
        ),
        (
            SAMPLE_TEXT + '\n[backup]\ndirectory = "b"\nevery_minutes = 1\n',
            "backup.every_minutes: must be 0",
        ),
        (SAMPLE_TEXT + '\n[backup]\ndirectory = "b"\nkepe = 3\n', "backup.kepe: unknown key"),
        ('backup = "daily"\n' + SAMPLE_TEXT, "backup: expected a table"),
    ],
    ids=lambda value: value if len(value) < 60 else None,
)
def test_a_bad_value_is_named_by_its_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "clinic.toml")
    assert any(expected in p for p in caught.value.problems), caught.value.problems
