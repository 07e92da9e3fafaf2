"""A small surgery morning, scripted with commands and a stepping clock, and its figures as
worked out by hand (times are Shanghai, the clinic's zone; the clock starts at 09:00)."""

from __future__ import annotations

from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock

# A hostile out-of-turn reason and cancel reason: formulas if a spreadsheet ran them.
OUT_OF_TURN_REASON = '=HYPERLINK("http://evil.example","点我")'
CANCEL_REASON = "+cmd|' /C calc'!A0"
HOSTILE_NAME = '=HYPERLINK("http://evil.example","x")'

# Check-in to first call, in minutes: C001 10, C005 4, C004 15, C002 23, C003 26, C006 9, C007 13;
# sorted 4 9 10 13 15 23 26: the median is the 4th, the nearest-rank p90 the 7th (ceil 6.3).
WAITS = {"C001": 10.0, "C005": 4.0, "C004": 15.0, "C002": 23.0, "C003": 26.0, "C006": 9.0}
WAITS["C007"] = 13.0
WAIT_MEDIAN, WAIT_P90 = 13.0, 26.0
# Call to done: wk1 saw C001 10, C004 9, C003 15, C007 10; wk2 saw C005 13, C006 10, C002 10.
VISITS = {"wk1": [10.0, 9.0, 15.0, 10.0], "wk2": [13.0, 10.0, 10.0]}
# Who went before whom: (overtaken, by, why).
OVERTAKES = [
    ("C002", "C005", "priority"),
    ("C003", "C005", "priority"),
    ("C004", "C005", "priority"),
    ("C002", "C004", "out_of_turn"),
    ("C003", "C004", "out_of_turn"),
    ("C002", "C006", "requeued"),
    ("C002", "C007", "requeued"),
]


def surgery_morning(store: Store, clock: SteppingClock) -> None:
    """C001-C005 walk in two minutes apart (C005 elderly, C001 with a hostile name), desks wk1
    and wk2 work them, C002 misses a call and is requeued, C008 is cancelled, wk1 pauses."""
    at = clock.advance
    issue_ticket(store, "wk", ACTOR, name=HOSTILE_NAME)  # C001 09:00
    at(minutes=2)
    issue_ticket(store, "wk", ACTOR, name="李四")  # C002 09:02
    at(minutes=2)
    issue_ticket(store, "wk", ACTOR, name="王五")  # C003 09:04
    at(minutes=2)
    issue_ticket(store, "wk", ACTOR, name="赵六")  # C004 09:06
    at(minutes=2)
    issue_ticket(store, "wk", ACTOR, name="孙七", priority="elderly")  # C005 09:08
    at(minutes=2)
    commands.call_next(store, "wk1", ACTOR)  # 09:10 C001
    at(minutes=2)
    commands.call_next(store, "wk2", ACTOR)  # 09:12 C005, moved up three places by its class
    at(minutes=8)
    commands.finish(store, "wk1", ACTOR)  # 09:20 C001 done
    at(minutes=1)
    commands.call_ticket(store, "wk1", "C004", OUT_OF_TURN_REASON, "doctor-li")  # 09:21
    at(minutes=4)
    commands.call_next(store, "wk2", ACTOR)  # 09:25 C002, C005 done
    at(minutes=1)
    commands.recall(store, "wk2", ACTOR)  # 09:26
    at(minutes=1)
    commands.skip(store, "wk2", ACTOR)  # 09:27 C002 missed
    at(minutes=3)
    commands.call_next(store, "wk1", ACTOR)  # 09:30 C003, C004 done
    at(minutes=1)
    issue_ticket(store, "wk", ACTOR, name="周八")  # C006 09:31
    at(minutes=1)
    issue_ticket(store, "wk", ACTOR, name="吴九")  # C007 09:32
    at(minutes=1)
    commands.requeue(store, "C002", ACTOR)  # 09:33: behind C006 and C007
    at(minutes=1)
    issue_ticket(store, "wk", ACTOR, name="郑十")  # C008 09:34
    at(minutes=2)
    commands.cancel(store, "C008", CANCEL_REASON, ACTOR)  # 09:36
    at(minutes=4)
    commands.call_next(store, "wk2", ACTOR)  # 09:40 C006
    at(minutes=5)
    commands.call_next(store, "wk1", ACTOR)  # 09:45 C007, C003 done
    at(minutes=5)
    commands.call_next(store, "wk2", ACTOR)  # 09:50 C002, C006 done
    at(minutes=5)
    commands.finish(store, "wk1", ACTOR)  # 09:55 C007 done
    commands.pause(store, "wk1", ACTOR, reason="午休")  # 09:55
    at(minutes=5)
    commands.finish(store, "wk2", ACTOR)  # 10:00 C002 done
    at(minutes=5)
    commands.resume(store, "wk1", ACTOR)  # 10:05: wk1 paused 10 minutes
