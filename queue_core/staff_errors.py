"""Refusals of the staff accounts (queue_core/staff.py): one line each, a code for consoles."""

from __future__ import annotations

from queue_core.errors import QueueError


class StaffNotFound(QueueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No staff account {name!r}.", "staff_not_found", name=name)


class StaffExists(QueueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is a staff account {name!r} already.", "staff_exists", name=name)


class BadStaff(QueueError):
    """A name, role, desk list or password `add` or `reset` cannot take; nothing was changed."""

    def __init__(self, problem: str, field: str) -> None:
        super().__init__(f"The {problem}; nothing was changed.", "bad_staff", field=field)


class LoginRefused(QueueError):
    """Unknown name, wrong password or disabled account: one message for all three, so that
    a guesser learns nothing about which names exist."""

    def __init__(self) -> None:
        super().__init__("Wrong name or password, or the account is disabled.", "login_failed")
