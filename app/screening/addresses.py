"""Addresses as forms write them ("Dsn. Iii Rt.10/Rw.3", "Jl. Surapati No 77 1/3", "DUSUN IV RT 002 RW 001,
DESA HUIDU"), reduced to the parts that can be compared: RT, RW, the dusun or street, the house number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
_KTP_RT_RW = re.compile(r"\bRT\s*/\s*RW\b\.?\s*:?\s*0*(\d{1,3})\s*/\s*0*(\d{1,3})\b")  # "RT/RW : 002/001"
_RT_RW = re.compile(r"\bRT\.?\s*0*(\d{1,3})\s*[/,]?\s*RW\.?\s*0*(\d{1,3})\b")
_RT = re.compile(r"\bRT\.?\s*0*(\d{1,3})\b")
_RW = re.compile(r"\bRW\.?\s*0*(\d{1,3})\b")
_SLASHED = re.compile(r"(?<![\d/])0*(\d{1,3})\s*/\s*0*(\d{1,3})\s*$")
# A desa's dusun, a kelurahan's lingkungan (LK) or jaga: the neighbourhood below the desa.
_DUSUN = re.compile(r"\b(?:DUSUN|DSN|DS|LINGKUNGAN|LINGK|LK|JAGA)\b\.?\s*([IVXL]+|\d{1,2})\b")
_STREET = re.compile(r"\b(?:JALAN|JLN|JL)\b\.?\s*(.*?)\s*(?:\b(?:NOMOR|NO)\b\.?\s*(\d+)|$)")
# "…, DESA HUIDU" or "DESA HUIDU, …": the desa (kelurahan, kecamatan) named in the address, up to a comma.
_REGION_PART = re.compile(r"(?:^|,)\s*\b(?:DESA|KEL|KELURAHAN|KEC|KECAMATAN)\b\.?\s+[A-Z][^,]*")
_LETTERS = re.compile(r"[^A-Z]+")


@dataclass(frozen=True)
class AddressParts:
    rt: int = 0
    rw: int = 0
    place: str = ""  # "DUSUN 4" or the street name in letters only
    number: int = 0

    @property
    def empty(self) -> bool:
        return not (self.rt or self.rw or self.place or self.number)


def _roman(value: str) -> int:
    if value.isdigit():
        return int(value)
    total, last = 0, 0
    for ch in reversed(value):
        n = _ROMAN.get(ch, 0)
        total = total - n if n < last else total + n
        last = max(last, n)
    return total


@lru_cache(maxsize=100_000)
def parse_address(text: str) -> AddressParts:
    upper = " ".join(str(text or "").upper().split())
    upper = _REGION_PART.sub(",", upper).strip(" ,")
    rt = rw = 0
    found = _KTP_RT_RW.search(upper) or _RT_RW.search(upper)
    if found:
        rt, rw = int(found.group(1)), int(found.group(2))
        upper = upper[: found.start()] + upper[found.end() :]
    else:
        single_rt, single_rw = _RT.search(upper), _RW.search(upper)
        if single_rt or single_rw:
            rt = int(single_rt.group(1)) if single_rt else 0
            rw = int(single_rw.group(1)) if single_rw else 0
            upper = _RW.sub("", _RT.sub("", upper))
        else:
            slashed = _SLASHED.search(upper)
            if slashed:
                rt, rw = int(slashed.group(1)), int(slashed.group(2))
                upper = upper[: slashed.start()]
    place, number = "", 0
    dusun = _DUSUN.search(upper)
    if dusun:
        place = f"DUSUN {_roman(dusun.group(1))}"
    else:
        street = _STREET.search(upper)
        if street:
            place = _LETTERS.sub("", street.group(1))
            number = int(street.group(2)) if street.group(2) else 0
    return AddressParts(rt, rw, place, number)
