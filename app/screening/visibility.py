"""What one user may see of a screened row (Pergub 52/2020 Lampiran II: an operator works within their own
region).

A screening result is stored once, whole: the registry record it rests on, the runner-up candidates, the flags
and the sentence explaining them. Accounts of different regions read the same list (a kecamatan operator and
the kabupaten above them), so what a user sees is decided when it is read, here, for every consumer alike (the
results table, the detail pane, the export). A registered person living outside the user's region is shown as
such — name, desa, a masked NIK (750203******0001) and the flag `LUAR_WILAYAH_KERJA` — never with their birth
date, address, KK, status, DTKS or desil; an account whose region covers them sees them whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.roles import CurrentUser
from app.regions import display_name
from app.screening.flags import KINDS, Flag, Severity
from db.models import Person, Region

OUTSIDE_FLAG = "LUAR_WILAYAH_KERJA"
# The flags of a row linked to a person outside the user's region that rest only on the row as written, the
# person's name or desa: they stay. The others (status, DTKS, desil, KK, receipts, other lists, how the
# registered record differs) would tell what the user may not see.
SHOWN_WHEN_OUTSIDE = frozenset(
    {"NIK_TIDAK_SAH", "NIK_KOSONG", "NIK_SALAH_KETIK", "NIK_MILIK_LAIN", "GANDA_DAFTAR", "LUAR_WILAYAH"}
)
NIK_IN_TEXT = re.compile(r"(?<!\d)\d{16}(?!\d)")
_CHUNK = 500  # ids or NIKs per IN (...) query: well under SQLite's variable limit


def masked_nik(nik: str) -> str:
    """The first six digits (where the NIK was issued) and the last four: 750203******0001."""
    return nik[:6] + "******" + nik[-4:] if len(nik) == 16 else "*" * len(nik)


class RegionView:
    """The user's view of the registered people one read touches: who lies outside their region."""

    def __init__(self, session: Session, user: CurrentUser) -> None:
        self.session = session
        self.user = user
        self._desa_by_person: dict[int, str] = {}
        self._desa_by_nik: dict[str, set[str]] = {}
        self._region_names: dict[str, str] = {}

    # learning where people live -----------------------------------------------------------------------------
    def know(self, person_id: int | None, nik: str | None, kode_desa: str | None) -> None:
        if person_id is None or kode_desa is None:
            return
        self._desa_by_person[person_id] = kode_desa
        if nik:
            self._desa_by_nik.setdefault(nik, set()).add(kode_desa)

    def learn_people(self, person_ids: Iterable[int | None]) -> None:
        self._learn(Person.id, sorted({i for i in person_ids if i is not None} - self._desa_by_person.keys()))

    def learn_niks(self, texts: Iterable[str | None]) -> None:
        """Finds the registered people whose NIK a stored sentence names (a runner-up in "calon lain: …")."""
        wanted = sorted(
            {nik for text in texts if text for nik in NIK_IN_TEXT.findall(text)} - self._desa_by_nik.keys()
        )
        self._learn(Person.nik, wanted)

    def _learn(self, column, wanted: list) -> None:
        """Reads the desa of the people whose `column` is among `wanted`, a chunk of ids or NIKs at a time."""
        for start in range(0, len(wanted), _CHUNK):
            rows = self.session.execute(
                select(Person.id, Person.nik, Person.kode_desa).where(
                    column.in_(wanted[start : start + _CHUNK])
                )
            )
            for person_id, nik, kode_desa in rows:
                self.know(person_id, nik, kode_desa)

    # what is hidden -------------------------------------------------------------------------------------------
    def hides_person(self, person_id: int | None) -> bool:
        """True for a registered person outside the user's region (and for one no longer found: not shown)."""
        if person_id is None:
            return False
        desa = self._desa_by_person.get(person_id)
        return desa is None or not self.user.covers(desa)

    def hides_nik(self, nik: str) -> bool:
        places = self._desa_by_nik.get(nik)
        return bool(places) and not all(self.user.covers(desa) for desa in places)

    def desa_of(self, person_id: int) -> str:
        return self._desa_by_person.get(person_id, "")

    def mask_text(self, text: str, written_nik: str = "") -> str:
        """`text` with the NIK of every registered person outside the user's region masked. The NIK the row
        was written with is the proposer's own and stays as written."""
        if not text:
            return text
        return NIK_IN_TEXT.sub(
            lambda m: (
                masked_nik(m.group()) if m.group() != written_nik and self.hides_nik(m.group()) else m.group()
            ),
            text,
        )

    def mask_params(self, params: dict, written_nik: str = "") -> dict:
        return {k: self.mask_text(v, written_nik) if isinstance(v, str) else v for k, v in params.items()}

    def region_name(self, code: str) -> str:
        if code not in self._region_names:
            region = self.session.get(Region, code)
            self._region_names[code] = (
                f"{display_name(region.name, region.kind)} ({code})" if region else code
            )
        return self._region_names[code]

    # flags and people as the user sees them -----------------------------------------------------------------
    def flags(
        self, stored: list[dict], linked: int | None, linked_name: str, linked_nik: str, written_nik: str
    ) -> list[Flag]:
        """The row's flags as this user may see them, NIKs of people outside their region masked. A row linked
        to a person outside the region keeps only the flags resting on the row as written, and gets
        `LUAR_WILAYAH_KERJA` (a check: an account whose region covers the person decides on it)."""
        hidden = self.hides_person(linked)
        flags = []
        for item in stored:
            code = item.get("code", "")
            if code not in KINDS or (hidden and code not in SHOWN_WHEN_OUTSIDE):
                continue
            params = dict(item.get("params") or {})
            if hidden and code == "NIK_SALAH_KETIK" and params.get("nik") == linked_nik:
                params["nik"] = masked_nik(linked_nik)
            flags.append(Flag(code, self.mask_params(params, written_nik), _severity(item)))
        if hidden and linked is not None:
            flags.append(
                Flag(
                    OUTSIDE_FLAG,
                    {
                        "name": linked_name,
                        "nik": masked_nik(linked_nik),
                        "region": self.region_name(self.desa_of(linked)),
                        "own": self.region_name(self.user.region_code),
                    },
                )
            )
        return flags

    def person(self, person: dict | None, person_id: int | None) -> dict | None:
        """A registered record as the user may see it: whole, or name, desa and masked NIK only."""
        if person is None or not self.hides_person(person_id):
            return person
        return {
            "person_id": person_id,
            "nik": masked_nik(person.get("nik", "")),
            "nama": person.get("nama", ""),
            "kode_desa": self.desa_of(person_id) if person_id is not None else "",
            "hidden": True,
        }

    def candidate(self, candidate: dict) -> dict:
        person_id = candidate.get("person_id")
        if not self.hides_person(person_id):
            return candidate
        person = candidate.get("person") or {}
        return {
            "person_id": person_id,
            "nik": masked_nik(candidate.get("nik", "")),
            "nama": candidate.get("nama", "") or person.get("nama", ""),
            "probability": candidate.get("probability"),
            "bits": candidate.get("bits"),
            "person": {
                "nama": person.get("nama", candidate.get("nama", "")),
                "kode_desa": self.desa_of(person_id),
            },
            "evidence": [],
            "hidden": True,
        }


def _severity(item: dict) -> Severity | None:
    try:
        return Severity(item["severity"])
    except (KeyError, ValueError):
        return None
