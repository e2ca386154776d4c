"""Browsing an SK's realisasi: filtered in the query (NIK or name, desa, channel, problems only), counted,
paged so that every row of a large SK can be reached; superseded and cancelled rows only on request."""

from __future__ import annotations

from datetime import date

import pytest

from app.documents.realisasi import RealisasiInput, record_realisasi
from app.documents.realisasi_koreksi import cancel_realisasi, correct_realisasi
from app.documents.realisasi_list import (
    RealisasiFilter,
    count_realisasi,
    find_realisasi,
    realisasi_desa,
)
from app.errors import Forbidden
from tests.app.documents.conftest import DEAD, HEADS, NOT_IN_SK, SK_VALUE, serve_many
from tests.app.documents.test_realisasi_import import import_bank_list_with_problems
from tests.app.screening.test_programs import make_outsider
from tests.factories import DESA_LIMBOTO, DESA_TELAGA


@pytest.fixture
def served(office_db, operator, final_sk, tmp_path):
    """HEADS[0] twice, HEADS[2] above the SK's value, DEAD after death, NOT_IN_SK outside the SK, HEADS[4]
    (Telaga) once by post office, as it should be."""
    import_bank_list_with_problems(office_db, operator, final_sk.id, tmp_path)
    record_realisasi(
        office_db, operator, final_sk.id, RealisasiInput(HEADS[4].nik, date(2026, 3, 7), SK_VALUE, "pos")
    )
    return final_sk


def niks(rows) -> list[str]:
    return sorted({r.nik for r in rows})


def test_the_filter_is_applied_in_the_query_and_counted(office_db, operator, served):
    everything = find_realisasi(office_db, operator, served.id, RealisasiFilter())
    assert len(everything) == 6
    by_name = RealisasiFilter(text=HEADS[2].nama.split()[0].lower())
    assert niks(find_realisasi(office_db, operator, served.id, by_name)) == [HEADS[2].nik]
    by_nik = RealisasiFilter(text=HEADS[0].nik[:14])
    found = find_realisasi(office_db, operator, served.id, by_nik)
    assert all(r.nik.startswith(HEADS[0].nik[:14]) for r in found) and HEADS[0].nik in niks(found)
    telaga = RealisasiFilter(kode_desa=DESA_TELAGA)
    assert niks(find_realisasi(office_db, operator, served.id, telaga)) == [HEADS[4].nik]
    post = RealisasiFilter(saluran="pos")
    assert niks(find_realisasi(office_db, operator, served.id, post)) == [HEADS[4].nik]
    count = count_realisasi(office_db, operator, served.id, RealisasiFilter(saluran="bank"))
    assert (count.rows, count.current_rows, count.current_nilai) == (5, 5, 1_650_000)


def test_problems_only_shows_the_rows_the_consistency_check_names(office_db, operator, served):
    problems = find_realisasi(office_db, operator, served.id, RealisasiFilter(problems_only=True))
    assert niks(problems) == sorted([HEADS[0].nik, HEADS[2].nik, DEAD.nik, NOT_IN_SK.nik])
    assert count_realisasi(office_db, operator, served.id, RealisasiFilter(problems_only=True)).rows == 5


def test_a_correction_takes_the_row_out_of_problems_only(office_db, operator, served):
    above = find_realisasi(office_db, operator, served.id, RealisasiFilter(text=HEADS[2].nik))[0]
    correct_realisasi(
        office_db, operator, above.id, RealisasiInput(HEADS[2].nik, above.tanggal, SK_VALUE, "bank"), "salah"
    )
    problems = find_realisasi(office_db, operator, served.id, RealisasiFilter(problems_only=True))
    assert HEADS[2].nik not in niks(problems)


def test_superseded_and_cancelled_rows_are_shown_only_on_request_and_never_counted(
    office_db, operator, served
):
    post = find_realisasi(office_db, operator, served.id, RealisasiFilter(saluran="pos"))[0]
    cancel_realisasi(office_db, operator, post.id, "tidak jadi diserahkan")
    assert find_realisasi(office_db, operator, served.id, RealisasiFilter(saluran="pos")) == []
    shown = find_realisasi(
        office_db, operator, served.id, RealisasiFilter(saluran="pos", include_replaced=True)
    )
    assert [(r.id, r.status, r.alasan) for r in shown] == [(post.id, "dibatalkan", "tidak jadi diserahkan")]
    count = count_realisasi(office_db, operator, served.id, RealisasiFilter(include_replaced=True))
    assert (count.rows, count.current_rows, count.current_nilai) == (6, 5, 1_650_000)


def test_every_row_of_a_large_sk_can_be_reached_page_by_page(office_db, operator, final_sk):
    serve_many(office_db, operator, final_sk.id, 5_200)
    chosen = RealisasiFilter()
    assert count_realisasi(office_db, operator, final_sk.id, chosen).rows == 5_200
    page = find_realisasi(office_db, operator, final_sk.id, chosen, offset=5_000, limit=500)
    assert len(page) == 200 and page[0].nik == "7501011000005000" and page[-1].nama == "PENERIMA 05199"


def test_the_desa_filter_lists_the_desa_served(office_db, operator, served):
    codes = [code for code, _name in realisasi_desa(office_db, operator, served.id)]
    assert codes == sorted({DESA_LIMBOTO, DESA_TELAGA})


def test_an_operator_of_another_region_cannot_browse(office_db, admin, served):
    outsider = make_outsider(office_db, admin)
    with pytest.raises(Forbidden):
        find_realisasi(office_db, outsider, served.id, RealisasiFilter())
