"""Addresses as forms write them, reduced to what can be compared with the registry: RT, RW, the dusun or the
street, and the house number."""

from __future__ import annotations

import pytest

from app.screening.addresses import AddressParts, parse_address
from app.screening.matching import compare_addresses


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("Dsn. Iii Rt.10/Rw.3", AddressParts(rt=10, rw=3, place="DUSUN 3")),
        ("Jl. Surapati No 77 1/3", AddressParts(rt=1, rw=3, place="SURAPATI", number=77)),
        ("DUSUN IV RT 002 RW 001, DESA HUIDU", AddressParts(rt=2, rw=1, place="DUSUN 4")),
        ("JL. RAJIMAN NO. 3 RT 007 RW 003", AddressParts(rt=7, rw=3, place="RAJIMAN", number=3)),
        ("JL. RAJIMAN NO. 3", AddressParts(place="RAJIMAN", number=3)),
        ("Dusun 2", AddressParts(place="DUSUN 2")),
        ("RT 5", AddressParts(rt=5)),
        ("RT/RW : 002/001", AddressParts(rt=2, rw=1)),
    ],
)
def test_the_parts_of_an_address_are_read(written, parts):
    assert parse_address(written) == parts


@pytest.mark.parametrize(
    ("form", "registry"),
    [
        ("Dsn. Iii Rt.10/Rw.3", "DUSUN III RT 010 RW 003"),
        ("Jl. Surapati No 77 1/3", "JL. SURAPATI NO. 77 RT 001 RW 003"),
        ("dusun iv rt 2 rw 1, desa huidu", "DUSUN IV RT 002 RW 001"),
        ("DSN 4 RT.02/RW.01", "DUSUN IV RT 002 RW 001"),
    ],
)
def test_the_same_address_written_two_ways_reads_the_same(form, registry):
    assert parse_address(form) == parse_address(registry)


def test_the_desa_written_after_the_address_is_not_part_of_it():
    assert parse_address("DUSUN IV RT 002 RW 001, DESA HUIDU") == parse_address("DUSUN IV RT 002 RW 001")


def test_an_empty_address_has_nothing_to_compare():
    assert parse_address("").empty and parse_address("   ").empty
    assert not parse_address("RT 5").empty


def test_an_address_agrees_with_the_registry_record_it_describes():
    # The registry keeps RT and RW in their own columns.
    same = compare_addresses("Dsn. III Rt.10/Rw.3", "DUSUN III", "010", "003")
    assert same.level == "sama" and same.bits > 0
    street = compare_addresses("Jl. Surapati No 77 1/3", "JL. SURAPATI NO. 77", "001", "003")
    assert street.level == "sama" and street.bits > 0


def test_another_rt_and_dusun_disagree():
    other = compare_addresses("DUSUN II RT 4 RW 2", "DUSUN III", "010", "003")
    assert other.level == "beda" and other.bits < 0


def test_an_address_without_comparable_parts_says_nothing():
    nothing = compare_addresses("", "DUSUN III", "010", "003")
    assert nothing.level == "kosong" and nothing.bits == 0


# How the KTP writes it ("RT/RW : 002/001") and how kelurahan write their neighbourhoods ("Lingkungan II").
@pytest.mark.parametrize("written", ["RT/RW 002/001", "Dusun II RT/RW 02/01"])
def test_the_ktp_rt_rw_label_is_read(written):
    parts = parse_address(written)
    assert (parts.rt, parts.rw) == (2, 1)


def test_a_lingkungan_is_read_like_a_dusun():
    parts = parse_address("Lingkungan II RT 1 RW 2")
    assert (parts.rt, parts.rw) == (1, 2)
    assert parts.place != "" and parts.place == parse_address("LINGKUNGAN 2").place


def test_a_dusun_written_after_the_desa_is_kept():
    assert parse_address("Desa Huidu, Dusun III RT 4") == AddressParts(rt=4, place="DUSUN 3")
