"""The flags screening can raise: a stable code, what it does to the verdict, the rule it rests on, and the
sentence that explains it (Bahasa Indonesia, translatable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.i18n import N_, _
from app.screening.desil import DESIL_LEVEL_LABELS


class Severity(StrEnum):
    FAIL = "gagal"  # the row does not pass (TIDAK LOLOS)
    CHECK = "cek"  # the row needs a look or a field check (PERLU CEK)
    INFO = "info"  # told, changes nothing


class Verdict(StrEnum):
    PASS = "LOLOS"
    FAIL = "TIDAK_LOLOS"
    CHECK = "PERLU_CEK"


VERDICT_LABELS = {
    Verdict.PASS: N_("Lolos"),
    Verdict.FAIL: N_("Tidak lolos"),
    Verdict.CHECK: N_("Perlu cek"),
}

FILTERISASI = N_("Pergub Gorontalo 52/2020 Pasal 1 angka 14 dan Pasal 3 huruf e")
PEMADANAN = N_("Pergub Gorontalo 52/2020 Pasal 6 ayat (1): pemadanan dengan data Dukcapil")
DTKS_RULE = N_("Pergub Gorontalo 52/2020 Pasal 3 huruf d; Inpres 4/2025 (DTSEN)")
PROGRAM_RULE = N_("Ketentuan program (wilayah dan sasaran)")
FIELD_CHECK = N_("Pergub Gorontalo 52/2020 Pasal 6 ayat (2): pengecekan lapangan bila diperlukan")
WORKING_REGION = N_("Pergub Gorontalo 52/2020 Lampiran II: operator bekerja di wilayahnya sendiri")


@dataclass(frozen=True)
class FlagKind:
    code: str
    severity: Severity
    rule: str
    label: str
    template: str


def _kind(code: str, severity: Severity, rule: str, label: str, template: str) -> FlagKind:
    return FlagKind(code, severity, rule, label, template)


KINDS = {
    k.code: k
    for k in (
        _kind(
            "NIK_TIDAK_SAH", Severity.CHECK, PEMADANAN, N_("NIK tidak sah"),
            N_("NIK \"{nik}\" tidak sah: {problem}."),
        ),
        _kind(
            "NIK_KOSONG", Severity.INFO, PEMADANAN, N_("NIK kosong"),
            N_("NIK tidak diisi; orangnya dicari dari nama, tanggal lahir dan alamat."),
        ),
        _kind(
            "NIK_SALAH_KETIK", Severity.CHECK, PEMADANAN, N_("NIK salah ketik"),
            N_("NIK yang ditulis ({typed}) berbeda dengan NIK terdaftar {nik}: {kind}; perbaiki sebelum SK."),
        ),
        _kind(
            "NIK_MILIK_LAIN", Severity.CHECK, PEMADANAN, N_("NIK milik orang lain"),
            N_("NIK {typed} terdaftar atas nama {other}, bukan orang yang diusulkan."),
        ),
        _kind(
            "TIDAK_DITEMUKAN", Severity.FAIL, PEMADANAN, N_("Tidak ada di Dukcapil"),
            N_("Tidak ditemukan di data Dukcapil (dicari dengan NIK, nama, tanggal lahir dan alamat)."),
        ),
        _kind(
            "PADAN_RAGU", Severity.CHECK, FIELD_CHECK, N_("Padanan belum pasti"),
            N_("Padanan belum pasti (keyakinan {score}){others}."),
        ),
        _kind(
            "KANDIDAT_RAGU", Severity.CHECK, FIELD_CHECK, N_("Mungkin ada di Dukcapil"),
            N_("Mungkin {name} (NIK {nik}, keyakinan {score}), tetapi belum cukup pasti untuk dipadankan."),
        ),
        _kind(
            "MENINGGAL", Severity.FAIL, FILTERISASI, N_("Meninggal"),
            N_("Sudah meninggal menurut data Dukcapil."),
        ),
        _kind(
            "PINDAH", Severity.FAIL, FILTERISASI, N_("Pindah"),
            N_("Sudah pindah keluar menurut data Dukcapil."),
        ),
        _kind(
            "GANDA_DAFTAR", Severity.FAIL, FILTERISASI, N_("Ganda dalam daftar"),
            N_("Ganda: orang yang sama dengan baris {baris} daftar ini."),
        ),
        _kind(
            "GANDA_PROGRAM", Severity.FAIL, FILTERISASI, N_("Ganda dengan daftar lain"),
            N_("Ganda: sudah diusulkan dalam daftar \"{list}\" program ini (baris {baris})."),
        ),
        _kind(
            "SATU_KK", Severity.CHECK, FILTERISASI, N_("Satu KK dengan usulan lain"),
            N_("Satu KK ({no_kk}) dengan baris {baris} daftar ini."),
        ),
        _kind(
            "SUDAH_MENERIMA", Severity.FAIL, FILTERISASI, N_("Sudah menerima"),
            N_("Sudah menerima program yang sama ({source})."),
        ),
        _kind(
            "BUKAN_DTKS", Severity.INFO, DTKS_RULE, N_("Bukan DTKS/DTSEN"),
            N_("Tidak terdaftar di DTKS/DTSEN."),
        ),
        _kind(
            "DTKS", Severity.INFO, DTKS_RULE, N_("DTKS/DTSEN"),
            N_("Terdaftar di {source} dengan desil {desil}{level}."),
        ),
        _kind(
            "DESIL_DI_LUAR", Severity.FAIL, PROGRAM_RULE, N_("Desil di luar sasaran"),
            N_("Desil {desil}{level} di luar sasaran program (desil {low}–{high})."),
        ),
        _kind(
            "LUAR_WILAYAH", Severity.FAIL, PROGRAM_RULE, N_("Di luar wilayah program"),
            N_("Tinggal di {region}, di luar wilayah program ({program_region})."),
        ),
        _kind(
            "LUAR_WILAYAH_KERJA", Severity.CHECK, WORKING_REGION, N_("Di luar wilayah kerja Anda"),
            N_("{name} (NIK {nik}) terdaftar di {region}, di luar wilayah kerja Anda, {own}. Tanggal lahir, "
               "alamat, status, DTKS dan desilnya hanya dapat dilihat dan diputuskan oleh akun yang wilayahnya "
               "mencakup desa itu."),
        ),
        _kind(
            "DATA_BERBEDA", Severity.INFO, PEMADANAN, N_("Data berbeda dengan Dukcapil"),
            N_("Data usulan berbeda dengan Dukcapil: {fields}."),
        ),
    )
}  # fmt: skip

# The same sentences when Dukcapil gives the date: one whole sentence per language, so a translation never
# glues a translated status to an untranslated "pada".
DATED_TEMPLATES = {
    "MENINGGAL": N_("Sudah meninggal pada {tanggal} menurut data Dukcapil."),
    "PINDAH": N_("Sudah pindah keluar pada {tanggal} menurut data Dukcapil."),
}


@dataclass
class Flag:
    code: str
    params: dict = field(default_factory=dict)
    severity: Severity | None = None  # None: the kind's own

    @property
    def kind(self) -> FlagKind:
        return KINDS[self.code]

    @property
    def effective_severity(self) -> Severity:
        return self.severity or self.kind.severity

    def sentence(self) -> str:
        """The flag's sentence in the current language (a result screened in Indonesian reads in English
        when the program is switched to English)."""
        params = {
            k: (_(v) if isinstance(v, str) and k in _TRANSLATED_PARAMS else v) for k, v in self.params.items()
        }
        template = self.kind.template
        if params.get("tanggal") and self.code in DATED_TEMPLATES:
            template = DATED_TEMPLATES[self.code]
        if self.code in ("DTKS", "DESIL_DI_LUAR"):
            # Results recorded before desil levels existed carry no "tingkat": they were national.
            label = DESIL_LEVEL_LABELS.get(params.get("tingkat", ""))
            params["level"] = f" ({_(label)})" if label else ""
        return _(template).format(**params)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.effective_severity.value,
            "rule": _(self.kind.rule),
            "message": self.sentence(),
            "params": self.params,
        }


_TRANSLATED_PARAMS = frozenset({"problem", "kind", "source_note"})


def verdict_of(flags: list[Flag]) -> Verdict:
    severities = {f.effective_severity for f in flags}
    if Severity.FAIL in severities:
        return Verdict.FAIL
    if Severity.CHECK in severities:
        return Verdict.CHECK
    return Verdict.PASS
