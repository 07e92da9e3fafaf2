"""A bad clinic.toml is refused with every problem named by its key, all in one go."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_core.config import load_config, parse_config
from queue_core.errors import ConfigError
from tests.conftest import SAMPLE_CONFIG

SAMPLE_TEXT = SAMPLE_CONFIG.read_text(encoding="utf-8")
SESSIONS = 'sessions = [["08:00", "12:00"], ["13:30", "17:00"]]'


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "clinic.toml")
    return caught.value.problems


def _edit(old: str, new: str, count: int = 1) -> str:
    """The sample configuration with one edit; the edit must apply, or the test proves nothing."""
    assert SAMPLE_TEXT.count(old) >= count, old
    return SAMPLE_TEXT.replace(old, new, count)


def test_sample_configuration_is_valid() -> None:
    config = load_config(SAMPLE_CONFIG)
    assert [q.id for q in config.queues] == ["nk-pt", "nk-zj", "wk"]
    assert config.queue("wk") is not None and config.queue("wk").requeue_behind == 3  # type: ignore[union-attr]
    assert config.desk("nk-zj") is not None
    assert config.desk("nk-zj").queues == ("nk-zj", "nk-pt")  # type: ignore[union-attr]
    assert config.timezone == "Asia/Shanghai"
    assert config.sessions == (("08:00", "12:00"), ("13:30", "17:00"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            _edit("alert_ahead = 3", 'alert_ahead = 3\ncolour = "blue"'),
            "clinic.colour: unknown key",
            id="unknown-clinic-key",
        ),
        pytest.param(
            _edit('prefix = "A"', 'prefix = "A"\nrequeue_behnd = 2'),
            "queues[0].requeue_behnd: unknown key",
            id="unknown-queue-key-misspelt",
        ),
        pytest.param(
            _edit('room = "1"', 'room = "1"\nfloor = 2'),
            "desks[0].floor: unknown key",
            id="unknown-desk-key",
        ),
        pytest.param(
            _edit("[[priority]]", '[[priorty]]\nid = "x"\n\n[[priority]]'),
            "priorty: unknown key",
            id="unknown-top-level-table",
        ),
        pytest.param(
            _edit("slot_minutes = 30", 'slot_minutes = "30"'),
            "clinic.slot_minutes: expected int, got str",
            id="wrong-type-string-for-int",
        ),
        pytest.param(
            _edit("requeue_behind = 2", "requeue_behind = true"),
            "queues[0].requeue_behind: expected int, got bool",
            id="wrong-type-bool-for-int",
        ),
        pytest.param(
            _edit("transfer_keeps_arrival = true", 'transfer_keeps_arrival = "yes"'),
            "queues[0].transfer_keeps_arrival: expected bool, got str",
            id="wrong-type-str-for-bool",
        ),
        pytest.param(
            _edit('queues = ["nk-pt"]', 'queues = "nk-pt"'),
            "desks[0].queues: expected list, got str",
            id="wrong-type-desk-queues",
        ),
        pytest.param(
            _edit('prefix = "B"', 'prefix = "A"'),
            "queues: prefix 'A' is used twice",
            id="duplicate-prefix",
        ),
        pytest.param(
            _edit('id = "nk2"', 'id = "nk1"'),
            "desks: id 'nk1' is used twice",
            id="duplicate-desk-id",
        ),
        pytest.param(
            _edit('queues = ["wk"]', 'queues = ["wk", "ek"]'),
            "desks[3].queues: 'ek' is not a configured queue id",
            id="desk-serving-unknown-queue",
        ),
        pytest.param(
            _edit('queues = ["wk"]', 'queues = ["nk-pt"]', count=2),
            "queues: 'wk' is served by no desk",
            id="queue-served-by-no-desk",
        ),
        pytest.param(
            _edit('timezone = "Asia/Shanghai"', 'timezone = "Asia/Beijing"'),
            "clinic.timezone: unknown time zone 'Asia/Beijing'",
            id="bad-timezone",
        ),
        pytest.param(
            _edit("requeue_behind = 3", "requeue_behind = 0"),
            "queues[2].requeue_behind: must be at least 1",
            id="requeue-behind-zero-would-send-to-front",
        ),
        pytest.param(
            _edit("return_behind = 1", "return_behind = 0"),
            "queues[0].return_behind: must be at least 1",
            id="return-behind-zero",
        ),
        pytest.param(
            _edit('late_appointment = "walk_in"', 'late_appointment = "drop"'),
            "clinic.late_appointment: must be one of walk_in, keep_slot",
            id="unknown-late-policy",
        ),
        pytest.param(
            _edit("max_ahead = 20", "max_ahead = -1"),
            "priority[4].max_ahead: must be 0 or more",
            id="negative-priority-cap",
        ),
        pytest.param(
            _edit('prefix = "C"', 'prefix = "c1"'),
            "queues[2].prefix: 'c1' must be 1-3 capital letters",
            id="bad-prefix",
        ),
        pytest.param(
            _edit('id = "wk1"', 'id = "Surgery 1"'),
            "desks[3].id: 'Surgery 1' must be lower-case letters",
            id="bad-desk-id",
        ),
        pytest.param(
            _edit('name = "老年人"\n', ""),
            "priority[0].name: missing",
            id="missing-required-key",
        ),
        pytest.param(
            _edit("announce_repeats = 2", 'announce_repeats = 2\npublic_url = "queue.hospital.cn"'),
            "clinic.public_url: 'queue.hospital.cn' must start with http:// or https://",
            id="public-url-without-scheme",
        ),
        pytest.param(
            _edit("announce_repeats = 2", 'announce_repeats = 2\npublic_url = "https://"'),
            "clinic.public_url: 'https://' must name a host",
            id="public-url-without-host",
        ),
        pytest.param(
            _edit("announce_repeats = 2", 'announce_repeats = 2\npublic_url = "http://q.cn:80x"'),
            "clinic.public_url: 'http://q.cn:80x' has a port that is not a number",
            id="public-url-bad-port",
        ),
        pytest.param(
            _edit("announce_repeats = 2", 'announce_repeats = 2\npublic_url = "https://q.cn/?a=1"'),
            "clinic.public_url: 'https://q.cn/?a=1' must not have a query",
            id="public-url-with-query",
        ),
        pytest.param(
            _edit("announce_repeats = 2", "announce_repeats = 2\npublic_url = 8765"),
            "clinic.public_url: expected str, got int",
            id="public-url-not-a-string",
        ),
        pytest.param(
            _edit('id = "hall"', 'id = "hall"\nname = "大厅"'),
            "screens[0].name: unknown key",
            id="unknown-screen-key",
        ),
        pytest.param(
            _edit('key = "sample-hall-key-change-me"\n', ""),
            "screens[0].key: missing",
            id="screen-without-a-key",
        ),
        pytest.param(
            _edit('"sample-hall-key-change-me"', '"hall"'),
            "screens[0].key: must be 16-64 letters, digits, - or _",
            id="screen-key-too-short",
        ),
        pytest.param(
            _edit('"sample-hall-key-change-me"', '"sample hall key, change me"'),
            "screens[0].key: must be 16-64 letters, digits, - or _",
            id="screen-key-with-spaces",
        ),
        pytest.param(
            _edit('"sample-hall-key-change-me"', '"sample-nk-area-key-change-me"'),
            "screens: two screens have the same key",
            id="screen-key-twice",
        ),
        pytest.param(
            _edit('id = "nk-area"', 'id = "hall"'),
            "screens: id 'hall' is used twice",
            id="screen-id-twice",
        ),
        pytest.param(
            _edit('department = "内科"\n\n[[screens]]', 'department = "眼科"\n\n[[screens]]'),
            "screens[1].department: no queue belongs to department '眼科'",
            id="screen-of-an-unknown-department",
        ),
        pytest.param(
            _edit('desks = ["wk1"]', 'desks = ["wk9"]'),
            "screens[2].desks: 'wk9' is not a configured desk id",
            id="screen-of-an-unknown-desk",
        ),
        pytest.param(
            _edit('desks = ["wk1"]', 'queues = [{ id = "wk" }]'),
            "screens[2].queues: {'id': 'wk'} is not a configured queue id",
            id="screen-queue-not-a-string",
        ),
        pytest.param(
            _edit('prefix = "C"', 'prefix = "C"\ntypical_visit_minutes = 0'),
            "queues[2].typical_visit_minutes: must be a number of minutes from 1 to 240",
            id="typical-visit-of-no-minutes",
        ),
        pytest.param(
            _edit('prefix = "C"', 'prefix = "C"\ntypical_visit_minutes = "8"'),
            "queues[2].typical_visit_minutes: expected int, got str",
            id="typical-visit-not-a-number",
        ),
        pytest.param(
            _edit('doctor = "王建国"', "doctor = 7"),
            "desks[2].doctor: expected str, got int",
            id="doctor-not-a-string",
        ),
        pytest.param(
            _edit(SESSIONS, 'sessions = [["08:00", "12:00"], ["13:30"]]'),
            'clinic.sessions[1]: [\'13:30\'] must be ["HH:MM", "HH:MM"] (24-hour)',
            id="session-without-its-end",
        ),
        pytest.param(
            _edit(SESSIONS, 'sessions = [["8:00", "12:00"]]'),
            "clinic.sessions[0]: ['8:00', '12:00'] must be",
            id="session-time-not-hh-mm",
        ),
        pytest.param(
            _edit(SESSIONS, 'sessions = [["12:00", "08:00"]]'),
            "clinic.sessions[0]: 12:00 must be before 08:00",
            id="session-ending-before-it-starts",
        ),
        pytest.param(
            _edit(SESSIONS, 'sessions = [["08:00", "12:00"], ["11:30", "17:00"]]'),
            "clinic.sessions[1]: 11:30 is before the end of the session before it",
            id="sessions-overlapping",
        ),
        pytest.param(
            _edit(SESSIONS, 'sessions = "08:00-12:00"'),
            "clinic.sessions: expected list, got str",
            id="sessions-not-a-list",
        ),
        pytest.param(
            _edit(SESSIONS, SESSIONS + '\ncloses_at = "16:00"'),
            "clinic.sessions: the last session ends after clinic.closes_at",
            id="session-past-closing",
        ),
        pytest.param(
            _edit('title = "主任医师"', 'title = "主任\u202e医师"'),
            "desks[2].title: holds U+202E, a control or format character",
            id="title-with-a-bidi-override",
        ),
    ],
)
def test_bad_key_is_named(text: str, expected: str) -> None:
    problems = _problems(text)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("clinic.toml: ") for p in problems)


def test_invalid_toml_is_refused_with_the_file_name() -> None:
    problems = _problems(SAMPLE_TEXT + "\n[[desks]\nid = 'x'\n")
    assert len(problems) == 1
    assert problems[0].startswith("clinic.toml: not valid TOML")


def test_every_problem_is_reported_at_once() -> None:
    text = (
        SAMPLE_TEXT.replace("alert_ahead = 3", "alert_ahead = 3\ncolour = 1")
        .replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
        .replace('prefix = "B"', 'prefix = "A"')
        .replace("requeue_behind = 3", "requeue_behind = 0")
        .replace('queues = ["wk"]', 'queues = ["wk", "ek"]', 1)
        .replace("slot_minutes = 30", 'slot_minutes = "half an hour"')
    )
    problems = _problems(text)
    for key in (
        "clinic.colour",
        "clinic.timezone",
        "clinic.slot_minutes",
        "queues: prefix 'A' is used twice",
        "queues[2].requeue_behind",
        "desks[3].queues: 'ek'",
    ):
        assert any(key in p for p in problems), (key, problems)
    assert len(problems) == 6, problems


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert str(missing) in caught.value.problems[0]


def test_the_sample_registers_three_screens_and_a_key_is_never_repeated() -> None:
    config = load_config(SAMPLE_CONFIG)
    assert [(s.id, s.department, s.desks) for s in config.screens] == [
        ("hall", "", ()),
        ("nk-area", "内科", ()),
        ("wk1-door", "", ("wk1",)),
    ]
    assert "change-me" not in repr(config.screens)  # a key is a secret: not in any repr
    problems = _problems(_edit('"sample-hall-key-change-me"', '"sample hall key, change me"'))
    assert not any("change me" in p for p in problems), problems
