"""`import_usb_answer` applies the server's down bundle from memory: no copy of it is written anywhere (the
system's temp folder, the data folder's scratch space), so nothing is left behind, whether it succeeds, fails,
is cancelled or is killed (tests/sync/test_kill_laptop_download.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

import sync.laptop
from app.errors import DomainError
from app.scratch import scratch_root
from sync.laptop import export_usb, import_usb_answer
from sync.server.exchange import answer_file
from tests.factories import DESA_LIMBOTO
from tests.sync.exchange_helpers import import_households

pytestmark = pytest.mark.parametrize("exchange_server", ["sqlite"], indirect=True)


@pytest.fixture
def answer(offices, exchange_server, tmp_path):
    """Office B's answer file from the server, carrying Kab. Gorontalo's people (A's) down."""
    a, b, _c = offices
    import_households(a, DESA_LIMBOTO)
    for office in (a, b):
        sent, path = tmp_path / f"{office.name}.ejps", tmp_path / f"{office.name}.answer"
        export_usb(office.db, office.user, sent)
        with exchange_server.unit_of_work().writing() as uow:
            answer_file(uow, sent, path)
    return b, path


@pytest.fixture
def applied_from(monkeypatch):
    """What each down bundle was applied from."""
    sources: list = []
    apply = sync.laptop.apply_download

    def recording(db, user, source, *args, **kwargs):
        sources.append(source)
        return apply(db, user, source, *args, **kwargs)

    monkeypatch.setattr(sync.laptop, "apply_download", recording)
    return sources


def _left(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".lock"))


def _temp_litter() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("ejps-down-*")}


def test_the_down_bundle_is_applied_from_memory_and_no_copy_is_written(answer, applied_from):
    office, path = answer
    temp_before = _temp_litter()
    _receipt, down = import_usb_answer(office.db, office.user, path)
    assert down is not None and down.records > 0
    assert len(applied_from) == 1 and not isinstance(applied_from[0], str | Path)
    assert _left(scratch_root()) == [] and _temp_litter() == temp_before


def test_nothing_is_left_after_a_cancel_or_a_failure(answer, applied_from, monkeypatch):
    office, path = answer
    with pytest.raises(DomainError):
        import_usb_answer(office.db, office.user, path, cancelled=lambda: True)
    assert applied_from and _left(scratch_root()) == []

    def broken(*_args, **_kwargs):
        raise DomainError("rusak")

    monkeypatch.setattr(sync.laptop, "apply_download", broken)
    with pytest.raises(DomainError, match="rusak"):
        import_usb_answer(office.db, office.user, path)
    assert _left(scratch_root()) == []
