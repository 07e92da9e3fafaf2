"""Printing a slip: always to a text file (queue_core/slips.py), and to an ESC/POS printer
when one is configured."""

from __future__ import annotations

import os
from pathlib import Path

from queue_core.slips import write_slip
from queue_tui.i18n import Lang, localized, t
from queue_tui.qr import qr_lines
from queue_tui.snapshot import Slip

PRINTER_ENV = "CLINIC_QUEUE_PRINTER"  # "network:HOST" or "usb:VENDOR:PRODUCT" (hex ids)


def slip_text(slip: Slip, lang: Lang) -> str:
    queue_name = localized(slip.queue, lang)
    lines = [
        t(lang, "slip.title"),
        "",
        f"    {slip.number}",
        "",
        queue_name + (f"  {slip.masked_name}" if slip.masked_name else ""),
        t(lang, "slip.rooms", rooms=", ".join(slip.rooms)),
        t(lang, "slip.ahead", ahead=slip.ahead),
        slip.issued_at.strftime("%Y-%m-%d %H:%M"),
        "",
        t(lang, "slip.scan"),
        *qr_lines(slip.url),
        slip.url,
    ]
    return "\n".join(lines) + "\n"


def print_slip(slip: Slip, directory: Path, lang: Lang) -> list[str]:
    """Returns where the slip went, for the nurse's confirmation."""
    path = write_slip(directory, slip.day, slip.number, slip_text(slip, lang))
    places = [str(path)]
    printer = os.environ.get(PRINTER_ENV)
    if printer and _escpos(slip, printer, lang):
        places.append(printer)
    return places


def _escpos(slip: Slip, target: str, lang: Lang) -> bool:
    """python-escpos is an optional extra (`pip install clinic-queue[printer]`)."""
    try:
        from escpos.printer import Network, Usb
    except ImportError:
        return False
    kind, _, where = target.partition(":")
    if kind == "network":
        device = Network(where)
    elif kind == "usb":
        vendor, _, product = where.partition(":")
        device = Usb(int(vendor, 16), int(product, 16))
    else:
        return False
    queue_name = localized(slip.queue, lang)
    device.set(align="center", double_height=True, double_width=True)
    device.text(f"{slip.number}\n")
    device.set(align="center")
    device.text(f"{queue_name}\n{t(lang, 'slip.rooms', rooms=', '.join(slip.rooms))}\n")
    device.text(f"{t(lang, 'slip.ahead', ahead=slip.ahead)}\n")
    device.qr(slip.url, size=6)
    device.cut()
    device.close()
    return True
