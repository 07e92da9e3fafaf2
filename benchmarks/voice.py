"""The spoken call: commit -> audio ready on the server, and commit -> playback on a TV.

Server side: a real display server (`clinic-queue serve`, a process of its own) and a display
client; each call is committed by the desk command, and the clock stops when the call message
has arrived and both its WAV files (zh, en) have been fetched whole. "Ahead": the patient was
at the head of the desk's line, rendered before the call; "on demand": called out of turn from
far back, rendered when the call came.

TV side: Chromium (Debian's, autoplay allowed) on /display; the page records when each sound
starts (performance.timeOrigin + performance.now(), the same clock as the commit's on one
machine). Calls one at a time (each after the previous one's receipt), then bursts of calls at
five desks at once, where sounds overlapping would be counted.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from websockets.sync.client import connect

from benchmarks.report import Blocks, Table, machine_line, show_blocks, verdict, write_blocks
from queue_core import commands
from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.browser.harness import CHROMIUM_ARGS, ServerProcess, chromium_executable
from tests.conftest import ACTOR, HALL_KEY, SAMPLE_CONFIG

GOAL_MS = 500.0
DESKS = ("nk1", "nk2", "nk-zj", "wk1", "wk2")  # the sample clinic's desks, each a room
QUEUE_OF = {"nk1": "nk-pt", "nk2": "nk-pt", "nk-zj": "nk-zj", "wk1": "wk", "wk2": "wk"}


def clinic(path: Path, repeats: int = 1) -> Store:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8") + "\n[voice]\nspeed = 200\n"
    text = text.replace("announce_repeats = 2", f"announce_repeats = {repeats}")
    initialise(path, parse_config(text, str(SAMPLE_CONFIG)), ACTOR).close()
    return Store.open(path)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fetch(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        body = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"{path}: {reply.status}")
        return body
    finally:
        conn.close()


def server_side(directory: Path, calls: int) -> dict[str, list[float]]:
    store = clinic(directory / "server.db")
    server = ServerProcess(store.path)
    server.start()
    out: dict[str, list[float]] = {"ahead": [], "on demand": []}
    try:
        with connect(f"ws://127.0.0.1:{server.port}/ws/display?since=", max_size=None) as ws:
            while json.loads(ws.recv())["type"] != "snapshot":
                pass
            for i in range(calls):
                far = i % 2 == 1
                for _ in range(12 if far else 1):
                    issue_ticket(store, "wk", ACTOR, name="周八")
                time.sleep(0.3)  # the server has seen the line: its head is rendered ahead
                t0 = time.perf_counter()
                if far:
                    number = store.events_since(store.last_seq() - 1)[-1].ticket or ""
                    commands.call_ticket(store, "wk1", number, "benchmark", ACTOR)
                else:
                    commands.call_next(store, "wk1", ACTOR)
                while True:
                    message = json.loads(ws.recv())
                    if message["type"] == "call":
                        break
                for url in message["audio"].values():
                    fetch(server.port, url)
                out["on demand" if far else "ahead"].append((time.perf_counter() - t0) * 1000)
    finally:
        server.stop()
        store.close()
    return out


def receipt_of(store: Store, call_seq: int, limit_s: float = 60) -> str:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for event in store.events_since(call_seq):
            if event.type == "announced" and event.payload["call_seq"] == call_seq:
                return str(event.payload["how"])
        time.sleep(0.02)
    raise RuntimeError(f"no receipt for call {call_seq}")


def tv_side(directory: Path, singles: int, bursts: int) -> dict[str, Any]:
    store = clinic(directory / "tv.db")
    server = ServerProcess(store.path)
    server.start()
    result: dict[str, Any] = {"chime": [], "voice": [], "gap": [], "hows": [], "overlaps": 0}
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=chromium_executable(), args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            page.goto(f"{server.url}/display?key={HALL_KEY}&lang=zh-CN")
            page.wait_for_selector('#connection[data-status="live"]')
            for i in range(singles):
                desk = DESKS[i % len(DESKS)]
                issue_ticket(store, QUEUE_OF[desk], ACTOR, name="周八")
                time.sleep(0.3)
                t0 = time.time() * 1000
                commands.call_next(store, desk, ACTOR)
                seq = store.last_seq()
                result["hows"].append(receipt_of(store, seq))
                plays = page.evaluate("window.ClinicQueueVoice.plays")
                mine = [p for p in plays if p.get("seq") == seq]
                chime = [p for p in plays if p.get("chime")][-1]
                result["chime"].append(chime["epochMs"] - t0)
                result["voice"].append(mine[0]["epochMs"] - t0)
                result["gap"].append(mine[0]["start"] - chime["end"])
            for _ in range(bursts):
                for desk in DESKS:
                    issue_ticket(store, QUEUE_OF[desk], ACTOR, name="周八")
                seqs = []
                for desk in DESKS:
                    commands.call_next(store, desk, ACTOR)
                    seqs.append(store.last_seq())
                result["hows"] += [receipt_of(store, s, 120) for s in seqs]
            plays = page.evaluate("window.ClinicQueueVoice.plays")
            result["overlaps"] = sum(
                1 for a, b in itertools.pairwise(plays) if b["start"] < a["end"]
            )
            result["sounds"] = len(plays)
            browser.close()
    finally:
        server.stop()
        store.close()
    return result


def row(label: str, values: list[float], goal: bool = True) -> list[str]:
    p99 = pct(values, 0.99)
    return [
        label,
        str(len(values)),
        f"{statistics.median(values):.0f}",
        f"{p99:.0f}",
        f"{max(values):.0f}",
        verdict(p99 <= GOAL_MS) if goal else "after the chime",
    ]


def report(quick: bool) -> Blocks:
    machine = machine_line(quick)
    calls, singles, bursts = (6, 4, 1) if quick else (40, 20, 4)
    with tempfile.TemporaryDirectory() as tmp:
        served = server_side(Path(tmp), calls)
        tv = tv_side(Path(tmp), singles, bursts)
    columns = ["commit ->", "calls", "median ms", "p99 ms", "max ms", f"p99 <= {GOAL_MS:.0f} ms"]
    server_rows = [
        row("audio ready on the server, head rendered ahead", served["ahead"]),
        row("audio ready on the server, rendered on demand", served["on demand"]),
    ]
    tv_rows = [
        row("the TV starts the call (chime)", tv["chime"]),
        row("the TV starts the spoken clip", tv["voice"], goal=False),
    ]
    gaps = tv["gap"]
    hows = {h: tv["hows"].count(h) for h in sorted(set(tv["hows"]))}
    summary = (
        f"Chime end -> clip start: median {statistics.median(gaps):.0f} ms, max {max(gaps):.0f}"
        f" ms (the audio was ready when needed). Overlapping sounds: {tv['overlaps']} of"
        f" {tv['sounds']} played ({singles} single calls, then {bursts} bursts of 5 desks"
        f" calling at once; goal 0: {verdict(tv['overlaps'] == 0)}). Receipts: "
        + ", ".join(f"{k} {v}" for k, v in hows.items())
        + "."
    )
    return {
        "voice-machine": [
            machine,
            f"`python -m benchmarks.run_all --only voice` (espeak-ng, speed 200, one repeat;"
            f" {calls} server calls, {singles + 5 * bursts} TV calls)",
        ],
        "voice": [Table(columns, server_rows + tv_rows, left={"commit ->"}), summary],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few calls, print only")
    args = parser.parse_args(argv)
    blocks = report(args.quick)
    if args.quick:
        show_blocks(blocks)
    else:
        write_blocks(blocks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
