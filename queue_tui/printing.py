"""Printing a slip: always to a text file (queue_core/slips.py), and to an ESC/POS printer
when one is configured."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from queue_core.console_view import Slip
from queue_core.slips import write_slip
from queue_tui.i18n import Lang, localized, t
from queue_tui.qr import qr_lines

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


@dataclass(frozen=True)
class Printed:
    """What became of a slip, as the nurse is told it: the file it was saved to (or why it
    could not be), and the printer it was sent to (or why not) when one is configured."""

    path: Path | None
    save_failure: str = ""
    printer: str | None = None
    printer_failure: str = ""

    @property
    def failed(self) -> bool:
        return self.path is None or bool(self.printer_failure)

    def text(self, lang: Lang) -> str:
        parts = []
        if self.printer is not None:
            if self.printer_failure:
                parts.append(
                    t(lang, "print.failed", printer=self.printer, why=self.printer_failure)
                )
            else:
                parts.append(t(lang, "print.sent", printer=self.printer))
        if self.path is not None:
            parts.append(t(lang, "print.saved", path=str(self.path)))
        else:
            parts.append(t(lang, "print.not_saved", why=self.save_failure))
        return t(lang, "print.separator").join(parts)


def print_slip(slip: Slip, directory: Path, lang: Lang) -> Printed:
    """Save the slip's text file (beside the database: queue_core/slips.py), and send it to
    the printer when one is configured; neither failure hides the other."""
    try:
        path: Path | None = write_slip(directory, slip.day, slip.number, slip_text(slip, lang))
        save_failure = ""
    except OSError as exc:
        path, save_failure = None, f"{directory}: {exc.strerror or exc}"
    printer = os.environ.get(PRINTER_ENV)
    if not printer:
        return Printed(path, save_failure)
    try:
        _escpos(slip, printer, lang)
    except Exception as exc:  # a driver's errors (no device, no access, timeout) share no base
        return Printed(path, save_failure, printer, str(exc) or type(exc).__name__)
    return Printed(path, save_failure, printer)


class PrinterUnavailable(Exception):
    """The printer setting cannot be used; the message says why."""


def _escpos(slip: Slip, target: str, lang: Lang) -> None:
    """python-escpos is an optional extra (`pip install clinic-queue[printer]`)."""
    try:
        from escpos.printer import Network, Usb
    except ImportError:
        raise PrinterUnavailable("python-escpos is not installed (the printer extra)") from None
    kind, _, where = target.partition(":")
    if kind == "network":
        device = Network(where)
    elif kind == "usb":
        vendor, _, product = where.partition(":")
        try:
            device = Usb(int(vendor, 16), int(product, 16))
        except ValueError:
            raise PrinterUnavailable(f"{PRINTER_ENV}={target}: not usb:VENDOR:PRODUCT") from None
    else:
        raise PrinterUnavailable(f"{PRINTER_ENV}={target}: not network:HOST or usb:VENDOR:PRODUCT")
    queue_name = localized(slip.queue, lang)
    device.set(align="center", double_height=True, double_width=True)
    device.text(f"{slip.number}\n")
    device.set(align="center")
    device.text(f"{queue_name}\n{t(lang, 'slip.rooms', rooms=', '.join(slip.rooms))}\n")
    device.text(f"{t(lang, 'slip.ahead', ahead=slip.ahead)}\n")
    device.qr(slip.url, size=6)
    device.cut()
    device.close()
