"""Staff accounts, their passwords and their sessions (docs/staff-api.md).

Passwords are hashed with scrypt (memory-hard, in the standard library) and a salt of their
own; sessions are random tokens of which only the SHA-256 is stored, so a copy of the database
lets nobody log in. The accounts live outside the event log: each change appends an audit
event that says who did what, never with a password or a hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from queue_core.errors import TextRefused
from queue_core.events import LoggedIn, LoggedOut, LoginFailed, PasswordReset, StaffAdded
from queue_core.events import StaffDisabled as StaffDisabledFact
from queue_core.operations import DESK_SCOPED, Member, Role
from queue_core.staff_errors import BadStaff, LoginRefused, StaffExists, StaffNotFound
from queue_core.store import Store, Tx, iso
from queue_core.text import cleaned

# scrypt's cost: 2**14 * 8 * 128 bytes = 16 MiB and tens of milliseconds per check, OWASP's
# minimum; stored with each hash, so raising it later leaves older hashes readable.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024
PASSWORD_MIN = 8
PASSWORD_MAX = 256
# A staff number (工号) or a login: letters, digits and . _ -, as an actor's "staff:NAME".
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
STAFF_ACTOR = "staff:"  # the actor of a member's actions: "staff:NAME"
TYPED_LIMIT = 64  # a name as typed at a failed login, cleaned for the audit trail


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=_MAXMEM
    )
    return "$".join(
        ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def verify_password(password: str, stored: str) -> bool:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    tried = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=_MAXMEM,
    )
    return hmac.compare_digest(tried, base64.b64decode(digest))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# Checked against when the name is unknown, so that a wrong name costs what a wrong password
# costs and the time of an answer does not tell which names exist: the same scrypt runs on the
# password tried, and no digest is worked out for it beforehand (that took a tenth of a second
# at every start of every command and of the server), since nothing can match it anyway.
_NOBODY = "$".join(
    [
        *("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)),
        *(_b64(secrets.token_bytes(16)), _b64(bytes(64))),
    ]
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    desks: tuple[str, ...]
    disabled: bool
    created_at: str

    @property
    def member(self) -> Member:
        return Member(self.role, frozenset(self.desks))

    @property
    def actor(self) -> str:
        return f"{STAFF_ACTOR}{self.name}"


@dataclass(frozen=True)
class Session:
    """A logged-in member; `token` is the secret only when the session was just made."""

    account: Account
    expires: str
    token: str = ""


def _account(row: tuple[str, str, str, int, str]) -> Account:
    name, role, desks, disabled, created = row
    desk_ids = tuple(d for d in desks.split(",") if d)
    return Account(name, Role(role), desk_ids, bool(disabled), created)


_COLUMNS = "name, role, desks, disabled, created_at"


def _checked_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise BadStaff(f"name {name!r} is not 1 to 32 letters, digits, '.', '_' or '-'", "name")
    return name


def _checked_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise BadStaff(
            f"password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters", "password"
        )
    return password


def _checked_desks(store: Store, role: Role, desks: tuple[str, ...]) -> tuple[str, ...]:
    for desk in desks:
        if store.config.desk(desk) is None:
            raise BadStaff(f"desk {desk!r} is not in this clinic's configuration", "desks")
    if role is Role.DESK and not desks:
        raise BadStaff("desk role needs the desks it works at (--desks)", "desks")
    if desks and role not in DESK_SCOPED:
        raise BadStaff(f"{role.value} role is not limited to desks; give no --desks", "desks")
    return desks


def _role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise BadStaff(f"role {text!r} is not one of {roles}", "role") from None


def check_new_staff(
    store: Store, name: str, role: str, desks: tuple[str, ...]
) -> tuple[str, Role, tuple[str, ...]]:
    """Everything of a new account but its password, so a console asks for the password only
    once the rest would be accepted; add_staff checks it all again under the lock."""
    name, kind = _checked_name(name), _role(role)
    desks = _checked_desks(store, kind, desks)
    if any(account.name == name for account in list_staff(store)):
        raise StaffExists(name)
    return name, kind, desks


def check_existing_staff(store: Store, name: str) -> Account:
    """The account `name`, or StaffNotFound: before a new password is asked for it."""
    for account in list_staff(store):
        if account.name == name:
            return account
    raise StaffNotFound(name)


def add_staff(
    store: Store, name: str, role: str, desks: tuple[str, ...], password: str, actor: str
) -> Account:
    name, kind = _checked_name(name), _role(role)
    desks = _checked_desks(store, kind, desks)
    hashed = hash_password(_checked_password(password))  # before the lock: it takes a while
    with store.write() as tx:
        if _find(tx, name) is not None:
            raise StaffExists(name)
        at = iso(tx.now)
        tx.unlogged(
            f"INSERT INTO staff ({_COLUMNS}, password, changed_at) VALUES (?, ?, ?, 0, ?, ?, ?)",
            (name, kind.value, ",".join(desks), at, hashed, at),
        )
        tx.append(StaffAdded(name=name, role=kind.value, desks=desks), actor)
        return Account(name, kind, desks, False, at)


def list_staff(store: Store) -> list[Account]:
    with store.read() as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM staff ORDER BY name").fetchall()
    return [_account(tuple(r)) for r in rows]


def disable_staff(store: Store, name: str, actor: str) -> int:
    """The account cannot log in any more; its sessions end now. Returns how many."""
    with store.write() as tx:
        _existing(tx, name)
        tx.unlogged(
            "UPDATE staff SET disabled = 1, changed_at = ? WHERE name = ?", (iso(tx.now), name)
        )
        ended = _revoke_all(tx, name)
        tx.append(StaffDisabledFact(name=name, sessions=ended), actor)
        return ended


def reset_password(store: Store, name: str, password: str, actor: str) -> int:
    """A new password; every session of the account ends. Returns how many did."""
    hashed = hash_password(_checked_password(password))
    with store.write() as tx:
        _existing(tx, name)
        tx.unlogged(
            "UPDATE staff SET password = ?, changed_at = ? WHERE name = ?",
            (hashed, iso(tx.now), name),
        )
        ended = _revoke_all(tx, name)
        tx.append(PasswordReset(name=name, sessions=ended), actor)
        return ended


def _find(tx: Tx, name: str) -> Account | None:
    row = tx.unlogged(f"SELECT {_COLUMNS} FROM staff WHERE name = ?", (name,)).fetchone()
    return None if row is None else _account(tuple(row))


def _existing(tx: Tx, name: str) -> Account:
    account = _find(tx, name)
    if account is None:
        raise StaffNotFound(name)
    return account


def _revoke_all(tx: Tx, name: str) -> int:
    return tx.unlogged("DELETE FROM staff_sessions WHERE name = ?", (name,)).rowcount


def as_typed(text: str, limit: int = TYPED_LIMIT) -> str:
    """A name or address from a login, fit for the audit trail whatever was sent."""
    try:
        return cleaned(text[: limit * 2], "name", limit * 2)[:limit] or "?"
    except TextRefused:
        return "?"


def login(
    store: Store,
    name: str,
    password: str,
    address: str,
    device: str = "",
    now: datetime | None = None,
) -> Session:
    """A session for the right password of an enabled account; LoginRefused (audited as a
    failed login) otherwise. The hash is checked before the write lock is taken."""
    with store.read() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS}, password FROM staff WHERE name = ?", (name,)
        ).fetchone()
    stored = row[5] if row is not None else _NOBODY
    right = verify_password(password[:PASSWORD_MAX], stored) and row is not None
    account = _account(tuple(row[:5])) if row is not None else None
    address, device = as_typed(address), as_typed(device)
    with store.write(now) as tx:
        if not right or account is None or account.disabled:
            tx.append(LoginFailed(name=as_typed(name), address=address), "staff:?")
        else:
            token = secrets.token_urlsafe(32)
            expires = tx.now + timedelta(hours=tx.config.staff_session_hours)
            tx.unlogged(
                "INSERT INTO staff_sessions (token_hash, name, created_at, expires_at, device)"
                " VALUES (?, ?, ?, ?, ?)",
                (token_hash(token), account.name, iso(tx.now), iso(expires), device),
            )
            tx.append(LoggedIn(name=account.name, address=address, device=device), account.actor)
            return Session(account, iso(expires), token)
    raise LoginRefused()


def session_of(store: Store, token: str, now: datetime | None = None) -> Session | None:
    """The live session a token opens: None when unknown, expired, or its account disabled."""
    at = iso(now or store.now())
    with store.read() as conn:
        row = conn.execute(
            "SELECT s.name, s.role, s.desks, s.disabled, s.created_at, t.expires_at"
            " FROM staff_sessions t JOIN staff s ON s.name = t.name"
            " WHERE t.token_hash = ? AND t.expires_at > ? AND s.disabled = 0",
            (token_hash(token), at),
        ).fetchone()
    if row is None:
        return None
    return Session(_account(tuple(row[:5])), str(row[5]))


def logout(store: Store, token: str) -> bool:
    """The session ends; False when the token opened none."""
    found = session_of(store, token)
    if found is None:
        return False
    with store.write() as tx:
        tx.unlogged("DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash(token),))
        tx.append(LoggedOut(name=found.account.name), found.account.actor)
    return True


def forget_stale(store: Store, now: datetime | None = None) -> tuple[int, int]:
    """Delete the sessions past their expiry and the command keys of service days before
    today (a key answers the retries of its own day only): how many of each. A session's
    device and a key's stored answer name people; kept past their use they are only a risk."""
    with store.write(now) as tx:
        sessions = tx.unlogged(
            "DELETE FROM staff_sessions WHERE expires_at <= ?", (iso(tx.now),)
        ).rowcount
        keys = tx.unlogged("DELETE FROM staff_commands WHERE day < ?", (tx.day,)).rowcount
    return sessions, keys
