"""The skrining awal of a Form 1 (Pergub Gorontalo 72/2018 A.2.2.b): one table of its five criteria, and the
result for one household, explained in words.

The Pergub's text: a registrant household "dinyatakan tidak lolos ... yang teridentifikasi paling sedikit 3
(tiga) dari 5 (lima) informasi": (a) the main roof of the widest part is concrete or tile, (b) owns a car,
(c) owns an AC, (d) owns a gas tank over 5.5 kg, (e) the highest education of a member no longer in school is
sarjana. "Sarjana" is read as a degree: D4 (sarjana terapan), S1, S2 or S3; a diploma D1–D3 (ahli madya) is not
one. Education is taken from the form's own answer and from its members no longer in school, whichever is
higher: an officer who typed a member's S1 but forgot the household question should not change the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_, _

# Pergub 72/2018 A.2.2.b angka 3: fails when at least 3 of the 5 criteria hold.
SKRINING_FAILS_AT = 3


class Pendidikan(StrEnum):
    """Highest education completed, as the form offers it (in order)."""

    BELUM_DIISI = ""
    TIDAK_SEKOLAH = "TS"
    SD = "SD"
    SMP = "SMP"
    SMA = "SMA"
    DIPLOMA = "D1-D3"
    D4_S1 = "D4/S1"
    S2 = "S2"
    S3 = "S3"


PENDIDIKAN_LABELS = {
    Pendidikan.BELUM_DIISI: N_("(belum diisi)"),
    Pendidikan.TIDAK_SEKOLAH: N_("Tidak/belum pernah sekolah"),
    Pendidikan.SD: N_("SD/sederajat"),
    Pendidikan.SMP: N_("SMP/sederajat"),
    Pendidikan.SMA: N_("SMA/SMK/sederajat"),
    Pendidikan.DIPLOMA: N_("Diploma D1–D3"),
    Pendidikan.D4_S1: N_("Sarjana D4/S1"),
    Pendidikan.S2: N_("Magister S2"),
    Pendidikan.S3: N_("Doktor S3"),
}
_ORDER = list(Pendidikan)
# "Sarjana" (criterion e): a degree.
SARJANA = frozenset({Pendidikan.D4_S1, Pendidikan.S2, Pendidikan.S3})


def pendidikan(value: str) -> Pendidikan | None:
    """The education code of a stored or typed value, or None when it is not one of the form's."""
    try:
        return Pendidikan((value or "").strip().upper())
    except ValueError:
        return None


def highest(values: Iterable[str]) -> Pendidikan:
    known = [p for p in (pendidikan(v) for v in values) if p is not None]
    return max(known, key=_ORDER.index, default=Pendidikan.BELUM_DIISI)


@dataclass(frozen=True)
class Kriteria:
    code: str  # the letter of A.2.2.b angka 3
    field: str  # the Form1 column it reads
    label: str  # N_ text: the question as printed on the form


KRITERIA = (
    Kriteria("a", "atap_beton_genteng", N_("Bahan atap terluas rumah adalah beton/genteng")),
    Kriteria("b", "punya_mobil", N_("Rumah tangga memiliki mobil")),
    Kriteria("c", "punya_ac", N_("Rumah tangga memiliki AC")),
    Kriteria("d", "tabung_gas_besar", N_("Rumah tangga memiliki tabung gas lebih dari 5,5 kg")),
    Kriteria(
        "e",
        "pendidikan_tertinggi",
        N_("Pendidikan tertinggi anggota rumah tangga yang sudah tidak bersekolah adalah sarjana"),
    ),
)


@dataclass(frozen=True)
class SkriningAwal:
    terpenuhi: tuple[str, ...]  # codes of the criteria that hold, in order
    lolos: bool

    @property
    def jumlah(self) -> int:
        return len(self.terpenuhi)

    def penjelasan(self) -> str:
        """The result in one sentence, in the user's language."""
        # Joined into a sentence: lower-case first letters, the rest as written ("AC").
        held = [_lower_first(_(k.label)) for k in KRITERIA if k.code in self.terpenuhi]
        if self.lolos:
            text = _("Lolos skrining awal: {n} dari 5 ciri terpenuhi (tidak lolos bila paling sedikit {m}).")
        else:
            text = _(
                "Tidak lolos skrining awal: {n} dari 5 ciri terpenuhi, paling sedikit {m} (Pergub 72/2018 "
                "A.2.2.b)."
            )
        text = text.format(n=self.jumlah, m=SKRINING_FAILS_AT)
        if held:
            text += " " + _("Terpenuhi: {list}.").format(list="; ".join(held))
        return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def skrining_awal(
    atap_beton_genteng: bool,
    punya_mobil: bool,
    punya_ac: bool,
    tabung_gas_besar: bool,
    pendidikan_tertinggi: str,
    pendidikan_anggota_tidak_sekolah: Iterable[str] = (),
) -> SkriningAwal:
    """The result for one household; `pendidikan_anggota_tidak_sekolah`: the education of each member no longer
    in school."""
    education = highest([pendidikan_tertinggi, *pendidikan_anggota_tidak_sekolah])
    holds = {
        "a": atap_beton_genteng,
        "b": punya_mobil,
        "c": punya_ac,
        "d": tabung_gas_besar,
        "e": education in SARJANA,
    }
    met = tuple(k.code for k in KRITERIA if holds[k.code])
    return SkriningAwal(met, lolos=len(met) < SKRINING_FAILS_AT)
