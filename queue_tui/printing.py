"""Printing a slip: always to a text file, and to an ESC/POS printer when one is configured."""

from __future__ import annotations

import os
from pathlib import Path

from queue_tui.i18n import Lang, localized, t
from queue_tui.qr import qr_lines
from queue_tui.snapshot import Slip

TICKET_DIR_ENV = "CLINIC_QUEUE_TICKET_DIR"
PRINTER_ENV = "CLINIC_QUEUE_PRINTER"  # "network:HOST" or "usb:VENDOR:PRODUCT" (hex ids)


def ticket_dir(db_path: Path) -> Path:
    """Where slips are written: $CLINIC_QUEUE_TICKET_DIR, else `tickets/` beside the database."""
    return Path(os.environ.get(TICKET_DIR_ENV) or db_path.parent / "tickets")


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
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slip.issued_at.date().isoformat()}-{slip.number}.txt"
    path.write_text(slip_text(slip, lang), encoding="utf-8")
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
