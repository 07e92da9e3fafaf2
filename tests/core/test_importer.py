"""HIS imports are all or nothing: every bad row named by its line, nothing written on error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from queue_core.errors import ImportRejected
from queue_core.importer import import_appointments
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_APPOINTMENTS

HEADER = "external_id,name,queue,slot_start,phone,priority,desk"


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _footprint(store: Store) -> tuple[int, int, int]:
    """What an import could leave behind: tickets, counters and the log."""
    with store.read() as conn:
        tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        counters = conn.execute("SELECT COUNT(*) FROM counters").fetchone()[0]
    return int(tickets), int(counters), store.last_seq()


def test_sample_csv_imports_200_registered_appointments(store: Store) -> None:
    assert import_appointments(store, SAMPLE_APPOINTMENTS, ACTOR) == 200
    with store.read() as conn:
        states = dict(conn.execute("SELECT state, COUNT(*) FROM tickets GROUP BY state").fetchall())
        numbers = conn.execute("SELECT COUNT(DISTINCT day || number) FROM tickets").fetchone()[0]
    assert states == {"registered": 200}
    assert numbers == 200
    event = store.events_since(0)[-1]
    assert (event.type, event.payload["count"]) == ("import", 200)


def test_json_file_imports(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "his.json"
    rows = [
        {"external_id": "J1", "name": "张三丰", "queue": "nk-pt", "slot_start": "09:30",
         "phone": "138 0013 8000", "priority": "elderly"},
        {"external_id": "J2", "name": "李四", "queue": "nk-zj", "slot_start": "2026-11-23 10:00",
         "desk": "nk-zj"},
    ]  # fmt: skip
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert import_appointments(store, path, ACTOR) == 2
    with store.read() as conn:
        got = {
            r["external_id"]: dict(r)
            for r in conn.execute("SELECT * FROM tickets ORDER BY external_id")
        }
    assert got["J1"]["number"] == "A001" and got["J1"]["priority"] == "elderly"
    assert got["J2"]["number"] == "B001" and got["J2"]["pinned_desk"] == "nk-zj"
    assert got["J1"]["slot_start"] == "2026-11-23T01:30:00.000000+00:00"
    assert got["J1"]["phone_last4"] == "8000"


def test_every_bad_row_is_listed_with_its_line_and_nothing_is_written(
    store: Store, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "bad.csv",
        [
            HEADER,
            "OK1,好人甲,nk-pt,09:00,13800000001,,",  # line 2: good
            "BAD1,错科室,ek,09:00,,,",  # line 3: unknown queue
            "BAD2,错时间,nk-pt,9点半,,,",  # line 4: not a time
            "BAD3,错时段,nk-pt,09:10,,,",  # line 5: off the 30-minute slots
            "OK1,重复号,nk-pt,09:30,,,",  # line 6: duplicate external_id
            "BAD5,错优先,nk-pt,10:00,,vip,",  # line 7: unknown priority
            "BAD6,错诊室,wk,10:00,,,nk1",  # line 8: desk not serving the queue
            "OK2,好人乙,wk,10:30,,,",  # line 9: good
        ],
    )
    before = _footprint(store)
    with pytest.raises(ImportRejected) as caught:
        import_appointments(store, path, ACTOR)
    problems = caught.value.problems
    expected = {
        3: "unknown queue 'ek'",
        4: "is not a time",
        5: "not on a 30-minute slot boundary",
        6: "external_id 'OK1' appears twice",
        7: "unknown priority class 'vip'",
        8: "desk 'nk1' does not serve queue 'wk'",
    }
    assert len(problems) == len(expected), problems
    for line, text in expected.items():
        assert any(p.startswith(f"line {line}: ") and text in p for p in problems), (line, problems)
    assert _footprint(store) == before


def test_missing_column_is_refused_and_nothing_is_written(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "nocol.csv", ["external_id,name,queue,phone", "X1,某人,nk-pt,1"])
    before = _footprint(store)
    with pytest.raises(ImportRejected) as caught:
        import_appointments(store, path, ACTOR)
    assert caught.value.problems == ["line 1: missing column(s) slot_start"]
    assert _footprint(store) == before


def test_reimporting_the_same_file_is_refused(store: Store) -> None:
    import_appointments(store, SAMPLE_APPOINTMENTS, ACTOR)
    before = _footprint(store)
    with pytest.raises(ImportRejected) as caught:
        import_appointments(store, SAMPLE_APPOINTMENTS, ACTOR)
    assert len(caught.value.problems) == 200
    assert caught.value.problems[0].startswith("line 2: external_id ")
    assert "already imported" in caught.value.problems[0]
    assert _footprint(store) == before


def test_only_the_last_four_phone_digits_are_stored(store: Store, tmp_path: Path) -> None:
    phone = "13912345678"
    path = _write(tmp_path, "phone.csv", [HEADER, f"P1,王五,nk-pt,09:00,{phone},,"])
    import_appointments(store, path, ACTOR)
    with store.read() as conn:
        stored = conn.execute("SELECT phone_last4 FROM tickets").fetchone()[0]
    assert stored == "5678"
    store.close()
    files = [p for p in store.path.parent.iterdir() if p.name.startswith(store.path.name)]
    assert files
    for file in files:
        assert phone.encode() not in file.read_bytes(), file.name
        assert phone[:7].encode() not in file.read_bytes(), file.name
