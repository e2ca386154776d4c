"""Reading extract files — CSV (any delimiter, UTF-8 or Windows-1252, optionally gzipped) and XLSX (every
sheet) — as chunks of text-only DataFrames that carry, for each row, the place a person would look for it.

Nothing here interprets values; a file that cannot be read raises `SourceError` naming the file. A CSV's
encoding is decided from the whole file; bytes it cannot read (and NUL bytes) are kept visible as U+FFFD / NUL
in the cells, and the chunk says so (`Chunk.unreadable_in`), so that the importer refuses those rows by number
instead of reading the whole file in another encoding or splitting a name at a NUL.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from app.errors import DomainError
from app.i18n import N_, _

CHUNK_ROWS = 100_000
# A workbook's sheet sits whole in calamine's memory (about 1.2 GB for a million rows): XLSX chunks are
# smaller so that what Python holds besides stays small.
XLSX_CHUNK_ROWS = 50_000
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# What a cell holds where the file's bytes were not text: the decoder's replacement for a byte the encoding
# cannot read, or a NUL (a text file never holds one; a name "ATT\0AR" is a damaged file, not a space).
UNREADABLE_TEXT = r"[\x00\ufffd]"
UTF_8, WINDOWS_1252 = "UTF-8", "Windows-1252"
_CODECS = {UTF_8: "utf-8-sig", WINDOWS_1252: "cp1252"}
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


class SourceError(DomainError):
    pass


@dataclass(frozen=True)
class SheetInfo:
    """One table of a source: a CSV file, or one sheet of a workbook."""

    path: Path
    sheet: str | None
    headers: tuple[str, ...]
    rows: int | None  # data rows when known cheaply (XLSX), else None

    @property
    def label(self) -> str:
        return f"{self.path.name} [{self.sheet}]" if self.sheet else self.path.name


@dataclass
class Chunk:
    sheet: SheetInfo
    frame: pd.DataFrame  # text columns named as in the file
    first_row: int  # spreadsheet row number of the frame's first row (the header is row 1)
    done: int  # progress units done after this chunk
    total: int
    # The file's encoding when it holds bytes that encoding cannot read, or NUL bytes: its cells must be checked
    # (`unreadable_cells`). None for a file whose every byte was read as text.
    unreadable_in: str | None = None


def unreadable_cells(frame: pd.DataFrame) -> pd.Series:
    """Per row, the first column whose cell holds bytes that were not text ("" when none does). Only called
    for files known to hold such bytes: a clean file pays nothing."""
    found = pd.Series("", index=frame.index, dtype=object)
    for column in reversed(list(frame.columns)):
        bad = frame[column].astype(str).str.contains(UNREADABLE_TEXT, regex=True).fillna(False).to_numpy(bool)
        if bad.any():
            found[bad] = column
    return found


def shown_text(value: str, limit: int = 60) -> str:
    """A cell as a message quotes it: NUL made visible, and a huge value cut (a 1 MB address is no message)."""
    value = value.replace("\x00", "\ufffd")
    return value if len(value) <= limit else value[:limit] + "…"


def unique_headers(headers) -> tuple[str, ...]:
    """Column titles as the user can pick them: a blank one becomes "Kolom N", a repeated one "X (2)"."""
    seen: dict[str, int] = {}
    result = []
    for number, header in enumerate(headers, start=1):
        text = str(header).strip() or f"Kolom {number}"
        seen[text] = seen.get(text, 0) + 1
        result.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return tuple(result)


def _sniff(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as error:
        raise SourceError(
            N_("Berkas {file} tidak dapat dibuka: {detail}"), file=path.name, detail=str(error)
        ) from error
    if not head:
        raise SourceError(N_("Berkas {file} kosong."), file=path.name)
    named_xlsx = path.suffix.lower() in XLSX_SUFFIXES
    if head.startswith(_ZIP_MAGIC):
        _require_workbook(path)
        return "xlsx"
    if head.startswith(_OLE2_MAGIC):
        with path.open("rb") as handle:
            whole = handle.read(4 * 1024 * 1024)
        if "EncryptedPackage".encode("utf-16-le") in whole:
            raise SourceError(
                N_(
                    "Berkas {file} dilindungi kata sandi. Buka di Excel, hapus kata sandinya, simpan, lalu impor ulang."
                ),
                file=path.name,
            )
        raise SourceError(
            N_("Berkas {file} berformat Excel lama (.xls). Simpan sebagai .xlsx atau .csv lalu impor ulang."),
            file=path.name,
        )
    if head.startswith(_GZIP_MAGIC):
        return "csv.gz"
    if head.count(b"\x00") * 100 > len(head):
        # Binary (a PDF, a UTF-16 export): not text at all. A rare NUL in a text file costs only its row.
        raise SourceError(
            N_("Berkas {file} bukan lembar kerja (CSV atau XLSX) yang dapat dibaca."), file=path.name
        )
    if named_xlsx:
        # Renaming a CSV to .xlsx does not make it a workbook; reading it as CSV anyway hides the mistake.
        raise SourceError(
            N_(
                "Berkas {file} bernama .xlsx tetapi isinya teks biasa (seperti CSV), bukan buku kerja Excel. "
                "Buka di Excel lalu simpan sebagai .xlsx, atau ganti akhiran namanya menjadi .csv, lalu impor "
                "ulang."
            ),
            file=path.name,
        )
    return "csv"


def _require_workbook(path: Path) -> None:
    """A ZIP is an XLSX only when it holds a workbook part; a ZIP of anything else is named as such."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # a damaged workbook: XlsxSource.open says so
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        found = N_("dokumen Word atau PowerPoint")
    elif "content.xml" in names and "mimetype" in names:
        found = N_("dokumen OpenDocument (LibreOffice)")
    else:
        found = N_("arsip ZIP")
    raise SourceError(
        N_(
            "Berkas {file} adalah {found}, bukan buku kerja Excel (.xlsx). Yang diharapkan: lembar kerja "
            ".xlsx atau .csv. Simpan datanya sebagai .xlsx atau .csv lalu impor ulang."
        ),
        file=path.name,
        found=_(found),
    )


def _open_text_bytes(path: Path, kind: str):
    raw = path.open("rb")
    return raw, (gzip.GzipFile(fileobj=raw) if kind == "csv.gz" else raw)


@dataclass(frozen=True)
class TextEncoding:
    name: str  # UTF_8 or WINDOWS_1252
    clean: bool  # every byte was read as text: no byte the encoding cannot read, no NUL


def _non_ascii(text: str) -> int:
    return 0 if text.isascii() else len(text) - len(text.encode("ascii", "ignore"))


def _detect_encoding(path: Path, kind: str) -> TextEncoding:
    """Decided from the whole file, in one pass over its bytes. UTF-8 when the characters beyond ASCII are
    mostly valid UTF-8 — a few unreadable bytes then cost only their rows, not a misreading of every accented
    name; Windows-1252 (Excel's "CSV" on Indonesian Windows) when they are mostly not."""
    raw, stream = _open_text_bytes(path, kind)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    unreadable = readable = 0
    has_nul = cp1252_undefined = False
    try:
        while block := stream.read(1 << 20):
            has_nul = has_nul or b"\x00" in block
            cp1252_undefined = cp1252_undefined or any(byte in block for byte in _CP1252_UNDEFINED)
            text = decoder.decode(block)
            if not text.isascii():
                bad = text.count("\ufffd")
                unreadable += bad
                readable += _non_ascii(text) - bad
        unreadable += decoder.decode(b"", final=True).count("\ufffd")
        if unreadable == 0:
            return TextEncoding(UTF_8, not has_nul)
        if readable > unreadable:
            return TextEncoding(UTF_8, False)
        return TextEncoding(WINDOWS_1252, not (has_nul or cp1252_undefined))
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise SourceError(
            N_("Berkas {file} rusak atau terpotong: {detail}"), file=path.name, detail=str(error)
        ) from error
    finally:
        raw.close()


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ","


@dataclass
class CsvSource:
    path: Path
    kind: str
    encoding: TextEncoding
    delimiter: str
    info: SheetInfo

    @classmethod
    def open(cls, path: Path, kind: str) -> CsvSource:
        encoding = _detect_encoding(path, kind)
        raw, stream = _open_text_bytes(path, kind)
        try:
            text = io.TextIOWrapper(stream, encoding=_CODECS[encoding.name], errors="replace", newline="")
            header_line = text.readline()
        finally:
            raw.close()
        if not header_line.strip():
            raise SourceError(N_("Berkas {file} kosong: tidak ada baris judul kolom."), file=path.name)
        delimiter = _delimiter(header_line)
        headers = next(
            iter(pd.read_csv(io.StringIO(header_line), sep=delimiter, dtype=str, header=None).values)
        )
        headers = unique_headers("" if pd.isna(h) else h for h in headers)
        return cls(path, kind, encoding, delimiter, SheetInfo(path, None, headers, None))

    def chunks(self) -> Iterator[Chunk]:
        raw, stream = _open_text_bytes(self.path, self.kind)
        total = self.path.stat().st_size
        try:
            reader = pd.read_csv(
                stream,
                sep=self.delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=_CODECS[self.encoding.name],
                encoding_errors="replace",
                chunksize=CHUNK_ROWS,
                header=0,
                names=list(self.info.headers),
                skipinitialspace=False,
                on_bad_lines="error",
                engine="c",
            )
            first_row = 2
            unreadable_in = None if self.encoding.clean else self.encoding.name
            for frame in reader:
                yield Chunk(self.info, frame, first_row, min(raw.tell(), total), total, unreadable_in)
                first_row += len(frame)
        except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError, gzip.BadGzipFile) as error:
            raise SourceError(
                N_("Berkas {file} tidak dapat dibaca sebagai CSV: {detail}"),
                file=self.path.name,
                detail=str(error),
            ) from error
        finally:
            raw.close()


def _cell_text(value: object) -> str:
    """XLSX cells as text: a NIK stored as a number keeps all its digits, a date cell becomes YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return ""
    return str(value)


@dataclass
class XlsxSource:
    path: Path
    sheets: list[SheetInfo]

    @classmethod
    def open(cls, path: Path) -> XlsxSource:
        from python_calamine import CalamineWorkbook

        try:
            with zipfile.ZipFile(path) as archive:
                broken = archive.testzip()
            if broken is not None:
                raise zipfile.BadZipFile(broken)
            workbook = CalamineWorkbook.from_path(str(path))
        except (zipfile.BadZipFile, OSError, ValueError, Exception) as error:
            raise SourceError(
                N_("Berkas {file} bukan XLSX yang utuh (rusak atau terpotong): {detail}"),
                file=path.name,
                detail=str(error) or type(error).__name__,
            ) from error
        sheets: list[SheetInfo] = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.iter_rows()
            header = next(rows, None)
            if not header or not any(_cell_text(c).strip() for c in header):
                continue
            headers = unique_headers(_cell_text(c) for c in header)
            sheets.append(SheetInfo(path, name, headers, max(sheet.height - 1, 0)))
        if not sheets:
            raise SourceError(N_("Berkas {file} tidak memuat lembar kerja berisi data."), file=path.name)
        return cls(path, sheets)

    def chunks(self, sheets: list[SheetInfo]) -> Iterator[Chunk]:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(self.path))
        total = sum(s.rows or 0 for s in sheets)
        done = 0
        for info in sheets:
            rows = workbook.get_sheet_by_name(info.sheet).iter_rows()
            next(rows, None)
            width = len(info.headers)
            first_row = 2
            buffer: list[list[str]] = []
            for row in rows:
                cells = [_cell_text(c) for c in row[:width]]
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                buffer.append(cells)
                if len(buffer) == XLSX_CHUNK_ROWS:
                    done += len(buffer)
                    yield Chunk(
                        info,
                        pd.DataFrame(buffer, columns=list(info.headers), dtype=str),
                        first_row,
                        done,
                        total,
                    )
                    first_row += len(buffer)
                    buffer = []
            if buffer:
                done += len(buffer)
                yield Chunk(
                    info, pd.DataFrame(buffer, columns=list(info.headers), dtype=str), first_row, done, total
                )


def open_source(path: Path) -> CsvSource | XlsxSource:
    path = Path(path)
    if not path.is_file():
        raise SourceError(N_("Berkas {file} tidak ditemukan."), file=str(path))
    kind = _sniff(path)
    return XlsxSource.open(path) if kind == "xlsx" else CsvSource.open(path, kind)


def tables_of(source: CsvSource | XlsxSource) -> list[SheetInfo]:
    return [source.info] if isinstance(source, CsvSource) else list(source.sheets)


def source_chunks(source: CsvSource | XlsxSource, tables: list[SheetInfo]) -> Iterator[Chunk]:
    if isinstance(source, CsvSource):
        return source.chunks()
    return source.chunks(tables)
