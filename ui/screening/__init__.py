"""Penyaringan (filterisasi/pemadanan) in the GUI: programs and their proposal lists, typed entry and file
import of proposals, and the review of a screened list. Thin: every rule is in app/screening."""
