"""The public protocol: what screens and phones receive, and what they may send back.

Builders take the event log's rows (which hold full names and tokens) and keep only what a
public surface may show: ticket numbers and masked names. docs/protocol.md is the contract.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from websockets.typing import Origin

from queue_core import screens
from queue_core.board import Board, public_board
from queue_core.config import ClinicConfig
from queue_core.events import (
    ANNOUNCED_HOW,
    Called,
    Event,
    Finished,
    Paused,
    PresenceSet,
    Recalled,
    Requeued,
    Resumed,
    Skipped,
    Transferred,
)
from queue_core.masking import mask_name
from queue_core.model import PRESENCE
from queue_core.patient import Calls, Eta, PatientView, place_desk
from queue_core.screens import ScreenFilter
from queue_core.voice_text import LANGUAGES, VoiceConfig, said_name, text_of

MAX_FRAME = 4 * 1024  # client frames above this close with 1009 (websockets' max_size)
ORIGINS_ENV = "CLINIC_QUEUE_ORIGINS"
POLICY_VIOLATION = 1008
DISPLAY_TYPES = ("hello", "ack", "ping")
# An ack without `how` comes from a page loaded before receipts said how: it spoke with the
# TV's own voice (or believed it did).
OLD_PAGE_HOW = "os_voice"
PHONE_TYPES = ("hello", "presence", "check_in", "ping")
CODE_LIMIT = 16  # a check-in code as typed, spaces included
Message = dict[str, Any]
# Near the head a phone hears of every step of its line. Farther back its place is rounded up
# to a step that grows with the distance and the number being served is left out: a call then
# moves the pages of the patients near the head and of one in each step behind them, not every
# phone of a long line (each message costs the server a send of its own).
EXACT_AHEAD = 30
PLACE_STEPS = ((100, 5), (500, 10))
FAR_STEP = 50


def encode(message: Mapping[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def screen_filter(config: ClinicConfig, query: Mapping[str, list[str]]) -> ScreenFilter:
    """`department`, `queues` and `desks` narrow the feed (queue_core/screens.py)."""

    def ids(key: str) -> set[str]:
        return {x for v in query.get(key, []) for x in v.split(",") if x.strip()}

    return screens.screen_filter(config, ids("department"), ids("queues"), ids("desks"))


def parse_query(path: str) -> tuple[str, dict[str, list[str]]]:
    """Route and query; an empty `since=` is kept (it means "no resume, no hello wait")."""
    route, _, query = path.partition("?")
    try:
        return route, parse_qs(query, keep_blank_values=True, max_num_fields=16)
    except ValueError:
        return route, {}


def since_of(query: Mapping[str, list[str]]) -> int | None:
    values = query.get("since")
    if not values:
        return None
    return as_seq(values[0])


def as_seq(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    # isdigit() alone takes "²" and other digits int() refuses.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    if isinstance(value, int) and 0 <= value < 2**63:
        return value
    return None


def spoken(voice: VoiceConfig, number: str, room: str, masked: str | None) -> dict[str, str]:
    """The call as the TV says it, per language, from the clinic's templates: 「请 A012 号 到 3
    诊室就诊」, then in English. A name only where the clinic chose to say names, and then only
    its family name: engines read a mask character out ("星号")."""
    name = said_name(masked) if voice.say_names else ""
    return {lang: text_of(voice.template(lang), number, room, name) for lang in LANGUAGES}


def clinic_clock(config: ClinicConfig, day: str) -> Message:
    """What a TV needs to show the clinic's time whatever its own zone is set to: the zone, and
    its offset on the service day (midday, so a night's clock change does not matter) for a
    browser without time zone data."""
    midday = datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=config.tz)
    offset = midday.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return {"timezone": config.timezone, "utc_offset": minutes}


@dataclass(frozen=True)
class Public:
    """One display message with the scope a screen filter is checked against."""

    seq: int
    desk: str | None
    queues: tuple[str | None, ...]
    message: Message


AudioUrls = Callable[[str, str, str | None], dict[str, str] | None]


def display_messages(
    event: Event, config: ClinicConfig, audio: AudioUrls | None = None
) -> list[Public]:
    """The public messages of one log event; most events only change the board."""
    fact = event.fact()
    row = event.own_row() or {}
    name = mask_name(row.get("name"))
    base: Message = {"seq": event.seq}
    desk = config.desk(event.desk) if event.desk else None
    match fact:
        case Called() | Recalled() if desk is not None:
            room = fact.room or desk.room
            message = {
                "type": "call",
                **base,
                "ticket": event.ticket,
                "name": name,
                "desk": desk.id,
                "desk_name": desk.name,
                "desk_name_en": desk.name_en,
                "room": room,
                "queue": event.queue,
                "recall": fact.recalls if isinstance(fact, Recalled) else 0,
                "out_of_turn": isinstance(fact, Called) and fact.out_of_turn,
                "text": spoken(config.voice, event.ticket or "", room, name),
                "audio": audio(event.ticket or "", room, name) if audio else None,
                "repeats": config.announce_repeats,
            }
        case Skipped():
            message = {
                "type": "skip",
                **base,
                "ticket": event.ticket,
                "name": name,
                "desk": event.desk,
                "queue": event.queue,
            }
        case Requeued():
            message = {
                "type": "requeue",
                **base,
                "ticket": event.ticket,
                "name": name,
                "queue": event.queue,
            }
            return [Public(event.seq, None, (event.queue,), message)]
        case Finished():
            message = {
                "type": "done",
                **base,
                "ticket": event.ticket,
                "desk": event.desk,
                "queue": event.queue,
            }
        case Transferred():
            message = {
                "type": "transfer",
                **base,
                "ticket": event.ticket,
                "name": name,
                "queue": event.queue,
                "from_queue": fact.from_queue,
                "desk": event.desk,
            }
            return [Public(event.seq, None, (event.queue, fact.from_queue), message)]
        case Paused() | Resumed():
            message = {"type": event.type.value, **base, "desk": event.desk}
        case _:
            return []
    return [Public(event.seq, event.desk, (event.queue,), message)]


def board_message(board: Board, seen: ScreenFilter) -> Message:
    """The public board restricted to one screen's queues and desks."""
    public = public_board(board, desks=seen.desks, queues=seen.queues)
    return {"type": "board", "seq": board.seq, "board": public}


def phone_milestones(event: Event, config: ClinicConfig) -> list[Message]:
    """What a patient's own event tells their phone (never anything about anyone else)."""
    fact = event.fact()
    base: Message = {"seq": event.seq}
    match fact:
        case Called() | Recalled():
            return [
                {
                    "type": "called",
                    **base,
                    "room": fact.room,
                    "desk": event.desk,
                    "recall": fact.recalls if isinstance(fact, Recalled) else 0,
                },
                {"type": "alert", **base, "kind": "called"},
            ]
        case PresenceSet():
            return [{"type": "presence", **base, "status": fact.status}]
    told = event.phones.told
    if told is None:
        return []
    state, why = told
    ticket = event.own_ticket()
    if ticket is None or (state is not None and ticket.state is not state):
        return []  # a visit ended whose ticket had already left the room: not its news
    desk = config.desk(place_desk(ticket) or "")
    room = desk.room if desk is not None else None
    return [{"type": "state", **base, "state": ticket.state.value, "why": why, "room": room}]


def place_step(ahead: int, alert_ahead: int) -> int:
    """1 (exact) up to EXACT_AHEAD or the `soon` alert, then the step of the band `ahead` is in."""
    if ahead <= max(EXACT_AHEAD, alert_ahead):
        return 1
    for limit, step in PLACE_STEPS:
        if ahead <= limit:
            return step
    return FAR_STEP


def told_place(
    ahead: int | None, now: str | None, alert_ahead: int
) -> tuple[int | None, str | None, int]:
    """(ahead, now, step) as a phone is told them: far back, ahead rounded up and no `now`."""
    if ahead is None:
        return None, now, 1
    step = place_step(ahead, alert_ahead)
    if step == 1:
        return ahead, now, 1
    return -(-ahead // step) * step, None, step


def told_calls(calls: Calls, step: int) -> Calls | None:
    """Each room's last call, as a phone is told them: like `now`, not far back."""
    return calls if step == 1 else None


def _calls_value(calls: Calls | None) -> list[list[str]] | None:
    """[room, ticket] pairs: a pair is a third of an object's bytes, in every `pos` sent."""
    if calls is None:
        return None
    return [[room, number] for room, number in calls]


def ticket_message(
    view: PatientView,
    seq: int,
    queue_name: str,
    alert_ahead: int,
    day: str,
    closed: bool,
    slot: str | None = None,
    self_checkin: bool = False,
) -> Message:
    """`closed`: the ticket's day is over; the page says so instead of showing a live queue.
    `slot`: an appointment's time (HH:MM, clinic time); `self_checkin`: the patient may check
    in from this page with the code on the department's screen."""
    ahead, now, step = told_place(view.ahead, view.now, alert_ahead)
    return {
        "type": "ticket",
        "seq": seq,
        "number": view.number,
        "day": day,
        "closed": closed,
        "state": view.state,
        "queue": view.queue,
        "queue_name": queue_name,
        "ahead": ahead,
        "step": step,
        "now": now,
        "calls": _calls_value(told_calls(view.calls, step)),
        "eta": list(view.eta) if view.eta is not None else None,
        "no_eta": view.no_eta,
        "desk": view.desk,
        "room": view.room,
        "recall": view.recall,
        "alert_ahead": alert_ahead,
        "slot": slot,
        "self_checkin": self_checkin,
    }


def pos_message(view: PatientView, seq: int, why: str, alert_ahead: int) -> Message:
    ahead, now, step = told_place(view.ahead, view.now, alert_ahead)
    return {
        "type": "pos",
        "seq": seq,
        "ahead": ahead,
        "step": step,
        "now": now,
        "calls": _calls_value(told_calls(view.calls, step)),
        "eta": list(view.eta) if view.eta is not None else None,
        "no_eta": view.no_eta,
        "why": why,
    }


@functools.lru_cache(maxsize=1024)
def _json_value(value: str | None) -> str:
    """A few distinct numbers served and reasons, each written in thousands of `pos`."""
    return json.dumps(value, ensure_ascii=False)


@functools.lru_cache(maxsize=256)
def _json_calls(calls: Calls | None) -> str:
    """The rooms' calls of a queue are the same for every phone of it told them."""
    return encode({"calls": _calls_value(calls)})[1:-1]


def pos_text(
    seq: int,
    ahead: int,
    step: int,
    now: str | None,
    calls: Calls | None,
    eta: Eta | None,
    no_eta: str | None,
    why: str,
) -> bytes:
    """`encode(pos_message(...))` without building a dict: a round writes one per phone."""
    eta_text = "null" if eta is None else f"[{eta[0]},{eta[1]}]"
    # Far back there are no calls, and with an estimate no reason for its absence: most phones.
    calls_text = '"calls":null' if calls is None else _json_calls(calls)
    no_eta_text = "null" if no_eta is None else _json_value(no_eta)
    return (
        f'{{"type":"pos","seq":{seq},"ahead":{ahead},"step":{step},"now":{_json_value(now)},'
        f'{calls_text},"eta":{eta_text},"no_eta":{no_eta_text},"why":{_json_value(why)}}}'
    ).encode()


def error(code: str, message: str) -> Message:
    return {"type": "error", "code": code, "message": message}


class BadMessage(Exception):
    """A client frame the server answers with an `error` message (the connection stays open)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_client(frame: str | bytes, allowed: tuple[str, ...]) -> Message:
    """Validate one client frame: a JSON object whose `type` this feed accepts."""
    if not isinstance(frame, str):
        raise BadMessage("binary", "Only JSON text frames are accepted.")
    try:
        data = json.loads(frame)
    except (ValueError, RecursionError):
        raise BadMessage("bad_json", "Not valid JSON.") from None
    if "\\u" in frame:
        _check_text(data)
    if not isinstance(data, dict):
        raise BadMessage("bad_message", "A message is a JSON object with a type.")
    kind = data.get("type")
    if kind not in allowed:
        raise BadMessage("unknown_type", f"Unknown message type; expected one of {allowed}.")
    if kind in ("hello", "ack") and as_seq(data.get("since" if kind == "hello" else "seq")) is None:
        raise BadMessage("bad_seq", "A sequence number (integer) is required.")
    if kind == "ack" and data.get("how", OLD_PAGE_HOW) not in ANNOUNCED_HOW:
        raise BadMessage("bad_how", f"how must be one of {ANNOUNCED_HOW}.")
    if kind == "presence" and data.get("status") not in PRESENCE:
        raise BadMessage("bad_status", f"status must be one of {PRESENCE}.")
    if kind == "check_in":
        typed = data.get("code")
        if not isinstance(typed, str) or len(typed) > CODE_LIMIT:
            raise BadMessage("bad_check_in", f"code must be a string of at most {CODE_LIMIT}.")
    return data


def _check_text(data: object) -> None:
    """Refuse what cannot be written as UTF-8 again. A frame is valid UTF-8, but a JSON escape
    such as `\\ud800` gives a lone surrogate, which no store or socket can encode: such a
    frame is refused here, before any of it is stored or echoed."""
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise BadMessage(
            "bad_text", "Text must be valid Unicode (a lone surrogate is not)."
        ) from None
    except RecursionError:
        raise BadMessage("bad_json", "Not valid JSON.") from None


def allowed_origins(environ: Mapping[str, str] = os.environ) -> list[Origin | None] | None:
    """`CLINIC_QUEUE_ORIGINS` (comma-separated); unset or empty allows every origin.

    Clients that send no Origin header (monitoring, scripts) are allowed: browsers always send
    one, and cross-site hijacking is a browser attack.
    """
    raw = environ.get(ORIGINS_ENV, "")
    origins: list[Origin | None] = [
        Origin(o.strip().rstrip("/")) for o in raw.split(",") if o.strip()
    ]
    if not origins:
        return None
    return [*origins, None]


TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
