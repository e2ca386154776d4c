"""Running an exchange from the panel: each run is written down with how it ended, a guest may not start one,
and a build without the exchange says so in Indonesian. The exchange's use cases are looked up by name; here
this module stands for them (the real ones are tested with the exchange)."""

from __future__ import annotations

import pytest

from app.errors import DomainError, Forbidden
from app.sync import attempts
from app.sync.status import sync_overview


def sync_now(db, user, progress):
    progress.report(1, 2, "mengirim")
    return "12 perubahan terkirim"


def export_usb(db, user, path):
    raise DomainError("Berkas {name} tidak dapat ditulis.", name=path.name)


@pytest.fixture
def this_module_as_exchange(monkeypatch):
    monkeypatch.setattr(attempts, "EXCHANGE_MODULES", (__name__,))


def test_each_run_is_recorded_with_its_result(sent_office, this_module_as_exchange, tmp_path):
    db, operator = sent_office.db, sent_office.operator
    assert attempts.run_exchange(db, operator, attempts.HTTP) == "12 perubahan terkirim"
    last = sync_overview(db.unit_of_work(), operator).last_attempt
    assert (last.kind, last.ok, last.message, last.username) == (
        "http",
        True,
        "12 perubahan terkirim",
        "operator",
    )

    with pytest.raises(DomainError):
        attempts.run_exchange(db, operator, attempts.USB_EXPORT, tmp_path / "kiriman.ejps")
    overview = sync_overview(db.unit_of_work(), operator)
    assert (overview.last_attempt.kind, overview.last_attempt.ok) == ("usb_export", False)
    assert overview.last_attempt.message == "Berkas kiriman.ejps tidak dapat ditulis."
    assert overview.last_success_at is not None


def test_a_guest_cannot_start_a_run_and_nothing_is_recorded(sent_office, this_module_as_exchange):
    with pytest.raises(Forbidden):
        attempts.run_exchange(sent_office.db, sent_office.guest, attempts.HTTP)
    assert sync_overview(sent_office.db.unit_of_work(), sent_office.guest).last_attempt is None


def test_a_build_without_the_exchange_says_so(monkeypatch):
    monkeypatch.setattr(attempts, "EXCHANGE_MODULES", ("app.sync.no_such_module",))
    with pytest.raises(attempts.ExchangeMissing) as missing:
        attempts.exchange_use_case("sync_now")
    assert "belum tersedia pada versi program ini" in str(missing.value)
