"""The frames the server writes itself are the frames the websockets library would write."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from display_server.wire import text_frame


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_text_frame_matches_the_library_at_every_length_boundary(length: int) -> None:
    payload = b"a" * length
    expected = Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])
    assert text_frame(payload) == expected
