"""The whole terminal as the nurse sees it: the top screen (a dialog over the console, toasts
included) rendered to plain text, one line per terminal row."""

from __future__ import annotations

from textual.geometry import Region
from textual.pilot import Pilot


def screen_text(pilot: Pilot[None]) -> str:
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def region_text(pilot: Pilot[None], region: Region) -> str:
    """The part of the terminal inside `region` (a widget's region on screen)."""
    rows = screen_text(pilot).splitlines()[region.y : region.bottom]
    return "\n".join(row.ljust(region.right)[region.x : region.right] for row in rows)
