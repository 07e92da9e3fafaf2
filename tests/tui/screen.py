"""The whole terminal as the nurse sees it: the top screen (a dialog over the console, toasts
included) rendered to plain text, one line per terminal row."""

from __future__ import annotations

from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets._toast import Toast

from tests.tui.conftest import rendered


def screen_text(pilot: Pilot[None]) -> str:
    return "\n".join(strip.text.rstrip() for strip in _strips(pilot))


def region_text(pilot: Pilot[None], region: Region) -> str:
    """The part of the terminal inside `region` (a widget's region on screen), cut by cells:
    a Chinese character takes two."""
    strips = _strips(pilot)[region.y : region.bottom]
    return "\n".join(strip.crop(region.x, region.right).text.rstrip() for strip in strips)


def _strips(pilot: Pilot[None]) -> list[Strip]:
    return pilot.app.screen._compositor.render_strips()


def toast_text(pilot: Pilot[None]) -> str:
    """Every toast on screen as drawn, without its edge and without the spaces and breaks its
    wrapping added: compare it with `bare(expected)`."""
    return "".join(
        bare(line.strip().strip("▌"))
        for toast in pilot.app.screen.query(Toast)
        for line in rendered(toast).splitlines()
    )


def bare(text: str) -> str:
    return "".join(text.split())
