"""What a person across the waiting room can read: the TV page's text boxes as Chromium lays
them out, checked for overlap, for numbers cut at an edge, and for numbers too small.

The minimum sizes are the ones docs/screens.md gives (a number read at 5 m on a 1080p TV).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

MIN_CALLED_PX = 48  # the number in a room and the big call
MIN_NEXT_PX = 36  # the next and the missed numbers

# Every piece of text the page may show; nested pieces are only compared with their equals.
TEXT = (
    ".tv-header h1, .indicator, #clock, .sound-hint, .desks-head > span, .calling-label,"
    " .calling-ticket, .calling-name, .calling-room, .room-number, .room-unit, .desk-room small,"
    " .desk-current .ticket, .desk-current .name, .next-ticket, .missed-label, .missed-ticket,"
    " .missed-empty, .missed-more, .door-room, .door-doctor, .door-label, .paused .desk-current"
)
NUMBERS = {
    ".calling-ticket": MIN_CALLED_PX,
    ".desk-current .ticket": MIN_CALLED_PX,
    ".next-ticket": MIN_NEXT_PX,
    ".missed-ticket": MIN_NEXT_PX,
}

MEASURE = """([text, numbers]) => {
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.closest("[hidden]") === null &&
      getComputedStyle(el).visibility !== "hidden";
  };
  const label = (el) => (el.className || el.id || el.tagName) + " '" +
    el.textContent.trim().slice(0, 30) + "'";
  const boxes = [...document.querySelectorAll(text)].filter(shown);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const a = boxes[i], b = boxes[j];
      if (a.contains(b) || b.contains(a)) { continue; }
      const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 1 && h > 1) { overlaps.push(label(a) + " over " + label(b)); }
    }
  }
  const clipped = [], small = [], seen = [];
  for (const [selector, least] of Object.entries(numbers)) {
    for (const el of [...document.querySelectorAll(selector)].filter(shown)) {
      const box = el.getBoundingClientRect();
      seen.push(el.textContent.trim());
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < least) { small.push(label(el) + " " + size + "px"); }
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
        clipped.push(label(el) + " wider than itself");
      }
      let outer = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
      for (let up = el.parentElement; up !== null; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (style.overflowX !== "visible" || style.overflowY !== "visible") {
          const r = up.getBoundingClientRect();
          outer = {
            left: Math.max(outer.left, r.left), top: Math.max(outer.top, r.top),
            right: Math.min(outer.right, r.right), bottom: Math.min(outer.bottom, r.bottom)
          };
        }
      }
      if (box.left < outer.left - 1 || box.top < outer.top - 1 ||
          box.right > outer.right + 1 || box.bottom > outer.bottom + 1) {
        clipped.push(label(el) + " cut at an edge");
      }
    }
  }
  return { overlaps, clipped, small, seen };
}"""


def measure(page: Page) -> dict[str, Any]:
    """{overlaps, clipped, small: what is wrong (empty when legible); seen: the numbers shown}."""
    result: dict[str, Any] = page.evaluate(MEASURE, [TEXT, NUMBERS])
    return result


def assert_legible(page: Page) -> list[str]:
    """Fails with what is wrong; returns the numbers on screen."""
    found = measure(page)
    problems = [*found["overlaps"], *found["clipped"], *found["small"]]
    assert not problems, problems
    seen: list[str] = found["seen"]
    return seen


def twelve_desk_clinic(path: Path, queues: int = 1) -> Path:
    """A waiting area of twelve rooms: all on one queue, or spread over `queues` queues."""
    lines = ['[clinic]\nname = "十二诊室"\ntimezone = "Asia/Shanghai"\n']
    for q in range(queues):
        lines.append(
            f'[[queues]]\nid = "q{q}"\nname = "内科{q}号"\nprefix = "{"ABCDEFGHIJKL"[q]}"\n'
        )
    for d in range(12):
        lines.append(
            f'[[desks]]\nid = "d{d + 1}"\nname = "内科{d + 1}诊室"\nroom = "{d + 1}"\n'
            f'queues = ["q{d % queues}"]\n'
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
