"""Run every display-server benchmark and write their rows into docs/benchmarks.md.

`--quick` is a short smoke run that prints the rows instead of writing them (and no plot).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from benchmarks import server_fuzz, server_load, server_policy, server_restart, server_slow
from benchmarks.report import DOC, ROOT, Part, machine_line, show_blocks, verdict, write_blocks
from benchmarks.server_load import LoadRun

PLOT = ROOT / "docs" / "server-latency.svg"


def svg_plot(runs: list[LoadRun]) -> str:
    """Latency against clients, log scale, hand-written SVG (no plotting library needed)."""
    width, height, left, bottom, top = 640, 360, 70, 300, 30
    series = [
        ("screens p99", "#1f77b4", [r.display.p99 for r in runs]),
        ("phones p99 (all)", "#d62728", [r.phone.p99 if r.phones else math.nan for r in runs]),
        ("phones p99, new place", "#9467bd", [r.place.p99 if r.phones else math.nan for r in runs]),
        ("phones p50 (all)", "#ff9896", [r.phone.median if r.phones else math.nan for r in runs]),
        ("2 s polling p50", "#7f7f7f", [r.poll.median for r in runs]),
    ]
    xs = [math.log10(r.clients) for r in runs]
    x0, x1 = min(xs), max(xs)

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1) * (width - left - 30)

    def py(ms: float) -> float:
        return bottom - (math.log10(max(ms, 1.0))) / 4 * (bottom - top)  # 1 ms .. 10 s

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18">Commit to message received (ms, log scale)</text>',
    ]
    for ms in (1, 10, 100, 1000, 10000):
        y = py(ms)
        parts.append(f'<line x1="{left}" x2="{width - 30}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{ms:,}</text>')
    for r, x in zip(runs, xs, strict=True):
        parts.append(
            f'<text x="{px(x)}" y="{bottom + 18}" text-anchor="middle">{r.clients:,}</text>'
        )
    parts.append(
        f'<text x="{(left + width) / 2}" y="{bottom + 38}" text-anchor="middle">'
        "clients (20 screens + phones)</text>"
    )
    for goal, label in ((10, "screens goal"), (150, "phones goal")):
        y = py(goal)
        parts.append(
            f'<line x1="{left}" x2="{width - 30}" y1="{y}" y2="{y}" stroke="#2ca02c" '
            'stroke-dasharray="4 4"/>'
            f'<text x="{width - 32}" y="{y - 4}" text-anchor="end" fill="#2ca02c">{label}</text>'
        )
    for index, (name, colour, values) in enumerate(series):
        points = [(px(x), py(v)) for x, v in zip(xs, values, strict=True) if not math.isnan(v)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        ly = top + 14 + index * 16
        parts.append(
            f'<rect x="{left + 10}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + 26}" y="{ly}">{name}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def goals(load: list[LoadRun], restart: server_restart.Outcome) -> list[Part]:
    """The goals against this run's figures, at the largest number of phones (the run with the
    median phones p99 of the repeated ones)."""
    top = server_load.median_runs(load)[-1]
    phone_bytes = server_load.largest_phone_message(load)
    kills = ", ".join(
        f"{r.signal_name} {'never' if r.from_kill_s is None else f'{r.from_kill_s:.2f} s'}"
        for r in restart.restarts
    )
    restarted = all(
        r.from_kill_s is not None and r.from_kill_s <= server_restart.GOAL_S
        for r in restart.restarts
    )
    lost = restart.missed + restart.duplicated
    lines = [
        f"- Screens p99 {top.display.p99:.1f} ms (goal {server_load.DISPLAY_GOAL_MS:.0f} "
        f"ms): {verdict(top.display.p99 <= server_load.DISPLAY_GOAL_MS)}.",
        f"- Phones p99, a new place (or call, state, alert): {top.place.p99:.0f} ms (goal "
        f"{server_load.PHONE_GOAL_MS:.0f} ms): "
        f"{verdict(top.place.p99 <= server_load.PHONE_GOAL_MS)}.",
        f"- Phones p99, every message of the calls (a new place, or an estimate moved by a "
        f"new median visit): {top.phone.p99:.0f} ms (goal {server_load.PHONE_GOAL_MS:.0f} "
        f"ms): {verdict(top.phone.p99 <= server_load.PHONE_GOAL_MS)}.",
        f"- Phones p99 when every phone is told at once (a desk pauses or resumes): "
        f"{top.everyone.p99:.0f} ms (goal {server_load.EVERYONE_GOAL_MS:.0f} ms, screens "
        f"p99 kept <= {server_load.SCREENS_KEPT_MS:.0f} ms: {top.display.p99:.1f} ms): "
        f"{verdict(top.everyone.p99 <= server_load.EVERYONE_GOAL_MS)}, "
        f"{verdict(top.display.p99 <= server_load.SCREENS_KEPT_MS)}.",
        f"- Memory per connection {top.kib_per_connection:.1f} KiB (goal "
        f"{server_load.MEMORY_GOAL_KIB:.0f} KiB): "
        f"{verdict(top.kib_per_connection <= server_load.MEMORY_GOAL_KIB)}.",
        f"- Largest phone message {phone_bytes} bytes (goal {server_load.PHONE_BYTES_GOAL}): "
        f"{verdict(phone_bytes <= server_load.PHONE_BYTES_GOAL)}.",
        f"- Restart, signal to last client current: {kills} (goal "
        f"{server_restart.GOAL_S:.0f} s): {verdict(restarted)}.",
        f"- Messages lost or received twice over the restarts: {lost} (goal 0): "
        f"{verdict(lost == 0)}.",
    ]
    return [f"With {top.phones:,} phones:", "\n".join(lines)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short smoke run, print only")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to update")
    args = parser.parse_args(argv)
    load = server_load.run(args.quick)
    restart = server_restart.run(args.quick)
    slow = server_slow.run(args.quick)
    fuzz = server_fuzz.run(args.quick)
    policy = server_policy.run(args.quick)
    blocks = {
        "server-machine": [machine_line(args.quick)],
        **server_load.blocks(load),
        **server_restart.blocks(restart),
        **server_slow.blocks(slow),
        **server_fuzz.blocks(fuzz),
        "server-policy": [server_policy.table(policy)],
        "server-goals": goals(load, restart),
    }
    if args.quick:
        show_blocks(blocks, args.output)
        return 0
    PLOT.write_text(svg_plot(server_load.median_runs(load)), encoding="utf-8")
    write_blocks(blocks, args.output)
    print(f"Wrote {PLOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
