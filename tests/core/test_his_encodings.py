"""HIS exports in the encodings they really come in: GBK from Excel, GB18030, UTF-8 with or
without a BOM; an encoding can be forced, and a file that is no text is one clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_core.errors import ImportRejected
from queue_core.importer import import_appointments
from queue_core.store import Store
from tests.conftest import ACTOR

HEADER = "external_id,name,queue,slot_start,phone,priority,desk"
ROWS = ["G1,张三丰,nk-pt,09:00,13800000001,,", "G2,欧阳娜娜,wk,09:30,,elderly,"]


def export(tmp_path: Path, encoding: str, rows: list[str] = ROWS, bom: bytes = b"") -> Path:
    """A CSV as Excel on Windows saves it: CRLF line ends, in `encoding`."""
    path = tmp_path / "his.csv"
    path.write_bytes(bom + "\r\n".join([HEADER, *rows, ""]).encode(encoding))
    return path


def names(store: Store) -> dict[str, str]:
    with store.read() as conn:
        return dict(conn.execute("SELECT external_id, name FROM tickets").fetchall())


def test_a_gbk_export_from_excel_is_read_as_gb18030(store: Store, tmp_path: Path) -> None:
    sync = import_appointments(store, export(tmp_path, "gbk"), ACTOR)
    assert sync.encoding == "GB18030"
    assert names(store) == {"G1": "张三丰", "G2": "欧阳娜娜"}


def test_names_beyond_gbk_survive_a_gb18030_export(store: Store, tmp_path: Path) -> None:
    rare = ["R1,刘䶮,nk-pt,09:00,,,", "R2,王𪚥,nk-pt,09:30,,,"]  # Ext. A and B: 4 bytes in GB18030
    sync = import_appointments(store, export(tmp_path, "gb18030", rare), ACTOR)
    assert sync.encoding == "GB18030"
    assert names(store) == {"R1": "刘䶮", "R2": "王𪚥"}


@pytest.mark.parametrize(("bom", "said"), [(b"", "UTF-8"), (b"\xef\xbb\xbf", "UTF-8 with BOM")])
def test_utf8_is_read_with_or_without_a_bom(
    store: Store, tmp_path: Path, bom: bytes, said: str
) -> None:
    sync = import_appointments(store, export(tmp_path, "utf-8", bom=bom), ACTOR)
    assert sync.encoding == said
    assert names(store) == {"G1": "张三丰", "G2": "欧阳娜娜"}


def test_a_forced_encoding_is_used_as_given(store: Store, tmp_path: Path) -> None:
    path = export(tmp_path, "utf-16")
    with pytest.raises(ImportRejected) as caught:
        import_appointments(store, path, ACTOR)
    assert caught.value.message == (
        f"{path}: neither UTF-8 nor GB18030/GBK text; name its encoding with --encoding;"
        " nothing imported."
    )
    sync = import_appointments(store, path, ACTOR, encoding="utf-16")
    assert sync.encoding == "utf-16"
    assert names(store) == {"G1": "张三丰", "G2": "欧阳娜娜"}


def test_a_file_not_in_the_forced_encoding_is_refused_whole(store: Store, tmp_path: Path) -> None:
    path = export(tmp_path, "gbk")
    before = store.last_seq()
    with pytest.raises(ImportRejected) as caught:
        import_appointments(store, path, ACTOR, encoding="utf-8")
    assert caught.value.message.startswith(f"{path}: not utf-8 text (byte ")
    assert store.last_seq() == before and names(store) == {}


def test_excel_dates_and_one_digit_hours_are_slots(store: Store, tmp_path: Path) -> None:
    rows = ["E1,张三丰,nk-pt,2026/11/23 9:30,,,", "E2,李四,nk-pt,9:00,,,"]
    import_appointments(store, export(tmp_path, "gbk", rows), ACTOR)
    with store.read() as conn:
        slots = dict(conn.execute("SELECT external_id, slot_start FROM tickets").fetchall())
    assert slots == {
        "E1": "2026-11-23T01:30:00.000000+00:00",
        "E2": "2026-11-23T01:00:00.000000+00:00",
    }
