"""The clinic's configuration: one TOML file, validated in full so every bad key is named."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queue_core.address import url_problem
from queue_core.errors import ConfigError
from queue_core.notify_config import KEYS as NOTIFY_KEYS
from queue_core.notify_config import NotifyConfig, parse_notify
from queue_core.text import NAME_LIMIT, unsafe_char
from queue_core.voice_text import KEYS as VOICE_KEYS
from queue_core.voice_text import VoiceConfig, parse_voice

DEFAULT_CONFIG = Path(__file__).with_name("default_clinic.toml")
LATE_POLICIES = ("walk_in", "keep_slot")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_PREFIX = re.compile(r"^[A-Z]{1,3}$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
ALERT_LIMIT = 99  # ahead of a patient: beyond this every phone would be alerted at once
PLACES_LIMIT = 999  # places a requeue, a return or a priority class moves a ticket
VISIT_LIMIT = 240  # minutes: a typical visit longer than a half-day session is a typo
# A screen's key is a secret carried in its page's URL: long enough not to be guessed, and
# nothing a URL would have to escape.
SCREEN_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Every key a clinic file may hold, by table; anything else is reported as unknown.
KEYS: dict[str, set[str]] = {
    "clinic": {
        "name",
        "timezone",
        "slot_minutes",
        "late_appointment",
        "alert_ahead",
        "announce_repeats",
        "closes_at",
        "sessions",
        "public_url",
        "retention_days",
        "staff_session_hours",
        "checkin_code_minutes",
    },
    "queues": {
        "id",
        "name",
        "name_en",
        "department",
        "prefix",
        "requeue_behind",
        "return_behind",
        "transfer_keeps_arrival",
        "typical_visit_minutes",
    },
    "desks": {"id", "name", "name_en", "room", "queues", "doctor", "title"},
    "priority": {"id", "name", "name_en", "max_ahead"},
    "backup": {"directory", "keep", "every_minutes"},
    "screens": {"id", "key", "department", "queues", "desks"},
    "voice": VOICE_KEYS,
    "notify": NOTIFY_KEYS,
}
# PIPL asks that personal data be kept no longer than its purpose needs; a month covers the
# questions that come back about a visit (queue_core/retention.py, docs/operations.md).
RETENTION_DAYS = 30
# A staff login lasts a shift; the longest a clinic may choose is a day and night on call.
STAFF_SESSION_HOURS = 12


@dataclass(frozen=True)
class QueueConfig:
    id: str
    name: str
    name_en: str
    department: str
    prefix: str
    requeue_behind: int = 2
    return_behind: int = 1
    transfer_keeps_arrival: bool = True
    # The visit length phones' estimates use until the day's first visit has finished.
    typical_visit_minutes: int | None = None


@dataclass(frozen=True)
class DeskConfig:
    id: str
    name: str
    name_en: str
    room: str
    queues: tuple[str, ...]
    # Who sees patients in the room and their title (主任医师...), for the screen at its door.
    doctor: str = ""
    title: str = ""


@dataclass(frozen=True)
class PriorityClass:
    id: str
    name: str
    name_en: str
    max_ahead: int


@dataclass(frozen=True)
class BackupConfig:
    """Copies the display server makes by itself (queue_core/backup.py)."""

    directory: str  # relative: from the database's directory
    keep: int = 7
    every_minutes: int = 0  # 0: one copy after each day's close, none in between


@dataclass(frozen=True)
class ScreenConfig:
    """A registered waiting-room screen: its receipts count, for what it shows (an empty
    filter shows every queue, as a page without filters does)."""

    id: str
    key: str = field(repr=False)
    department: str = ""
    queues: tuple[str, ...] = ()
    desks: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClinicConfig:
    name: str
    timezone: str
    slot_minutes: int = 30
    late_appointment: str = "walk_in"
    alert_ahead: int = 3
    announce_repeats: int = 2
    closes_at: str | None = None  # "HH:MM": the day closes then, not only at midnight
    # ("HH:MM", "HH:MM") the desks see patients, in order; between them (lunch) nobody is
    # called. Empty: no planned hours, the desks are open whenever they are not paused.
    sessions: tuple[tuple[str, str], ...] = ()
    public_url: str | None = None  # where phones reach the display server (queue_core/address.py)
    retention_days: int = RETENTION_DAYS  # names, phones and links of older days are erased
    staff_session_hours: int = STAFF_SESSION_HOURS  # a staff login expires after this
    # How often the code a phone checks in with changes (queue_core/checkin_code.py); 0: no
    # check-in from phones.
    checkin_code_minutes: int = 0
    backup: BackupConfig | None = None
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    queues: tuple[QueueConfig, ...] = ()
    desks: tuple[DeskConfig, ...] = ()
    priorities: tuple[PriorityClass, ...] = ()
    screens: tuple[ScreenConfig, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def queue(self, queue_id: str) -> QueueConfig | None:
        return next((q for q in self.queues if q.id == queue_id), None)

    def desk(self, desk_id: str) -> DeskConfig | None:
        return next((d for d in self.desks if d.id == desk_id), None)

    def priority(self, class_id: str) -> PriorityClass | None:
        return next((p for p in self.priorities if p.id == class_id), None)

    def screen(self, screen_id: str) -> ScreenConfig | None:
        return next((s for s in self.screens if s.id == screen_id), None)

    def desks_serving(self, queue_id: str) -> list[DeskConfig]:
        return [d for d in self.desks if queue_id in d.queues]


class _Checker:
    """Collects problems instead of stopping at the first, so one run of init names them all.

    The limits on names and counts came after clinics had stored their configuration: what
    breaks them goes to `limits`, so a database set up before still opens and `init` with a
    corrected file can replace it."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.limits: list[str] = []

    def take(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        kind: type,
        default: Any = None,
        required: bool = False,
    ) -> Any:
        if key not in table:
            if required:
                self.problems.append(f"{path}.{key}: missing")
            return default
        value = table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            self.problems.append(
                f"{path}.{key}: expected {kind.__name__}, got {type(value).__name__}"
            )
            return default
        return value

    def label(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        default: str,
        required: bool = False,
        may_be_empty: bool = False,
    ) -> str:
        """A name shown on screens, spoken and printed in staff terminals: some text, at most
        `NAME_LIMIT` characters, and no control or format character that would drive a
        terminal or reorder a screen's line."""
        text = table.get(key)
        if not isinstance(text, str):  # missing, or not text: `take` says which
            return str(self.take(table, key, path, str, default, required))
        bad = unsafe_char(text)
        if bad is not None:
            self.limits.append(
                f"{path}.{key}: holds U+{ord(bad):04X}, a control or format character"
            )
        elif not text.strip() and not may_be_empty:
            self.limits.append(f"{path}.{key}: must not be empty")
        elif len(text) > NAME_LIMIT:
            self.limits.append(f"{path}.{key}: longer than {NAME_LIMIT} characters")
        return text

    def at_most(self, value: int, high: int, key: str) -> None:
        if value > high:
            self.limits.append(f"{key}: must be at most {high}")

    def unknown(self, table: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(table) - allowed):
            self.problems.append(f"{path}.{key}: unknown key")

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)


def _tables(c: _Checker, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    raw = data.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        c.problems.append(f"{key}: expected an array of tables ([[{key}]])")
        return []
    return raw


def _queues(c: _Checker, data: dict[str, Any]) -> list[QueueConfig]:
    out: list[QueueConfig] = []
    for i, t in enumerate(_tables(c, data, "queues")):
        p = f"queues[{i}]"
        c.unknown(t, KEYS["queues"], p)
        qid = c.take(t, "id", p, str, "", required=True)
        c.check(
            not qid or bool(_ID.match(qid)),
            f"{p}.id: {qid!r} must be lower-case letters, digits, - or _",
        )
        name = c.label(t, "name", p, qid, required=True)
        prefix = c.take(t, "prefix", p, str, "", required=True)
        c.check(
            not prefix or bool(_PREFIX.match(prefix)),
            f"{p}.prefix: {prefix!r} must be 1-3 capital letters",
        )
        requeue = c.take(t, "requeue_behind", p, int, 2)
        c.check(
            requeue >= 1,
            f"{p}.requeue_behind: must be at least 1 (a requeued patient never goes to the front)",
        )
        c.at_most(requeue, PLACES_LIMIT, f"{p}.requeue_behind")
        back = c.take(t, "return_behind", p, int, 1)
        c.check(back >= 1, f"{p}.return_behind: must be at least 1")
        c.at_most(back, PLACES_LIMIT, f"{p}.return_behind")
        typical = c.take(t, "typical_visit_minutes", p, int)
        c.check(
            typical is None or 1 <= typical <= VISIT_LIMIT,
            f"{p}.typical_visit_minutes: must be a number of minutes from 1 to {VISIT_LIMIT}",
        )
        out.append(
            QueueConfig(
                id=qid,
                name=name,
                name_en=c.label(t, "name_en", p, name),
                department=c.label(t, "department", p, "", may_be_empty=True),
                prefix=prefix,
                requeue_behind=requeue,
                return_behind=back,
                transfer_keeps_arrival=c.take(t, "transfer_keeps_arrival", p, bool, True),
                typical_visit_minutes=typical,
            )
        )
    c.check(
        bool(out) or "queues" not in data or not data["queues"],
        "queues: at least one queue is needed",
    )
    c.check("queues" in data, "queues: missing (at least one [[queues]] table)")
    _unique(c, "queues", "id", [q.id for q in out])
    _unique(c, "queues", "prefix", [q.prefix for q in out])
    return out


def _desks(c: _Checker, data: dict[str, Any], queue_ids: set[str]) -> list[DeskConfig]:
    out: list[DeskConfig] = []
    for i, t in enumerate(_tables(c, data, "desks")):
        p = f"desks[{i}]"
        c.unknown(t, KEYS["desks"], p)
        did = c.take(t, "id", p, str, "", required=True)
        c.check(
            not did or bool(_ID.match(did)),
            f"{p}.id: {did!r} must be lower-case letters, digits, - or _",
        )
        name = c.label(t, "name", p, did, required=True)
        queues = c.take(t, "queues", p, list, [], required=True)
        for q in queues:
            c.check(q in queue_ids, f"{p}.queues: {q!r} is not a configured queue id")
        c.check(
            bool(queues) or "queues" not in t, f"{p}.queues: a desk must serve at least one queue"
        )
        out.append(
            DeskConfig(
                id=did,
                name=name,
                name_en=c.label(t, "name_en", p, name),
                room=c.label(t, "room", p, name),
                queues=tuple(str(q) for q in queues),
                doctor=c.label(t, "doctor", p, "", may_be_empty=True),
                title=c.label(t, "title", p, "", may_be_empty=True),
            )
        )
    c.check("desks" in data and bool(out), "desks: at least one [[desks]] table is needed")
    _unique(c, "desks", "id", [d.id for d in out])
    return out


def _priorities(c: _Checker, data: dict[str, Any]) -> list[PriorityClass]:
    out: list[PriorityClass] = []
    for i, t in enumerate(_tables(c, data, "priority")):
        p = f"priority[{i}]"
        c.unknown(t, KEYS["priority"], p)
        pid = c.take(t, "id", p, str, "", required=True)
        c.check(
            not pid or bool(_ID.match(pid)),
            f"{p}.id: {pid!r} must be lower-case letters, digits, - or _",
        )
        name = c.label(t, "name", p, pid, required=True)
        cap = c.take(t, "max_ahead", p, int, 0, required=True)
        c.check(cap >= 0, f"{p}.max_ahead: must be 0 or more")
        c.at_most(cap, PLACES_LIMIT, f"{p}.max_ahead")
        out.append(
            PriorityClass(id=pid, name=name, name_en=c.label(t, "name_en", p, name), max_ahead=cap)
        )
    _unique(c, "priority", "id", [x.id for x in out])
    return out


def _backup(c: _Checker, data: dict[str, Any]) -> BackupConfig | None:
    if "backup" not in data:
        return None
    table = data["backup"]
    if not isinstance(table, dict):
        c.problems.append("backup: expected a table ([backup])")
        return None
    c.unknown(table, KEYS["backup"], "backup")
    directory = c.take(table, "directory", "backup", str, "", required=True)
    c.check("directory" not in table or bool(directory.strip()), "backup.directory: empty")
    keep = c.take(table, "keep", "backup", int, 7)
    c.check(1 <= keep <= 1000, "backup.keep: must be between 1 and 1000")
    every = c.take(table, "every_minutes", "backup", int, 0)
    c.check(
        every == 0 or 5 <= every <= 1440,
        "backup.every_minutes: must be 0 (after each day's close only) or between 5 and 1440",
    )
    return BackupConfig(directory=directory, keep=keep, every_minutes=every)


def _screens(
    c: _Checker, data: dict[str, Any], queues: list[QueueConfig], desk_ids: set[str]
) -> list[ScreenConfig]:
    out: list[ScreenConfig] = []
    departments = {q.department for q in queues if q.department}
    queue_ids = {q.id for q in queues}
    for i, t in enumerate(_tables(c, data, "screens")):
        p = f"screens[{i}]"
        c.unknown(t, KEYS["screens"], p)
        sid = c.take(t, "id", p, str, "", required=True)
        c.check(
            not sid or bool(_ID.match(sid)),
            f"{p}.id: {sid!r} must be lower-case letters, digits, - or _",
        )
        key = c.take(t, "key", p, str, "", required=True)
        # The key itself is never repeated in a message: it is a secret.
        c.check(
            not key or bool(SCREEN_KEY.fullmatch(key)),
            f"{p}.key: must be 16-64 letters, digits, - or _ (a secret of its own for each"
            " screen, e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe(24))')",
        )
        department = c.take(t, "department", p, str, "")
        c.check(
            not department or department in departments,
            f"{p}.department: no queue belongs to department {department!r}",
        )
        shown_queues = c.take(t, "queues", p, list, [])
        for q in shown_queues:
            c.check(
                isinstance(q, str) and q in queue_ids,
                f"{p}.queues: {q!r} is not a configured queue id",
            )
        shown_desks = c.take(t, "desks", p, list, [])
        for d in shown_desks:
            c.check(
                isinstance(d, str) and d in desk_ids,
                f"{p}.desks: {d!r} is not a configured desk id",
            )
        out.append(
            ScreenConfig(
                id=sid,
                key=key,
                department=department,
                queues=tuple(str(q) for q in shown_queues),
                desks=tuple(str(d) for d in shown_desks),
            )
        )
    _unique(c, "screens", "id", [s.id for s in out])
    keys = [s.key for s in out if s.key]
    c.check(len(set(keys)) == len(keys), "screens: two screens have the same key")
    return out


def _sessions(c: _Checker, clinic: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = c.take(clinic, "sessions", "clinic", list, [])
    out: list[tuple[str, str]] = []
    for i, pair in enumerate(raw):
        key = f"clinic.sessions[{i}]"
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(t, str) and _CLOCK.match(t) for t in pair)
        ):
            c.problems.append(f'{key}: {pair!r} must be ["HH:MM", "HH:MM"] (24-hour)')
            continue
        begin, end = pair
        if begin >= end:
            c.problems.append(f"{key}: {begin} must be before {end}")
        elif out and begin < out[-1][1]:
            c.problems.append(f"{key}: {begin} is before the end of the session before it")
        else:
            out.append((begin, end))
    return tuple(out)


def _unique(c: _Checker, table: str, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for v in values:
        c.check(v not in seen, f"{table}: {key} {v!r} is used twice")
        seen.add(v)


def parse_config(text: str, source: str = "<config>", stored: bool = False) -> ClinicConfig:
    """Parse and validate; raise ConfigError listing every problem, each naming its key. A
    `stored` configuration, as the database holds it, is not held to the later limits."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML ({exc})"]) from None
    c = _Checker()
    c.unknown(data, set(KEYS), "")
    clinic = data.get("clinic", {})
    if not isinstance(clinic, dict):
        c.problems.append("clinic: expected a table ([clinic])")
        clinic = {}
    c.unknown(clinic, KEYS["clinic"], "clinic")
    tzname = c.take(clinic, "timezone", "clinic", str, "Asia/Shanghai")
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        c.problems.append(f"clinic.timezone: unknown time zone {tzname!r}")
        tzname = "UTC"
    slot = c.take(clinic, "slot_minutes", "clinic", int, 30)
    c.check(5 <= slot <= 240, "clinic.slot_minutes: must be between 5 and 240")
    late = c.take(clinic, "late_appointment", "clinic", str, "walk_in")
    c.check(
        late in LATE_POLICIES, f"clinic.late_appointment: must be one of {', '.join(LATE_POLICIES)}"
    )
    alert = c.take(clinic, "alert_ahead", "clinic", int, 3)
    c.check(alert >= 0, "clinic.alert_ahead: must be 0 or more")
    c.at_most(alert, ALERT_LIMIT, "clinic.alert_ahead")
    name = c.label(clinic, "name", "clinic", "Clinic")
    repeats = c.take(clinic, "announce_repeats", "clinic", int, 2)
    c.check(1 <= repeats <= 5, "clinic.announce_repeats: must be between 1 and 5")
    closes_at = c.take(clinic, "closes_at", "clinic", str, None)
    c.check(
        closes_at is None or bool(_CLOCK.match(closes_at)),
        f"clinic.closes_at: {closes_at!r} must be a time of day, HH:MM (24-hour)",
    )
    sessions = _sessions(c, clinic)
    c.check(
        not (sessions and closes_at and _CLOCK.match(closes_at) and sessions[-1][1] > closes_at),
        "clinic.sessions: the last session ends after clinic.closes_at",
    )
    public_url = c.take(clinic, "public_url", "clinic", str, None)
    problem = url_problem(public_url) if public_url is not None else None
    c.check(problem is None, f"clinic.public_url: {public_url!r} {problem}")
    retention = c.take(clinic, "retention_days", "clinic", int, RETENTION_DAYS)
    c.check(0 <= retention <= 3650, "clinic.retention_days: must be between 0 and 3650")
    session_hours = c.take(clinic, "staff_session_hours", "clinic", int, STAFF_SESSION_HOURS)
    c.check(1 <= session_hours <= 24, "clinic.staff_session_hours: must be between 1 and 24")
    code_minutes = c.take(clinic, "checkin_code_minutes", "clinic", int, 0)
    c.check(0 <= code_minutes <= 60, "clinic.checkin_code_minutes: must be between 0 and 60")
    queues = _queues(c, data)
    desks = _desks(c, data, {q.id for q in queues})
    priorities = _priorities(c, data)
    backup = _backup(c, data)
    voice, voice_problems = parse_voice(data.get("voice"))
    c.problems += voice_problems
    notify, notify_problems = parse_notify(data.get("notify"))
    c.problems += notify_problems
    screens = _screens(c, data, queues, {d.id for d in desks})
    served = {q for d in desks for q in d.queues}
    for q in queues:
        c.check(q.id in served, f"queues: {q.id!r} is served by no desk")
    problems = c.problems if stored else c.problems + c.limits
    if problems:
        raise ConfigError([f"{source}: {p}" if source else p for p in problems])
    return ClinicConfig(
        name=name,
        timezone=tzname,
        slot_minutes=slot,
        late_appointment=late,
        alert_ahead=alert,
        announce_repeats=repeats,
        closes_at=closes_at,
        sessions=sessions,
        public_url=public_url,
        retention_days=retention,
        staff_session_hours=session_hours,
        checkin_code_minutes=code_minutes,
        backup=backup,
        voice=voice,
        notify=notify,
        queues=tuple(queues),
        desks=tuple(desks),
        priorities=tuple(priorities),
        screens=tuple(screens),
        source=text,
    )


def load_config(path: Path) -> ClinicConfig:
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad on a desk PC writes a BOM
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text"]) from None
    return parse_config(text, str(path))
