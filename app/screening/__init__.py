"""Filterisasi/pemadanan (Pergub 52/2020 Pasal 1 angka 14, Pasal 3 huruf e, Pasal 6): programs, their
proposal lists, and the screening of every proposed person against the registry, explained."""
