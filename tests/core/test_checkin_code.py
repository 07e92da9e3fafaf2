"""The phone check-in code: derived per department and time window, the previous window still
taken, and wrong codes counted per ticket. Pure: the times are passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_core import checkin_code
from queue_core.config import ClinicConfig

SECRET = b"s" * 32
AT = datetime(2026, 11, 23, 1, 2, 30, tzinfo=UTC)
MINUTES = 5


def test_a_code_is_six_digits_of_its_department_and_window() -> None:
    code = checkin_code.current(SECRET, "内科", AT, MINUTES)
    assert len(code) == 6 and code.isdigit()
    assert checkin_code.current(SECRET, "内科", AT + timedelta(minutes=2), MINUTES) == code
    assert checkin_code.current(SECRET, "外科", AT, MINUTES) != code
    assert checkin_code.current(b"t" * 32, "内科", AT, MINUTES) != code
    assert checkin_code.current(SECRET, "内科", AT + timedelta(minutes=5), MINUTES) != code


def test_the_current_and_the_previous_windows_code_are_taken_and_no_older() -> None:
    code = checkin_code.current(SECRET, "内科", AT, MINUTES)
    assert checkin_code.accepts(SECRET, "内科", code, AT, MINUTES)
    assert checkin_code.accepts(SECRET, "内科", f" {code[:3]} {code[3:]}", AT, MINUTES)
    assert checkin_code.accepts(SECRET, "内科", code, AT + timedelta(minutes=5), MINUTES)
    assert not checkin_code.accepts(SECRET, "内科", code, AT + timedelta(minutes=10), MINUTES)
    assert not checkin_code.accepts(SECRET, "外科", code, AT, MINUTES)
    assert not checkin_code.accepts(SECRET, "内科", "", AT, MINUTES)
    assert not checkin_code.accepts(SECRET, "内科", "１２３４５６", AT, MINUTES)


def test_the_window_ends_on_its_boundary() -> None:
    ends = checkin_code.window_ends(AT, MINUTES)
    assert datetime.fromtimestamp(ends, UTC) == datetime(2026, 11, 23, 1, 5, tzinfo=UTC)


def test_a_queue_checks_in_at_its_department_or_on_its_own(sample_config: ClinicConfig) -> None:
    assert checkin_code.place_of(sample_config, "nk-zj") == "内科"
    assert checkin_code.places(sample_config, ["nk-pt", "nk-zj", "wk"]) == sorted({"内科", "外科"})
    assert checkin_code.place_of(sample_config, "gone") == "gone"


def test_five_wrong_codes_in_ten_minutes_stop_a_ticket_until_the_oldest_is_forgotten() -> None:
    tries = checkin_code.Tries()
    for at in range(5):
        assert tries.retry_after(1, float(at)) == 0
        tries.wrong(1, float(at))
    assert tries.left(1, 5.0) == 0
    assert tries.retry_after(1, 5.0) == 595.0
    assert tries.retry_after(2, 5.0) == 0  # another ticket is not held back
    assert tries.retry_after(1, 600.0) == 0 and tries.left(1, 600.0) == 1
