"""What a window shows when something fails: a refusal or a known database failure in words, never
"kesalahan tak terduga" for a database another process is writing to."""

from __future__ import annotations

from db.engine import DatabaseBusy
from ui.messages import show_error


def test_a_busy_database_is_shown_as_busy_not_as_an_unexpected_error(qtbot, message_boxes):
    text = show_error(None, DatabaseBusy())
    assert text == "Basis data sedang dipakai proses lain; coba lagi."
    assert message_boxes == [("warning", "Tidak dapat dilanjutkan", text)]
