"""A login with an unknown name does the work a wrong password does: the answer's time does
not tell which names exist (queue_core/staff.py checks the password against a stand-in)."""

from __future__ import annotations

from queue_core import staff


def test_an_unknown_name_is_checked_with_the_same_scrypt_as_a_real_hash() -> None:
    scheme, n, r, p, salt, digest = staff._NOBODY.split("$")
    real = staff.hash_password("a real password").split("$")
    assert [scheme, n, r, p] == real[:4]
    assert (len(salt), len(digest)) == (len(real[4]), len(real[5]))
    assert not staff.verify_password("", staff._NOBODY)
    assert not staff.verify_password("a real password", staff._NOBODY)
