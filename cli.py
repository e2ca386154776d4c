"""The `ejps` command: no arguments opens the program; subcommands do the same work headless.

Argument parsing and printing only; every rule lives in app/. Exit status: 0 done, 1 refused or failed
(the message says why), 2 wrong usage, 3 nothing to import, 130 cancelled with Ctrl-C (nothing changed).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.errors import DomainError, user_error
from app.i18n import N_, _, set_language
from app.jobs import Cancelled

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3
EXIT_CANCELLED = 130  # the shell's convention for a command stopped by Ctrl-C (128 + SIGINT)
log = logging.getLogger("ejps")


def _print(text: str = "") -> None:
    print(text, flush=True)


def _fmt(number: int) -> str:
    return f"{number:,}".replace(",", ".")


_stop_requested = threading.Event()  # Ctrl-C pressed during this command's long work


def _step_column():
    """What the job is doing; once Ctrl-C is pressed, that it is stopping (read at each redraw, so the signal
    handler itself never touches the display)."""
    from rich.progress import ProgressColumn
    from rich.table import Column
    from rich.text import Text

    class StepColumn(ProgressColumn):
        def render(self, task) -> Text:
            if _stop_requested.is_set():
                return Text(_("Membatalkan... (Ctrl-C sekali lagi: berhenti seketika)"), style="yellow")
            return Text(task.description)

    return StepColumn(table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis"))


def _rate_column():
    """Work done per second, in the job's own units (rows, or bytes of a CSV file)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            if task.total is None or not speed:
                return Text("")
            return Text(_("{rate}/dtk").format(rate=_fmt(round(speed))), style="progress.data.speed")

    return RateColumn()


class TerminalProgress:
    """A progress bar on stderr (rich: bar, percentage, rate, time left) for the same jobs the GUI runs with a
    progress dialog. Without a terminal (a script, CI) nothing is drawn.

    Ctrl-C does what the dialog's Batal does: the job is asked to stop at its next check between chunks and
    rolls its transaction back, so nothing is half-saved; a second Ctrl-C stops at once. The request holds for
    the rest of the command: a Ctrl-C just after an import's preview still stops it before saving.
    """

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TaskProgressColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        console = Console(stderr=True)
        self.bar = Bar(
            _step_column(),
            BarColumn(bar_width=30),
            TaskProgressColumn(),
            _rate_column(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            expand=True,
            disable=not console.is_terminal,
        )
        self.task = None
        self.total = 0
        self.done = 0
        self._lock = threading.Lock()
        self._previous_handler = None

    def report(self, done: int, total: int, what: str) -> None:
        with self._lock:  # some jobs report from several reading threads
            if self.task is None or total != self.total or done < self.done:
                # A new step of the job (its own total): a new bar, so rate and time left start afresh.
                if self.task is not None:
                    self.bar.remove_task(self.task)
                self.task = self.bar.add_task(what, total=total or None, completed=done)
            else:
                self.bar.update(self.task, completed=done, description=what)
            self.total, self.done = total, done

    def cancelled(self) -> bool:
        return _stop_requested.is_set()

    def _interrupt(self, signum, frame) -> None:
        if _stop_requested.is_set():
            raise KeyboardInterrupt
        _stop_requested.set()

    def __enter__(self):
        from app.jobs import Progress

        self.bar.start()
        if threading.current_thread() is threading.main_thread():
            self._previous_handler = signal.signal(signal.SIGINT, self._interrupt)
        return Progress(report=self.report, cancelled=self.cancelled)

    def __exit__(self, *exc_info) -> None:
        if self._previous_handler is not None:
            signal.signal(signal.SIGINT, self._previous_handler)
            self._previous_handler = None
        self.bar.stop()


def _progress() -> TerminalProgress:
    return TerminalProgress()


def _database_path(args) -> Path:
    from app.office import default_database_path

    return Path(args.db) if args.db else default_database_path()


def _password(prompt: str, env: str = "EJPS_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise DomainError(
            _("Kata sandi tidak diberikan: isi variabel {env} atau jalankan secara interaktif.").format(
                env=env
            )
        )
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Ulangi kata sandi: ")) != value:
        raise DomainError(_("Kedua kata sandi tidak sama."))
    return value


def _database_to_open(args) -> Path:
    """--db, else the office database; until 'ejps init' has made one, the demo region if 'ejps demo' made it
    (said on stderr, so what a script reads on stdout stays the same)."""
    from app.office import demo_database_path

    path = _database_path(args)
    demo = demo_database_path()
    if not args.db and not path.exists() and demo.exists():
        print(
            _("Memakai wilayah demo {path} (basis data kantor belum dibuat dengan 'ejps init').").format(
                path=demo
            ),
            file=sys.stderr,
        )
        path = demo
    if path.resolve() == demo.resolve():
        from app.demo import ensure_demo_key

        ensure_demo_key()
    return path


def _login(args):
    from app.auth.users import login
    from app.office import open_office_database

    db = open_office_database(_database_to_open(args))
    username = os.environ.get("EJPS_USER") or (input(_("Nama pengguna: ")) if sys.stdin.isatty() else "")
    if not username:
        raise DomainError(
            _("Nama pengguna tidak diberikan: isi variabel EJPS_USER atau jalankan secara interaktif.")
        )
    user = login(db.unit_of_work(), username, _password(_("Kata sandi: ")))
    return db, user


# commands ------------------------------------------------------------------------------------------------


def cmd_init(args) -> int:
    from app.office import create_office_database

    path = _database_path(args)
    password = _password(_("Kata sandi admin baru: "), confirm=True)
    db = create_office_database(
        path, args.region, args.admin, password, args.full_name or args.admin, args.name or ""
    )
    _print(_("Basis data kantor dibuat: {path}").format(path=path))
    _print(
        _("Wilayah: {region} — {name}. Admin: {admin}.").format(
            region=db.office.region_code, name=db.office.name, admin=args.admin
        )
    )
    db.close()
    return EXIT_OK


def cmd_import(args) -> int:
    if args.kind == "sk":
        return cmd_import_sk(args)
    if args.kind == "realisasi":
        return cmd_import_realisasi(args)
    from app.registry.fields import ExtractKind
    from app.registry.importer import RegistryImport
    from app.registry.issues_export import export_issues_xlsx

    db, user = _login(args)
    job = RegistryImport(
        db, user, ExtractKind(args.kind), [Path(f) for f in args.files], source_label=args.source
    )
    try:
        plan = job.inspect()
        mapping = dict(plan.mapping)
        for item in args.map or []:
            field, _sep, header = item.partition("=")
            mapping[field.strip()] = header.strip()
        if plan.skipped:
            _print(_("Dilewati (judul kolom berbeda): {tables}").format(tables=", ".join(plan.skipped)))
        with _progress() as progress:
            preview = job.prepare(mapping, progress, mark_missing=not args.additions_only)
        _print_preview(preview)
        if args.issues_xlsx and preview.issues:
            count = export_issues_xlsx(
                db.unit_of_work(), user, preview.issues, Path(args.issues_xlsx), files=", ".join(args.files)
            )
            _print(_("Daftar {n} masalah ditulis ke {path}").format(n=_fmt(count), path=args.issues_xlsx))
        if preview.nothing_to_do:
            _print(_("Tidak ada yang diimpor: registri sudah sama dengan berkas ini."))
            return EXIT_NOTHING
        if not args.yes:
            if not sys.stdin.isatty():
                _print(_("Tidak ada yang diimpor: tambahkan --yes untuk menyimpan tanpa konfirmasi."))
                return EXIT_NOTHING
            if input(_("Simpan ke registri? [y/T] ")).strip().lower() not in ("y", "ya"):
                _print(_("Dibatalkan. Tidak ada yang berubah."))
                return EXIT_NOTHING
        with _progress() as progress:
            result = job.commit(progress)
        _print(_("Tersimpan sebagai impor #{batch}.").format(batch=result.batch_id))
        if result.imported and job.changes_matching:
            _prepare_matching_index(db)
        return EXIT_OK
    finally:
        job.close()
        db.close()


def _prepare_matching_index(db) -> None:
    """After the import is saved and said so: the index the next screening needs, built now rather than by
    the first `ejps screen`. Ctrl-C here stops only this step; the import stays saved."""
    from app.screening.service import prepare_matching_index

    try:
        with _progress() as progress:
            ready = prepare_matching_index(db, progress)
    except KeyboardInterrupt:
        ready = False
    if ready:
        _print(_("Indeks pemadanan untuk penyaringan sudah disiapkan."))
    else:
        _print(_("Indeks pemadanan belum disiapkan; penyaringan berikutnya akan menyusunnya."))


def _print_preview(preview) -> None:
    _print(_("Baris dibaca     : {n}").format(n=_fmt(preview.rows_read)))
    _print(_("Baru             : {n}").format(n=_fmt(preview.added)))
    _print(_("Berubah          : {n}").format(n=_fmt(preview.changed)))
    _print(_("Tidak berubah    : {n}").format(n=_fmt(preview.unchanged)))
    _print(_("Hilang dari ekstrak (ditandai): {n}").format(n=_fmt(preview.gone)))
    _print(_("Ditolak          : {n}").format(n=_fmt(preview.refused_rows)))
    _print(_("Ditandai         : {n}").format(n=_fmt(preview.flagged_rows)))
    if preview.previous_import_at:
        _print(
            _("Berkas yang sama sudah pernah diimpor pada {when}.").format(when=preview.previous_import_at)
        )
    shown = preview.issues[:20]
    for issue in shown:
        where = _("{source} baris {row}").format(source=issue.source, row=issue.row_number)
        _print(f"  {where}, {issue.field}: {issue.message}")
    if len(preview.issues) > len(shown):
        _print(
            _("  ... dan {n} masalah lain (gunakan --issues-xlsx untuk daftar lengkap)").format(
                n=_fmt(len(preview.issues) - len(shown))
            )
        )


def cmd_search(args) -> int:
    from app.regions import place_names
    from app.registry.people import sex_label, status_label
    from app.registry.search import people_by_ids, search_people

    db, user = _login(args)
    try:
        result = search_people(db.unit_of_work(), user, args.query, limit=args.limit)
        found = people_by_ids(db.unit_of_work(), user, list(result.ids))
        if not found:
            print(
                _('Tidak ada penduduk yang cocok dengan "{query}".').format(query=args.query), file=sys.stderr
            )
            return EXIT_ERROR
        desa = place_names(db.unit_of_work(), (person.kode_desa for person in found))
        _print_table(
            [
                (_("NIK"), False),
                (_("No. KK"), False),
                (_("Nama"), True),
                (_("JK"), False),
                (_("Tgl lahir"), False),
                (_("Desa/Kel."), True),
                (_("Status"), True),
            ],
            [
                [
                    person.nik,
                    person.no_kk,
                    person.nama,
                    sex_label(person.jenis_kelamin),
                    f"{person.tgl_lahir:%d-%m-%Y}" if person.tgl_lahir else "",
                    desa.get(person.kode_desa, person.kode_desa),
                    status_label(person.status)
                    + (", " + _("tidak ada di ekstrak terakhir") if person.missing else ""),
                ]
                for person in found
            ],
            spare=1,  # No. KK: on a narrow terminal, the NIK identifies the person
        )
        if result.truncated:
            _print(_("... lebih dari {n} hasil; persempit pencarian.").format(n=args.limit))
        return EXIT_OK
    finally:
        db.close()


def _print_table(columns: list[tuple[str, bool]], rows: list[list[str]], spare: int | None = None) -> None:
    """Columns as wide as their texts. On a narrow terminal only the columns marked True wrap (names, places)
    while numbers and dates stay whole, and the `spare` column is left out if the rest cannot fit. Piped to a
    file or another program, no line is cut at 80 characters."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    def table_of(kept: list[int]) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False)
        for index in kept:
            header, wraps = columns[index]
            widest = max([len(header), *(len(row[index]) for row in rows)])
            table.add_column(header, no_wrap=not wraps, min_width=min(widest, 12) if wraps else widest)
        for row in rows:
            table.add_row(*(row[index] for index in kept))
        return table

    console = Console(highlight=False)
    table = table_of(list(range(len(columns))))
    if not console.is_terminal:
        console.width = console.measure(table, options=console.options.update_width(10_000)).maximum
    elif spare is not None and sum(c.min_width for c in table.columns) + 2 * len(columns) > console.width:
        table = table_of([index for index in range(len(columns)) if index != spare])
    console.print(table)


def cmd_screen(args) -> int:
    from app.screening.headless import screen_file
    from app.screening.registry_index import CACHE

    db, user = _login(args)
    try:
        with _progress() as progress:
            result = screen_file(
                db, user, Path(args.file), Path(args.export), args.program, progress, save_index=False
            )
        preview, run = result.preview, result.run
        _print(
            _("Usulan dibaca: {read}, diimpor: {ok}, ditolak: {refused} (daftar #{list_id}).").format(
                read=_fmt(preview.rows_read),
                ok=_fmt(preview.rows_accepted),
                refused=_fmt(preview.rows_refused),
                list_id=result.list_id,
            )
        )
        for issue in preview.issues[:20]:
            where = _("{source} baris {row}").format(source=issue.source, row=issue.row_number)
            _print(f"  {where}, {issue.field}: {issue.message}")
        _print(
            _(
                "Hasil: {lolos} lolos, {gagal} tidak lolos, {cek} perlu cek; {linked} dipadankan ({seconds:.1f} detik)."
            ).format(
                lolos=_fmt(run.lolos),
                gagal=_fmt(run.tidak_lolos),
                cek=_fmt(run.perlu_cek),
                linked=_fmt(run.linked),
                seconds=run.seconds,
            )
        )
        _print(_("Hasil ditulis ke {path} ({n} baris).").format(path=args.export, n=_fmt(result.exported)))
        # The result is committed and shown first; the index the first screening after an import built is
        # saved after, in its own transaction (a kill now only means the next session builds it again).
        CACHE.save_pending()
        return EXIT_OK
    finally:
        db.close()


def cmd_program_list(args) -> int:
    from app.screening.programs import FUNDING_SOURCE_LABELS, list_programs

    db, user = _login(args)
    try:
        programs = list_programs(db.unit_of_work(), user, args.year)
        if not programs:
            _print(_("Belum ada program di wilayah Anda."))
            return EXIT_OK
        _print(
            f"{_('No.'):>4}  {_('Tahun'):<5}  {_('Nama program'):<40} {_('Sumber dana'):<20} "
            f"{_('Wilayah'):<10} {_('Kuota'):>9} {_('Daftar'):>6}"
        )
        for program in programs:
            _print(
                f"{program.id:>4}  {program.tahun:<5}  {program.nama[:40]:<40} "
                f"{_(FUNDING_SOURCE_LABELS.get(program.sumber_dana, program.sumber_dana)):<20} "
                f"{program.kode_wilayah:<10} {_fmt(program.kuota):>9} {program.list_count:>6}"
            )
        return EXIT_OK
    finally:
        db.close()


def cmd_list_show(args) -> int:
    from app.screening.programs import LIST_STATUS_LABELS, get_proposal_list, list_proposal_lists

    db, user = _login(args)
    try:
        if args.list_id is None:
            lists = list_proposal_lists(db.unit_of_work(), user)
            if not lists:
                _print(_("Belum ada daftar usulan di wilayah Anda."))
            for item in lists:
                _print(
                    f"{item.id:>4}  {item.nama[:36]:<36} {item.program_nama[:30]:<30} "
                    f"{_(LIST_STATUS_LABELS.get(item.status, item.status)):<15} "
                    + _("{rows} baris: {lolos} lolos, {gagal} tidak lolos, {cek} perlu cek").format(
                        rows=_fmt(item.row_count),
                        lolos=_fmt(item.lolos),
                        gagal=_fmt(item.tidak_lolos),
                        cek=_fmt(item.perlu_cek),
                    )
                )
            return EXIT_OK
        item = get_proposal_list(db.unit_of_work(), user, args.list_id)
        _print_list_summary(item, LIST_STATUS_LABELS)
        if item.last_run_id is not None:
            _print_list_rows(db, user, item.id, args.hasil, args.limit)
        return EXIT_OK
    finally:
        db.close()


def _print_list_summary(item, status_labels) -> None:
    _print(_("Daftar usulan #{id}: {name}").format(id=item.id, name=item.nama))
    if item.program_nama:
        _print(_("Program   : {program}").format(program=item.program_nama))
    _print(
        _("Pengusul  : {source} ({region})").format(
            source=item.sumber or "-", region=item.kode_wilayah_sumber
        )
    )
    _print(_("Status    : {status}").format(status=_(status_labels.get(item.status, item.status))))
    if item.file_name:
        _print(_("Berkas    : {file}").format(file=item.file_name))
    _print(
        _("Baris     : {rows} ({lolos} lolos, {gagal} tidak lolos, {cek} perlu cek)").format(
            rows=_fmt(item.row_count),
            lolos=_fmt(item.lolos),
            gagal=_fmt(item.tidak_lolos),
            cek=_fmt(item.perlu_cek),
        )
    )


def _print_list_rows(db, user, list_id: int, hasil: str | None, limit: int) -> None:
    from app.screening.results import list_results

    rows = [r for r in list_results(db, user, list_id) if hasil is None or r.hasil == hasil]
    shown = rows[:limit] if limit else rows
    _print()
    _print(
        f"{_('Baris'):>6}  {_('Hasil'):<11} {_('NIK usulan'):<16} {_('NIK terdaftar'):<16} "
        f"{_('Skor'):>6}  {_('Nama'):<30} {_('Tanda')}"
    )
    for r in shown:
        score = "" if r.skor_padan is None or not r.nik_padan else f"{r.skor_padan:.4f}"
        marks = ";".join(r.tanda)
        if r.keputusan:
            marks += f" [{r.keputusan}]"
        if r.nik_tertulis:
            marks += " " + _("[NIK tertulis {nik}]").format(nik=r.nik_tertulis)
        _print(
            f"{r.baris:>6}  {r.hasil:<11} {r.nik[:16]:<16} {r.nik_padan:<16} {score:>6}  {r.nama[:30]:<30} {marks}"
        )
    if len(rows) > len(shown):
        _print(
            _("... dan {n} baris lain (gunakan --limit 0 untuk semuanya).").format(
                n=_fmt(len(rows) - len(shown))
            )
        )


def _confirmed(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        _print(_("Tidak ada yang diubah: tambahkan --yes untuk menjalankan tanpa konfirmasi."))
        return False
    if input(question).strip().lower() not in ("y", "ya"):
        _print(_("Dibatalkan. Tidak ada yang berubah."))
        return False
    return True


def cmd_list_delete(args) -> int:
    from app.screening.programs import delete_proposal_list, get_proposal_list

    db, user = _login(args)
    try:
        item = get_proposal_list(db.unit_of_work(), user, args.list_id)
        _print(
            _('Daftar usulan #{id} "{name}" ({rows} baris) akan dihapus.').format(
                id=item.id, name=item.nama, rows=_fmt(item.row_count)
            )
        )
        if not _confirmed(_("Hapus daftar ini? [y/T] "), args.yes):
            return EXIT_NOTHING
        delete_proposal_list(db.unit_of_work(), user, args.list_id, args.reason or "")
        _print(_("Daftar usulan #{id} dihapus.").format(id=item.id))
        return EXIT_OK
    finally:
        db.close()


def cmd_sk_pdf(args) -> int:
    from app.documents.letterhead import office_letterhead
    from app.documents.sk_document import sk_document
    from app.documents.sk_pdf import render_sk_pdf

    db, user = _login(args)
    try:
        document = sk_document(db, user, args.sk_id)
        with _progress() as progress:
            pages = render_sk_pdf(document, office_letterhead(db), Path(args.out), progress)
        _print(
            _("SK {nomor} ({rows} penerima, {state}) ditulis ke {path}: {pages} halaman.").format(
                nomor=document.nomor or f"#{document.sk_id}",
                rows=_fmt(len(document.rows)),
                state=_("final") if document.final else _("draf"),
                path=args.out,
                pages=pages,
            )
        )
        return EXIT_OK
    finally:
        db.close()


# Form 1 (Pergub 72/2018 A.1) -------------------------------------------------------------------------------


def cmd_form1_list(args) -> int:
    from app.documents.form1 import list_form1
    from app.documents.form1_checks import JALUR_LABELS

    db, user = _login(args)
    try:
        forms = list_form1(db.unit_of_work(), user, args.desa, args.cari or "")
        if not forms:
            _print(_("Belum ada Form 1 di wilayah ini."))
            return EXIT_OK
        columns = [
            (_("No."), False),
            (_("Tanggal"), False),
            (_("NIK"), False),
            (_("Nama"), True),
            (_("Desa/kelurahan"), True),
            (_("Jalur"), True),
            (_("Anggota"), False),
            (_("Skrining awal"), False),
        ]
        rows = [
            [
                str(form.id),
                form.tanggal.strftime("%d-%m-%Y") if form.tanggal else "",
                form.nik,
                form.nama,
                form.desa,
                _(JALUR_LABELS.get(form.jalur, form.jalur)),
                str(form.jumlah_anggota),
                _("lolos") if form.lolos_skrining else _("tidak lolos"),
            ]
            for form in forms
        ]
        _print_table(columns, rows, spare=5)
        return EXIT_OK
    finally:
        db.close()


def cmd_form1_pdf(args) -> int:
    from app.documents.form1_pdf import write_form1_pdf

    db, user = _login(args)
    try:
        path = write_form1_pdf(db.unit_of_work(), user, Path(args.out), None if args.blank else args.id)
        if args.blank:
            _print(_("Form 1 kosong ditulis ke {path}.").format(path=path))
        else:
            _print(_("Form 1 #{id} ditulis ke {path}.").format(id=args.id, path=path))
        return EXIT_OK
    finally:
        db.close()


def cmd_review_nik_slips(args) -> int:
    from app.screening.batch_review import find_niks_to_take, take_registered_niks
    from app.screening.flags import KINDS

    db, user = _login(args)
    try:
        rows = find_niks_to_take(db, user, args.list_id, args.min_probability)
        if not rows:
            _print(
                _(
                    "Tidak ada NIK salah ketik atau tidak sah dengan keyakinan padanan sedikitnya {p} di daftar "
                    "ini."
                ).format(p=args.min_probability)
            )
            return EXIT_NOTHING
        kinds = {kind: _(KINDS[kind].label) for kind in {row.kind for row in rows}}
        kind_width = max(len(_("Jenis")), *(len(label) for label in kinds.values()))
        # A malformed written NIK is shown whole: a dropped or extra digit is what the operator compares.
        written_width = max(16, *(len(row.nik_tertulis) for row in rows))
        _print(
            f"{_('Baris'):>6}  {_('Jenis'):<{kind_width}}  {_('NIK tertulis'):<{written_width}} "
            f"{_('NIK terdaftar'):<16} {_('Keyakinan'):>9}  {_('Nama terdaftar')}"
        )
        for row in rows:
            _print(
                f"{row.baris:>6}  {kinds[row.kind]:<{kind_width}}  {row.nik_tertulis:<{written_width}} "
                f"{row.nik_terdaftar:<16} {row.probability:>9.4f}  {row.nama}"
            )
        counts = Counter(row.kind for row in rows)
        _print(
            _(
                "{n} baris akan memakai NIK terdaftar ({slips} salah ketik, {malformed} tidak sah); "
                "NIK tertulis tetap disimpan."
            ).format(
                n=_fmt(len(rows)),
                slips=_fmt(counts["NIK_SALAH_KETIK"]),
                malformed=_fmt(counts["NIK_TIDAK_SAH"]),
            )
        )
        if not _confirmed(_("Ambil NIK terdaftar untuk baris-baris ini? [y/T] "), args.yes):
            return EXIT_NOTHING
        with _progress() as progress:
            taken = take_registered_niks(
                db,
                user,
                args.list_id,
                [r.proposal_id for r in rows],
                args.min_probability,
                progress=progress,
            )
        _print(_("NIK terdaftar diambil untuk {n} baris.").format(n=_fmt(len(taken.taken))))
        if taken.skipped:
            _print(_("{n} baris berubah sementara itu dan dilewati.").format(n=_fmt(taken.skipped)))
        if taken.run is not None:
            _print(
                _("Hasil sekarang: {lolos} lolos, {gagal} tidak lolos, {cek} perlu cek.").format(
                    lolos=_fmt(taken.run.lolos),
                    gagal=_fmt(taken.run.tidak_lolos),
                    cek=_fmt(taken.run.perlu_cek),
                )
            )
        return EXIT_OK
    finally:
        db.close()


# realisasi (Pergub 52/2020 Pasal 7 ayat 2) -------------------------------------------------------------------
def cmd_import_realisasi(args) -> int:
    from app.documents.realisasi_import import RealisasiImport
    from app.registry.issues_export import export_issues_xlsx

    if args.sk is None:
        raise DomainError(_("Sebutkan SK-nya: ejps import realisasi BERKAS --sk NOMOR."))
    db, user = _login(args)
    job = RealisasiImport(
        db, user, args.sk, [Path(f) for f in args.files], args.channel, args.keep_outside_sk
    )
    try:
        plan = job.inspect()
        mapping = dict(plan.mapping)
        for item in args.map or []:
            field, _sep, header = item.partition("=")
            mapping[field.strip()] = header.strip()
        with _progress() as progress:
            preview = job.prepare(mapping, progress)
        _print(_("Baris dibaca     : {n}").format(n=_fmt(preview.rows_read)))
        _print(_("Diimpor          : {n} (Rp {total})").format(
            n=_fmt(preview.rows_accepted), total=_fmt(preview.total_nilai)
        ))  # fmt: skip
        _print(_("Ditolak          : {n}").format(n=_fmt(preview.rows_refused)))
        _print(_("Ditandai         : {n}").format(n=_fmt(preview.rows_flagged)))
        _print(_("Di luar SK       : {n}").format(n=_fmt(preview.outside_sk)))
        for issue in preview.issues[:20]:
            where = _("{source} baris {row}").format(source=issue.source, row=issue.row_number)
            _print(f"  {where}, {issue.field}: {issue.message}")
        if len(preview.issues) > 20:
            _print(_("  ... dan {n} masalah lain (gunakan --issues-xlsx untuk daftar lengkap)").format(
                n=_fmt(len(preview.issues) - 20)
            ))  # fmt: skip
        if args.issues_xlsx and preview.issues:
            count = export_issues_xlsx(
                db.unit_of_work(), user, preview.issues, Path(args.issues_xlsx), files=", ".join(args.files)
            )
            _print(_("Daftar {n} masalah ditulis ke {path}").format(n=_fmt(count), path=args.issues_xlsx))
        if preview.rows_accepted == 0 and not preview.blocked:
            _print(_("Tidak ada baris realisasi yang dapat diimpor."))
            return EXIT_NOTHING
        if not preview.blocked and not _confirmed(_("Simpan realisasi ini? [y/T] "), args.yes):
            return EXIT_NOTHING
        with _progress() as progress:
            result = job.commit(progress)  # refuses a file naming people outside the SK, saving nothing
        _print(
            _("Tersimpan: {n} baris realisasi untuk SK #{sk}.").format(n=_fmt(result.rows), sk=result.sk_id)
        )
        _print_consistency(db, user, args.sk, None)
        return EXIT_OK
    finally:
        job.close()
        db.close()


def _print_consistency(db, user, sk_id, program_id) -> None:
    from app.documents.consistency import PROBLEMS, check_consistency

    report = check_consistency(db.unit_of_work(), user, sk_id=sk_id, program_id=program_id)
    _print(_("Konsistensi {scope}: {served} dari {named} penerima SK sudah menerima; {rows} baris realisasi, "
             "Rp {total}.").format(scope=report.scope, served=_fmt(report.served), named=_fmt(report.recipients),
                                   rows=_fmt(report.realisasi_rows), total=_fmt(report.realisasi_nilai)))  # fmt: skip
    for kind, count in report.counts().items():
        _print(f"  {_(PROBLEMS[kind].label):<32} {_fmt(count):>8}")


def cmd_realisasi_check(args) -> int:
    from app.documents.consistency import check_consistency, export_consistency

    if (args.sk is None) == (args.program is None):
        raise DomainError(_("Sebutkan satu SK (--sk) atau satu program (--program)."))
    db, user = _login(args)
    try:
        _print_consistency(db, user, args.sk, args.program)
        if args.export:
            count = export_consistency(db, user, Path(args.export), sk_id=args.sk, program_id=args.program)
            _print(
                _("{n} masalah beserta buktinya ditulis ke {path}").format(n=_fmt(count), path=args.export)
            )
        elif args.show:
            report = check_consistency(db.unit_of_work(), user, sk_id=args.sk, program_id=args.program)
            for problem in report.problems[: args.show]:
                _print(f"- {problem.sentence}")
                for evidence in problem.evidence:
                    _print(f"    {evidence.text}")
        return EXIT_OK
    finally:
        db.close()


def cmd_report_semester(args) -> int:
    from app.documents.monitoring import Semester
    from app.documents.semester_report import report_title, write_semester_report

    semester = Semester.parse(args.semester)  # a typo is refused before the password is asked
    db, user = _login(args)
    try:
        with _progress() as progress:
            result = write_semester_report(
                db, user, semester, Path(args.output), program_id=args.program, progress=progress
            )
        _print(
            _("{title} ditulis ke {path} ({programs} program, {rows} baris wilayah).").format(
                title=report_title(semester), path=result.path, programs=result.programs, rows=result.rows
            )
        )
        return EXIT_OK
    finally:
        db.close()


def _add_realisasi_commands(sub, subcommand, imp) -> None:
    imp.add_argument(
        "--sk", type=int, metavar=_("NOMOR"), help=_("realisasi: nomor SK (lihat 'ejps sk list')")
    )
    imp.add_argument(
        "--channel", default="bank", choices=["bank", "pos", "natura"],
        help=_("realisasi: saluran untuk baris tanpa kolom saluran (bawaan: bank)"),
    )  # fmt: skip
    imp.add_argument(
        "--keep-outside-sk", action="store_true",
        help=_("realisasi: catat juga penerima yang tidak ada di SK, untuk diperiksa (tanpa ini: berkas ditolak)"),
    )  # fmt: skip
    imp.epilog += "\n" + "\n".join(_examples(
        ("ejps import realisasi bank_bri.xlsx --sk 4", N_("pratinjau, simpan, lalu ringkasan konsistensi")),
        ("ejps import realisasi pos.csv --sk 4 --channel pos --yes", ""),
    ).splitlines()[1:])  # fmt: skip
    realisasi = sub("realisasi", _("realisasi bantuan: periksa konsistensinya dengan SK"), None)
    commands = realisasi.add_subparsers(dest="realisasi_command", required=True)
    check = subcommand(
        commands,
        "check",
        _("periksa konsistensi realisasi dengan SK (Pergub 52/2020 Pasal 7)"),
        cmd_realisasi_check,
    )
    check.add_argument("--sk", type=int, metavar=_("NOMOR"), help=_("nomor SK"))
    check.add_argument("--program", type=int, metavar=_("NOMOR"), help=_("nomor program: semua SK finalnya"))
    check.add_argument(
        "--export", metavar=_("BERKAS"), help=_("tulis masalah beserta buktinya ke .xlsx atau .csv")
    )
    check.add_argument(
        "--show", type=int, default=20, metavar="N", help=_("tampilkan N masalah pertama (bawaan: 20)")
    )
    check.formatter_class = argparse.RawDescriptionHelpFormatter
    check.epilog = _examples(
        ("ejps realisasi check --sk 4", ""),
        ("ejps realisasi check --sk 4 --export konsistensi.xlsx", ""),
        ("ejps realisasi check --program 3", N_("semua SK final program itu")),
    )


def cmd_user_add(args) -> int:
    from app.auth.roles import Role
    from app.auth.users import create_user

    db, actor = _login(args)
    try:
        password = _password(_("Kata sandi pengguna baru: "), env="EJPS_NEW_PASSWORD", confirm=True)
        created = create_user(
            db.unit_of_work(),
            actor,
            args.username,
            args.full_name or args.username,
            password,
            Role(args.role),
            args.region or db.office.region_code,
            args.opd or "",
        )
        _print(
            _("Pengguna {username} ({role}, wilayah {region}) dibuat.").format(
                username=created.username, role=created.role.value, region=created.region_code
            )
        )
        return EXIT_OK
    finally:
        db.close()


def cmd_user_list(args) -> int:
    from app.auth.users import list_users

    db, actor = _login(args)
    try:
        for user in list_users(db.unit_of_work(), actor):
            _print(
                f"{user.username:<20} {user.role.value:<9} {user.region_code:<10} {user.opd:<24} "
                f"{_('aktif') if user.active else _('nonaktif')}"
            )
        return EXIT_OK
    finally:
        db.close()


def cmd_demo(args) -> int:
    from app.demo import DEMO_ADMIN, DEMO_PASSPHRASE, DEMO_PASSWORD, build_demo, ensure_demo_key
    from app.office import default_database_path, demo_database_path

    path = Path(args.db) if args.db else demo_database_path()
    keyed_by_demo_passphrase = ensure_demo_key()
    if path.exists() and not args.force:
        _print(_("Basis data demo sudah ada: {path}").format(path=path))
    else:
        with _progress() as progress:
            summary = build_demo(
                path, people=args.people, seed=args.seed, progress=progress, replace=args.force
            )
        _print(
            _("Basis data demo dibuat: {path} ({people} penduduk, {households} KK, {dtks} di DTKS).").format(
                path=path,
                people=_fmt(summary.people),
                households=_fmt(summary.households),
                dtks=_fmt(summary.dtks),
            )
        )
        _print(_("Contoh berkas ekstrak untuk latihan impor: {folder}").format(folder=summary.samples_dir))
    _print(
        _("Masuk sebagai {user} dengan kata sandi {password}.").format(
            user=DEMO_ADMIN, password=DEMO_PASSWORD
        )
    )
    if keyed_by_demo_passphrase:
        _print(
            _(
                "Komputer ini tidak punya penyimpanan kredensial: basis data demo dikunci dengan frasa sandi "
                "{passphrase}. Bila ditanyakan, ketik frasa sandi itu (atau isi EJPS_DB_PASSPHRASE)."
            ).format(passphrase=DEMO_PASSPHRASE)
        )
    if path == demo_database_path() and not default_database_path().exists():
        _print(
            _("Perintah lain memakai wilayah demo ini, mis.: {example}").format(example='ejps search "siti"')
        )
    else:
        _print(
            _("Perintah lain memakai wilayah demo ini dengan --db, mis.: {example}").format(
                example=f'ejps --db "{path}" search "siti"'
            )
        )
    if args.open:
        return _run_gui(path, demo=True)
    return EXIT_OK


def _run_gui(path: Path | None, demo: bool = False) -> int:
    from ui.application import run

    return run(database_path=path, demo=demo)


# argparse's own texts ("usage:", "options", its error messages) are looked up in gettext's domain
# "argparse", for which no Indonesian catalog exists. While the parser is built and parses, they are
# looked up in the project's catalog instead, under these Indonesian texts (keys: the msgids of
# Lib/argparse.py in Python 3.11 that a user can meet; the rest are programming errors, left as they are).
ARGPARSE_TEXTS = {
    "usage: ": N_("pemakaian: "),
    "positional arguments": N_("argumen"),
    "options": N_("opsi"),
    "show this help message and exit": N_("tampilkan bantuan ini lalu keluar"),
    "%(prog)s: error: %(message)s\n": N_("%(prog)s: galat: %(message)s\n"),
    "argument %(argument_name)s: %(message)s": N_("argumen %(argument_name)s: %(message)s"),
    "the following arguments are required: %s": N_("argumen berikut wajib diisi: %s"),
    "one of the arguments %s is required": N_("salah satu argumen ini wajib diisi: %s"),
    "not allowed with argument %s": N_("tidak boleh bersama argumen %s"),
    "unrecognized arguments: %s": N_("argumen tidak dikenal: %s"),
    "invalid choice: %(value)r (choose from %(choices)s)": N_(
        "pilihan tidak sah: %(value)r (pilih salah satu: %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": N_("nilai %(type)s tidak sah: %(value)r"),
    "expected one argument": N_("perlu satu nilai"),
    "expected at most one argument": N_("paling banyak satu nilai"),
    "expected at least one argument": N_("perlu paling sedikit satu nilai"),
    "expected %s argument": N_("perlu %s nilai"),
    "expected %s arguments": N_("perlu %s nilai"),
    "ambiguous option: %(option)s could match %(matches)s": N_("opsi %(option)s rancu: bisa %(matches)s"),
    "unexpected option string: %s": N_("opsi tak terduga: %s"),
    "ignored explicit argument %r": N_("nilai %r diabaikan"),
    "unknown parser %(parser_name)r (choices: %(choices)s)": N_(
        "perintah %(parser_name)r tidak dikenal (pilihan: %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": N_("berkas '%(filename)s' tidak dapat dibuka: %(error)s"),
}


def _argparse_text(message: str | None) -> str | None:
    known = ARGPARSE_TEXTS.get(message) if message else None
    return _(known) if known else message


def _argparse_plural(singular: str, plural: str, n: int) -> str:
    return _argparse_text(singular if n == 1 else plural)


@contextmanager
def _argparse_in_project_language() -> Iterator[None]:
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _argparse_text, _argparse_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


# SK penetapan ---------------------------------------------------------------------------------------------
def _sk_fields(args) -> dict:
    """The SK header given on the command line (only the options used)."""
    names = ("nomor", "tanggal", "judul", "instansi", "tempat")
    fields = {name: getattr(args, name) for name in names if getattr(args, name, None)}
    for option, name in (("ttd_nama", "penandatangan_nama"), ("ttd_nip", "penandatangan_nip")):
        if getattr(args, option, None):
            fields[name] = getattr(args, option)
    if getattr(args, "ttd_jabatan", None):
        fields["penandatangan_jabatan"] = args.ttd_jabatan
    return fields


def cmd_sk_list(args) -> int:
    from app.documents.sk import SK_ORIGIN_LABELS, SK_STATUS_LABELS, list_sks

    db, user = _login(args)
    try:
        sks = list_sks(db.unit_of_work(), user, args.program)
        if not sks:
            _print(_("Belum ada SK penetapan di wilayah Anda."))
            return EXIT_OK
        _print(
            f"{_('No.'):>4}  {_('Status'):<6} {_('Asal'):<8} {_('Nomor SK'):<28} {_('Tanggal'):<10} "
            f"{_('Program'):<28} {_('Penerima'):>8} {_('Total (Rp)'):>15}"
        )
        for sk in sks:
            tanggal = f"{sk.tanggal:%d-%m-%Y}" if sk.tanggal else "-"
            note = (
                _(" (diubah oleh {nomor})").format(nomor=sk.diubah_oleh_nomor) if sk.diubah_oleh_nomor else ""
            )
            _print(
                f"{sk.id:>4}  {_(SK_STATUS_LABELS.get(sk.status, sk.status)):<6} "
                f"{_(SK_ORIGIN_LABELS.get(sk.asal, sk.asal)):<8} {(sk.nomor or '-')[:28]:<28} {tanggal:<10} "
                f"{sk.program_nama[:28]:<28} {_fmt(sk.penerima):>8} {_fmt(sk.total_nilai):>15}{note}"
            )
        return EXIT_OK
    finally:
        db.close()


def cmd_sk_finalise(args) -> int:
    from app.documents.sk import sk_detail
    from app.documents.sk_final import finalise_sk

    db, user = _login(args)
    try:
        detail = sk_detail(db.unit_of_work(), user, args.sk_id)
        summary = detail.summary
        _print(
            _("SK #{id} nomor {nomor}: {n} penerima, total Rp {total}.").format(
                id=summary.id,
                nomor=summary.nomor or "-",
                n=_fmt(summary.penerima),
                total=_fmt(summary.total_nilai),
            )
        )
        if not _confirmed(_("Finalkan SK ini? Setelah final, SK tidak dapat diubah lagi. [y/T] "), args.yes):
            return EXIT_NOTHING
        final = finalise_sk(db.unit_of_work(), user, args.sk_id).summary
        _print(_("SK #{id} final. Hash isi: {hash}").format(id=final.id, hash=final.hash_isi))
        return EXIT_OK
    finally:
        db.close()


def cmd_import_sk(args) -> int:
    from app.documents.sk_import import import_sk

    if args.program is None or len(args.files) != 1:
        _print(_("Impor SK: sebutkan satu berkas dan --program NOMOR."))
        return EXIT_USAGE
    db, user = _login(args)
    try:
        with _progress() as progress:
            result = import_sk(db, user, args.program, Path(args.files[0]), _sk_fields(args), progress)
        summary = result.sk.summary
        _print(
            _(
                "SK {nomor} diimpor sebagai SK #{id} (final): {rows} baris, {matched} dipadankan dengan registri."
            ).format(nomor=summary.nomor, id=summary.id, rows=_fmt(result.rows), matched=_fmt(result.matched))
        )
        if result.unmatched:
            _print(
                _("Tidak dikenali di registri (tetap tercantum di SK): baris {rows}.").format(
                    rows=", ".join(str(n) for n in result.unmatched[:50])
                )
            )
        return EXIT_OK
    finally:
        db.close()


def _add_sk_commands(sub, subcommand, imp) -> None:
    """`ejps sk list|finalise|pdf` and the SK options of `ejps import sk`."""
    sk = sub("sk", _("SK penetapan penerima bantuan"), None)
    sk_commands = sk.add_subparsers(
        dest="sk_command", required=True, title=_("perintah"), metavar=_("PERINTAH")
    )
    sk_list = subcommand(sk_commands, "list", _("daftar SK penetapan di wilayah Anda"), cmd_sk_list)
    sk_list.add_argument("--program", type=int, metavar=_("NOMOR"), help=_("hanya SK program ini"))
    final = subcommand(
        sk_commands, "finalise", _("finalkan SK (setelah itu SK tidak dapat diubah)"), cmd_sk_finalise
    )
    final.add_argument("sk_id", type=int, metavar=_("NOMOR_SK"), help=_("nomor urut SK pada 'ejps sk list'"))
    final.add_argument("--yes", action="store_true", help=_("finalkan tanpa menanyakan"))
    final.formatter_class = argparse.RawDescriptionHelpFormatter
    final.epilog = _examples(("ejps sk list", ""), ("ejps sk finalise 4 --yes", ""))
    sk_pdf = subcommand(sk_commands, "pdf", _("cetak SK penetapan beserta lampirannya ke PDF"), cmd_sk_pdf)
    sk_pdf.formatter_class = argparse.RawDescriptionHelpFormatter
    sk_pdf.add_argument("sk_id", type=int, metavar=_("NOMOR_SK"), help=_("nomor urut SK di basis data"))
    sk_pdf.add_argument("out", metavar=_("BERKAS.pdf"), help=_("berkas PDF yang ditulis"))
    sk_pdf.epilog = _examples(
        (
            "ejps sk pdf 3 sk-sembako-2026.pdf",
            N_("kop surat, keputusan, lampiran; NIK disamarkan kecuali diizinkan"),
        ),
    )
    group = imp.add_argument_group(_("impor SK (jenis 'sk')"))
    group.add_argument("--program", type=int, metavar=_("NOMOR"), help=_("program yang ditetapkan SK itu"))
    group.add_argument("--nomor", help=_("nomor SK"))
    group.add_argument("--tanggal", metavar="DD-MM-YYYY", help=_("tanggal SK"))
    group.add_argument("--judul", help=_("judul SK"))
    group.add_argument("--instansi", help=_("instansi yang menerbitkan SK"))
    group.add_argument("--tempat", help=_("tempat penetapan"))
    group.add_argument("--ttd-nama", help=_("nama penandatangan"))
    group.add_argument("--ttd-nip", help=_("NIP penandatangan"))
    group.add_argument("--ttd-jabatan", help=_("jabatan penandatangan"))


def _not_negative(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(
            _("harus bilangan bulat 0 atau lebih, bukan '{text}'").format(text=text)
        )
    return number


def _examples(*examples: tuple[str, str]) -> str:
    """The end of a help text: commands to copy, each with what it does."""
    width = max((len(command) for command, what in examples if what), default=0)
    lines = [f"  {command:<{width}}  # {_(what)}" if what else f"  {command}" for command, what in examples]
    return "\n".join([_("contoh:"), *lines])


def _main_epilog() -> str:
    variables = [
        ("EJPS_USER, EJPS_PASSWORD", _("nama pengguna dan kata sandi, untuk skrip (tanpa ini: ditanyakan)")),
        ("EJPS_NEW_PASSWORD", _("kata sandi akun baru pada 'ejps user add'")),
        ("EJPS_DB_PASSPHRASE", _("frasa sandi kunci basis data, di komputer tanpa penyimpanan kredensial")),
        ("EJPS_DATA_DIR", _("folder data: basis data kantor, wilayah demo, log")),
        ("EJPS_LANG", _("bahasa tampilan (id, en), seperti --lang")),
    ]
    width = max(len(name) for name, _text in variables)
    return "\n".join(
        [
            _examples(
                ("ejps demo", N_("buat wilayah demo sintetis untuk mencoba")),
                ('ejps search "siti lasena"', N_("sesudah 'ejps demo': cari di wilayah demo")),
                ("ejps init --region 7501 --admin admin", N_("basis data kantor baru untuk Kab. Gorontalo")),
                ("ejps import dukcapil ekstrak.xlsx", N_("pratinjau, lalu ditanya sebelum disimpan")),
                ("ejps screen usulan.xlsx --program 3 --export hasil.xlsx", ""),
                (_("ejps PERINTAH --help"), N_("bantuan satu perintah")),
            ),
            "",
            _("variabel lingkungan:"),
            *(f"  {name:<{width}}  {text}" for name, text in variables),
            "",
            _(
                "status keluar: 0 selesai, 1 ditolak atau gagal (pesannya menyebut sebabnya), 2 salah pemakaian,\n"
                "3 tidak ada yang diimpor, 130 dibatalkan dengan Ctrl-C (tidak ada yang berubah)."
            ),
        ]
    )


# the provincial server and device enrollment (sync) ---------------------------------------------------------


def _server_database(args):
    from sync.server.database import open_server_database

    return open_server_database(args.db)


def _server_login(args):
    from app.auth.users import login

    db = _server_database(args)
    username = os.environ.get("EJPS_USER") or (input(_("Nama pengguna: ")) if sys.stdin.isatty() else "")
    if not username:
        db.close()
        raise DomainError(
            _("Nama pengguna tidak diberikan: isi variabel EJPS_USER atau jalankan secara interaktif.")
        )
    try:
        return db, login(db.unit_of_work(), username, _password(_("Kata sandi: ")))
    except BaseException:
        db.close()
        raise


def _shown_url(url: str | None) -> str:
    from sqlalchemy.engine import make_url

    from db.server_engine import normalized_url
    from sync.server.database import default_server_url

    return make_url(normalized_url(url or default_server_url())).render_as_string(hide_password=True)


def cmd_server_init(args) -> int:
    from sync.server.setup import create_first_admin

    db = _server_database(args)
    try:
        password = _password(_("Kata sandi admin baru: "), confirm=True)
        create_first_admin(db.unit_of_work(), args.admin, password, args.full_name or "")
        _print(
            _("Server disiapkan: {url}. Admin provinsi: {admin}.").format(
                url=_shown_url(args.db), admin=args.admin
            )
        )
        return EXIT_OK
    finally:
        db.close()


def cmd_serve(args) -> int:
    import uvicorn

    from sync.server.apply_processes import APPLY_PROCESSES_ENV
    from sync.server.database import SERVER_DB_ENV

    _server_database(args).close()  # migrated, keys made, and a wrong URL said now rather than per worker
    if args.db:
        os.environ[SERVER_DB_ENV] = args.db
    if args.apply_processes is not None:
        os.environ[APPLY_PROCESSES_ENV] = str(args.apply_processes)
    _print(
        _("Server e-JPS di http://{host}:{port} (basis data {url}). Hentikan dengan Ctrl-C.").format(
            host=args.host, port=args.port, url=_shown_url(args.db)
        )
    )
    uvicorn.run(
        "sync.server.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )
    return EXIT_OK


def _print_device(device) -> None:
    when = device.approved_at or device.requested_at
    _print(
        f"{device.device}  {device.status.value:<8} {device.region or device.requested_region:<10} "
        f"{device.fingerprint}  {when:%Y-%m-%d}  {device.office_name}"
    )


def cmd_device_approve(args) -> int:
    from sync.server.devices import approve_device

    db, admin = _server_login(args)
    try:
        device = approve_device(db.unit_of_work(), admin, args.code, args.region, args.office)
        _print(
            _(
                "Perangkat {device} ({office}) disetujui untuk wilayah {region}. Sidik kunci: {fingerprint}."
            ).format(
                device=device.device,
                office=device.office_name,
                region=device.region,
                fingerprint=device.fingerprint,
            )
        )
        return EXIT_OK
    finally:
        db.close()


def cmd_device_revoke(args) -> int:
    from sync.server.devices import revoke_device

    try:
        device_uuid = uuid.UUID(args.device)
    except ValueError:
        raise DomainError(
            _("{text} bukan UUID perangkat (lihat 'ejps device list').").format(text=args.device)
        ) from None
    db, admin = _server_login(args)
    try:
        device = revoke_device(db.unit_of_work(), admin, device_uuid, args.reason)
        _print(
            _("Perangkat {device} ({office}) dicabut.").format(
                device=device.device, office=device.office_name
            )
        )
        return EXIT_OK
    finally:
        db.close()


def cmd_device_list(args) -> int:
    from sync.server.devices import list_devices

    db, admin = _server_login(args)
    try:
        for device in list_devices(db.unit_of_work(), admin):
            _print_device(device)
        return EXIT_OK
    finally:
        db.close()


# --- a revoked device's held bundles: list, release, discard (server, DEVICE_MANAGE) ---
def _held_id(text: str) -> int:
    if not text.isdigit():
        raise DomainError(
            _("{text} bukan nomor paket tertahan (lihat 'ejps device held').").format(text=text)
        )
    return int(text)


def cmd_device_held(args) -> int:
    from sync.server.held import list_held

    db, admin = _server_login(args)
    try:
        found = list_held(db.unit_of_work(), admin)
        for held in found:
            _print(
                f"{held.id:>5}  {held.received_at:%Y-%m-%d %H:%M}  {held.device}  {held.region:<10} "
                + _("perubahan {first}–{last} ({n})").format(
                    first=held.seq_from, last=held.seq_to, n=held.records
                )
                + f"  {held.office_name}"
            )
        if not found:
            _print(_("Tidak ada paket tertahan."))
        return EXIT_OK
    finally:
        db.close()


def cmd_device_decide_held(args) -> int:
    from sync.server.held import discard_held, release_held

    decide = release_held if args.device_command == "release" else discard_held
    held_id = _held_id(args.id)
    db, admin = _server_login(args)
    try:
        held = decide(db.unit_of_work(), admin, held_id)
        message = (
            _("Paket tertahan {id} dari {office} diterapkan ({n} perubahan).")
            if args.device_command == "release"
            else _("Paket tertahan {id} dari {office} dibuang ({n} perubahan tidak diterapkan).")
        )
        _print(message.format(id=held.id, office=held.office_name, n=held.records))
        return EXIT_OK
    finally:
        db.close()


def cmd_device_enroll(args) -> int:
    from app.sync.enrollment import enroll_device
    from sync.client import SyncClient

    db, user = _login(args)
    try:
        with SyncClient(args.server) as client:
            state = enroll_device(db.unit_of_work(), user, client)
        _print(_("Permintaan pendaftaran terkirim. Kode sekali pakai untuk admin provinsi:"))
        _print(f"    {state.code}")
        _print(
            _("Sidik kunci perangkat: {fingerprint}. Kode berlaku sampai {until:%Y-%m-%d}.").format(
                fingerprint=state.fingerprint, until=state.code_expires_at
            )
        )
        return EXIT_OK
    finally:
        db.close()


def cmd_device_status(args) -> int:
    from app.sync.enrollment import REVOKED, check_enrollment
    from sync.client import SyncClient

    db, user = _login(args)
    try:
        with SyncClient(args.server) as client:
            state = check_enrollment(db.unit_of_work(), user, client)
        if state.note:  # revoked, or unknown to the server: the server's own words
            print(state.note, file=sys.stderr)
            return EXIT_ERROR
        labels = {"pending": _("menunggu persetujuan"), "approved": _("disetujui"), REVOKED: _("dicabut")}
        _print(
            _("Perangkat {device}: {status}; wilayah {region}.").format(
                device=db.office.device_id,
                status=labels.get(state.status, state.status),
                region=state.region or db.office.region_code,
            )
        )
        return EXIT_OK
    finally:
        db.close()


# the exchange: USB files on the laptop and on the server ---------------------------------------------------------


def cmd_sync(args) -> int:
    from sync.laptop import export_usb, import_usb_answer, sync_now

    db, user = _login(args)
    try:
        if not args.export and not args.import_file:
            with _progress() as progress:
                result = sync_now(db, user, progress, server_url=args.server or "")
            _print(_("Sinkronisasi selesai: {result}.").format(result=result))
            return EXIT_OK if result.sent is None or result.sent.verdict != "refused" else EXIT_ERROR
        if args.export:
            bundle = export_usb(db, user, args.export)
            if bundle is None:
                _print(
                    _("Tidak ada perubahan yang menunggu; berkas {path} hanya meminta data baru.").format(
                        path=args.export
                    )
                )
            else:
                _print(
                    _(
                        "{count} perubahan (nomor {first}–{last}) ditulis ke {path}. Bawa ke server provinsi."
                    ).format(
                        count=bundle.records, first=bundle.seq_from, last=bundle.seq_to, path=args.export
                    )
                )
            return EXIT_OK
        receipt, down = import_usb_answer(db, user, args.import_file)
        if receipt is not None and receipt.verdict == "refused":
            _print(_("Server menolak paket: {message}").format(message=receipt.refusal_message))
        elif receipt is not None and not receipt.already_answered:
            _print(
                _(
                    "Tanda terima: {applied} diterapkan, {duplicate} duplikat, {conflict} konflik, {refused} ditolak."
                ).format(
                    applied=receipt.applied,
                    duplicate=receipt.duplicate,
                    conflict=receipt.conflict,
                    refused=receipt.refused,
                )
            )
        if down is not None:
            _print(
                _("Data dari server: {records} perubahan; posisi sinkronisasi {cursor}.").format(
                    records=down.records, cursor=down.pulled_upto
                )
            )
        return EXIT_ERROR if receipt is not None and receipt.verdict == "refused" else EXIT_OK
    finally:
        db.close()


def cmd_server_import(args) -> int:
    from sync.server.exchange import answer_file

    db = _server_database(args)
    try:
        with db.unit_of_work().writing() as uow:
            receipt = answer_file(uow, args.file, args.answer)
        if receipt is not None and receipt.verdict == "refused":
            _print(_("Paket ditolak: {message}").format(message=receipt.refusal_message))
            if receipt.refusal_code == "revoked_signer":  # kept for the province's review
                from sync.server.held import hold_usb_file

                if hold_usb_file(db.unit_of_work(), args.file) is not None:
                    _print(_("Paket itu ditahan untuk ditinjau admin: lihat 'ejps device held'."))
        elif receipt is not None:
            _print(
                _("Paket perangkat {device} diterapkan ({verdict}).").format(
                    device=receipt.device, verdict=receipt.verdict
                )
            )
        _print(
            _("Berkas jawaban ditulis ke {path}; impor di kantor dengan 'ejps sync --import'.").format(
                path=args.answer
            )
        )
        return EXIT_ERROR if receipt is not None and receipt.verdict == "refused" else EXIT_OK
    finally:
        db.close()


def _add_exchange_commands(sub, server_commands, server_command) -> None:
    sync = sub(
        "sync",
        _("sinkronisasi kantor dengan server provinsi: lewat jaringan (bawaan) atau lewat berkas (USB)"),
        cmd_sync,
    )
    way = sync.add_mutually_exclusive_group()
    way.add_argument(
        "--server", metavar="URL", help=_("alamat server (bawaan: server tempat perangkat ini terdaftar)")
    )
    way.add_argument("--export", metavar=_("BERKAS"), help=_("tulis perubahan kantor ke berkas untuk server"))
    way.add_argument(
        "--import", dest="import_file", metavar=_("BERKAS"), help=_("terapkan berkas jawaban dari server")
    )
    imported = server_command(
        server_commands,
        "import",
        _("terapkan berkas kiriman kantor dan tulis berkas jawabannya (server)"),
        cmd_server_import,
    )
    imported.add_argument("file", metavar=_("BERKAS"), help=_("berkas dari 'ejps sync --export'"))
    imported.add_argument(
        "--answer", required=True, metavar=_("BERKAS"), help=_("berkas jawaban untuk kantor")
    )


def _add_sync_server_commands(sub) -> None:
    server_db_help = _(
        "basis data server: postgresql://pengguna@host/nama atau berkas SQLite (bawaan: EJPS_SERVER_DB)"
    )

    def server_command(group, name: str, help_text: str, handler) -> argparse.ArgumentParser:
        command = group.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help=server_db_help)
        command.set_defaults(handler=handler)
        return command

    def name_server_db(command) -> None:  # `sub` gave it the office database's --db
        for action in command._actions:
            if action.dest == "db":
                action.metavar, action.help = "URL", server_db_help

    serve = sub("serve", _("jalankan server provinsi (HTTP) untuk sinkronisasi kantor"), cmd_serve)
    name_server_db(serve)
    serve.add_argument("--host", default="127.0.0.1", help=_("alamat yang didengarkan (bawaan: 127.0.0.1)"))
    serve.add_argument("--port", type=int, default=8750, help=_("porta (bawaan: 8750)"))
    serve.add_argument(
        "--workers", type=int, default=1, metavar="N", help=_("jumlah proses HTTP (bawaan: 1)")
    )
    serve.add_argument(
        "--apply-processes",
        type=_not_negative,
        metavar="N",
        help=_(
            "proses penerap paket per proses HTTP, mengambil dari satu antrean (bawaan: PostgreSQL jumlah inti "
            "+ 1; SQLite 0, diterapkan dalam proses HTTP)"
        ),
    )
    serve.epilog = _examples(
        ("ejps serve", N_("berkas SQLite di folder data")),
        (
            "ejps serve --db postgresql://ejps@db/ejps --host 0.0.0.0",
            N_("satu proses HTTP, penerap sebanyak inti + 1"),
        ),
        ("ejps serve --db postgresql://ejps@db/ejps --host 0.0.0.0 --workers 2 --apply-processes 4", ""),
    )

    server = sub("server", _("kelola server provinsi"), None)
    name_server_db(server)
    server_commands = server.add_subparsers(dest="server_command", required=True, metavar=_("PERINTAH"))
    init = server_command(
        server_commands, "init", _("siapkan server baru dan admin provinsinya"), cmd_server_init
    )
    init.add_argument("--admin", required=True, metavar=_("NAMA"), help=_("nama pengguna admin provinsi"))
    init.add_argument("--full-name", metavar=_("NAMA"), help=_("nama lengkap admin"))

    _add_exchange_commands(sub, server_commands, server_command)
    device = sub("device", _("pendaftaran perangkat kantor pada server provinsi"), None)
    for action in device._actions:
        if action.dest == "db":
            action.help = _("basis data kantor (enroll, status) atau server (approve, revoke, list)")
    device_commands = device.add_subparsers(dest="device_command", required=True, metavar=_("PERINTAH"))
    approve = server_command(
        device_commands,
        "approve",
        _("setujui perangkat dengan kode sekali pakai (server)"),
        cmd_device_approve,
    )
    approve.add_argument("code", metavar=_("KODE"))
    approve.add_argument("--region", metavar=_("KODE"), help=_("wilayah yang diikat (bawaan: yang diminta)"))
    approve.add_argument("--office", metavar=_("NAMA"), help=_("nama kantor (bawaan: yang diminta)"))
    revoke = server_command(device_commands, "revoke", _("cabut perangkat (server)"), cmd_device_revoke)
    revoke.add_argument("device", metavar="UUID")
    revoke.add_argument("--reason", required=True, metavar=_("TEKS"), help=_("alasan pencabutan"))
    server_command(device_commands, "list", _("daftar perangkat (server)"), cmd_device_list)
    server_command(
        device_commands, "held", _("paket perangkat yang dicabut, ditahan (server)"), cmd_device_held
    )
    for name, help_text in (
        ("release", _("terapkan paket tertahan seolah perangkatnya masih sah (server)")),
        ("discard", _("buang paket tertahan (server)")),
    ):
        server_command(device_commands, name, help_text, cmd_device_decide_held).add_argument(
            "id", metavar=_("NOMOR")
        )
    for name, help_text, handler in (
        (
            "enroll",
            _("minta pendaftaran perangkat ini ke server (kantor); mencetak kode sekali pakai"),
            cmd_device_enroll,
        ),
        ("status", _("status pendaftaran perangkat ini di server (kantor)"), cmd_device_status),
    ):
        command = device_commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "--db", default=argparse.SUPPRESS, metavar=_("BERKAS"), help=_("berkas basis data kantor")
        )
        command.add_argument(
            "--server",
            required=True,
            metavar="URL",
            help=_("alamat server, mis. https://ejps.gorontaloprov.go.id"),
        )
        command.set_defaults(handler=handler)
    device.epilog = _examples(
        ("ejps device enroll --server https://server", N_("di kantor: mencetak kode sekali pakai")),
        (
            "ejps device approve ABCD-EFGH-IJKL-MNOP --db postgresql://ejps@db/ejps",
            N_("di server, oleh admin"),
        ),
        ("ejps device revoke 0b9f… --reason 'laptop hilang' --db postgresql://ejps@db/ejps", ""),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ejps",
        description=_("e-JPS Desktop: registri sosial Provinsi Gorontalo."),
        epilog=_main_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        metavar=_("BERKAS"),
        help=_(
            "berkas basis data kantor (bawaan: di folder data pengguna; sebelum 'ejps init': wilayah demo)"
        ),
    )
    parser.add_argument("--lang", choices=["id", "en"], help=_("bahasa tampilan"))
    commands = parser.add_subparsers(dest="command", title=_("perintah"), metavar=_("PERINTAH"))

    def sub(name: str, help_text: str, handler) -> argparse.ArgumentParser:
        command = commands.add_parser(
            name, help=help_text, description=help_text, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        command.add_argument(
            "--db", default=argparse.SUPPRESS, metavar=_("BERKAS"), help=_("berkas basis data kantor")
        )
        command.set_defaults(handler=handler)
        return command

    init = sub("init", _("buat basis data kantor baru untuk satu wilayah"), cmd_init)
    init.add_argument(
        "--region", required=True, metavar=_("KODE"), help=_("kode wilayah Kemendagri, mis. 75, 7501, 750101")
    )
    init.add_argument("--admin", required=True, metavar=_("NAMA"), help=_("nama pengguna admin pertama"))
    init.add_argument("--full-name", metavar=_("NAMA"), help=_("nama lengkap admin"))
    init.add_argument("--name", metavar=_("NAMA"), help=_("nama kantor"))
    init.epilog = _examples(
        ("ejps init --region 7501 --admin admin", N_("kantor Kab. Gorontalo; kata sandi admin ditanyakan")),
        ("ejps init --db kantor.db --region 750101 --admin admin --name 'Kec. Limboto'", ""),
    )

    imp = sub(
        "import",
        _("impor ekstrak Dukcapil atau DTKS/DTSEN, SK penetapan, atau realisasi (CSV/XLSX)"),
        cmd_import,
    )
    imp.add_argument(
        "kind",
        choices=["dukcapil", "dtks", "sk", "realisasi"],
        help=_("jenis ekstrak, SK penetapan, atau realisasi"),
    )
    imp.add_argument("files", nargs="+", metavar=_("BERKAS"), help=_("satu atau beberapa berkas CSV/XLSX"))
    imp.add_argument("--yes", action="store_true", help=_("simpan tanpa menanyakan setelah pratinjau"))
    imp.add_argument(
        "--source", default="DTKS", choices=["DTKS", "DTSEN"], help=_("sumber data kesejahteraan")
    )
    imp.add_argument(
        "--map", action="append", metavar=_("KOLOM=JUDUL"), help=_("petakan kolom, mis. nik='NO INDUK'")
    )
    imp.add_argument(
        "--issues-xlsx", metavar=_("BERKAS"), help=_("tulis daftar baris ditolak/ditandai ke XLSX")
    )
    imp.add_argument(
        "--additions-only",
        action="store_true",
        help=_(
            "berkas hanya berisi tambahan/perubahan: jangan tandai yang tidak ada di berkas sebagai hilang"
        ),
    )
    imp.epilog = _examples(
        ("ejps import dukcapil ekstrak.xlsx", N_("pratinjau, lalu ditanya sebelum disimpan")),
        ("ejps import dukcapil a.csv b.csv --yes --issues-xlsx masalah.xlsx", ""),
        ("ejps import dtks dtsen.xlsx --source DTSEN --yes", ""),
        ("ejps import dukcapil baru.csv --additions-only --map nik='NO INDUK'", ""),
        (
            "ejps import sk sk_kemensos.xlsx --program 3 --nomor 01/KEP/2025 --tanggal 02-01-2025",
            N_("SK yang diterbitkan di luar (APBN): menjadi SK final dan penerimanya"),
        ),
    )

    search = sub("search", _("cari penduduk menurut NIK, No. KK atau nama"), cmd_search)
    search.add_argument("query", metavar=_("TEKS"), help=_("NIK, No. KK, atau nama (boleh sebagian)"))
    search.add_argument(
        "--limit", type=int, default=50, metavar="N", help=_("paling banyak N orang (bawaan: 50)")
    )
    search.epilog = _examples(
        ('ejps search "siti lasena"', ""),
        ("ejps search 7501015207", N_("NIK atau No. KK, boleh bagian awalnya saja")),
    )

    screen = sub(
        "screen",
        _("saring (filterisasi/pemadanan) berkas usulan terhadap registri dan ekspor hasilnya"),
        cmd_screen,
    )
    screen.add_argument("file", metavar=_("BERKAS"), help=_("berkas usulan CSV/XLSX"))
    screen.add_argument(
        "--program",
        type=int,
        metavar=_("NOMOR"),
        help=_("nomor program (tanpa ini: disaring terhadap registri saja)"),
    )
    screen.add_argument(
        "--export", required=True, metavar=_("BERKAS"), help=_("berkas hasil .csv atau .xlsx")
    )
    screen.epilog = _examples(
        ("ejps screen usulan.xlsx --program 3 --export hasil.xlsx", ""),
        ("ejps screen usulan.csv --export hasil.csv", N_("tanpa program: hanya dipadankan dengan registri")),
    )

    def subcommand(group, name: str, help_text: str, handler) -> argparse.ArgumentParser:
        command = group.add_parser(name, help=help_text)
        command.add_argument("--db", default=argparse.SUPPRESS, help=_("berkas basis data kantor"))
        command.set_defaults(handler=handler)
        return command

    _add_realisasi_commands(sub, subcommand, imp)

    programs = sub("program", _("program bantuan"), None)
    program_commands = programs.add_subparsers(dest="program_command", required=True)
    program_list = subcommand(program_commands, "list", _("daftar program di wilayah Anda"), cmd_program_list)
    program_list.add_argument("--year", type=int, help=_("hanya program tahun ini"))

    lists = sub("list", _("daftar usulan: lihat atau hapus"), None)
    list_commands = lists.add_subparsers(dest="list_command", required=True)
    show = subcommand(
        list_commands, "show", _("tampilkan daftar usulan (tanpa nomor: semua daftar)"), cmd_list_show
    )
    show.add_argument("list_id", type=int, nargs="?", metavar=_("NOMOR_DAFTAR"))
    show.add_argument(
        "--hasil", choices=["LOLOS", "TIDAK_LOLOS", "PERLU_CEK"], help=_("hanya baris dengan hasil ini")
    )
    show.add_argument(
        "--limit", type=int, default=50, help=_("baris paling banyak yang ditampilkan (0 = semua)")
    )
    delete = subcommand(
        list_commands, "delete", _("hapus daftar usulan yang belum masuk SK"), cmd_list_delete
    )
    delete.add_argument("list_id", type=int, metavar=_("NOMOR_DAFTAR"))
    delete.add_argument("--reason", help=_("alasan penghapusan (dicatat di log audit)"))
    delete.add_argument("--yes", action="store_true", help=_("hapus tanpa menanyakan"))

    from app.screening.batch_review import DEFAULT_MIN_PROBABILITY

    review = sub("review", _("pemeriksaan hasil penyaringan sekaligus untuk banyak baris"), None)
    review_commands = review.add_subparsers(dest="review_command", required=True)
    slips = subcommand(
        review_commands,
        "nik-slips",
        _("ambil NIK terdaftar untuk setiap NIK salah ketik atau tidak sah yang padanannya meyakinkan"),
        cmd_review_nik_slips,
    )
    slips.add_argument("list_id", type=int, metavar=_("NOMOR_DAFTAR"))
    slips.add_argument(
        "--min-probability",
        type=float,
        default=DEFAULT_MIN_PROBABILITY,
        help=_("keyakinan padanan paling rendah (bawaan: {p})").format(p=DEFAULT_MIN_PROBABILITY),
    )
    slips.add_argument(
        "--yes", action="store_true", help=_("ambil tanpa menanyakan setelah daftar perubahan")
    )

    report = sub("report", _("laporan monitoring dan evaluasi (Pergub 52/2020 Pasal 7)"), None)
    report_commands = report.add_subparsers(dest="report_command", required=True)
    semester = subcommand(
        report_commands,
        "semester",
        _("laporan semester per program dan wilayah, sebagai PDF atau XLSX"),
        cmd_report_semester,
    )
    semester.formatter_class = argparse.RawDescriptionHelpFormatter
    semester.add_argument(
        "semester",
        metavar=_("TAHUN-S"),
        help=_("semester: 2026-1 (Januari–Juni) atau 2026-2 (Juli–Desember)"),
    )
    semester.add_argument("output", metavar=_("BERKAS"), help=_("berkas laporan .pdf atau .xlsx"))
    semester.add_argument("--program", type=int, metavar=_("NOMOR"), help=_("hanya program ini"))
    semester.epilog = _examples(
        ("ejps report semester 2026-1 laporan.pdf", N_("Januari–Juni 2026, semua program di wilayah Anda")),
        ("ejps report semester 2026-2 laporan.xlsx --program 3", ""),
    )

    form1 = sub("form1", _("Form 1, formulir registrasi standar rumah tangga: daftar dan cetak"), None)
    form1_commands = form1.add_subparsers(dest="form1_command", required=True)
    form1_list = subcommand(
        form1_commands, "list", _("daftar Form 1 di wilayah Anda, terbaru dahulu"), cmd_form1_list
    )
    form1_list.add_argument(
        "--desa", metavar=_("KODE"), help=_("hanya wilayah ini (kode desa, kecamatan, ...)")
    )
    form1_list.add_argument("--cari", metavar=_("TEKS"), help=_("bagian NIK, No. KK atau nama"))
    form1_pdf = subcommand(
        form1_commands,
        "pdf",
        _("cetak Form 1 terisi (untuk ditandatangani) atau kosong (kunjungan rumah)"),
        cmd_form1_pdf,
    )
    target = form1_pdf.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--id", type=int, metavar=_("NOMOR"), help=_("nomor Form 1 (lihat 'ejps form1 list')")
    )
    target.add_argument("--blank", action="store_true", help=_("formulir kosong untuk diisi tangan"))
    form1_pdf.add_argument("out", metavar=_("BERKAS.pdf"), help=_("berkas PDF yang ditulis"))
    form1.epilog = _examples(
        ("ejps form1 list --desa 7501011001", N_("Form 1 Kel. Kayubulan")),
        ("ejps form1 pdf --id 12 form1-12.pdf", N_("Form 1 terisi, untuk ditandatangani")),
        ("ejps form1 pdf --blank form1-kosong.pdf", N_("formulir kosong untuk kunjungan rumah")),
    )

    users = sub("user", _("kelola akun pengguna (admin)"), None)
    user_commands = users.add_subparsers(
        dest="user_command", required=True, title=_("perintah"), metavar=_("PERINTAH")
    )
    add = user_commands.add_parser(
        "add",
        help=_("tambah pengguna"),
        description=_("tambah pengguna"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument(
        "--db", default=argparse.SUPPRESS, metavar=_("BERKAS"), help=_("berkas basis data kantor")
    )
    add.add_argument("username", metavar=_("NAMA_PENGGUNA"))
    add.add_argument("--role", required=True, choices=["admin", "operator", "guest"], help=_("peran"))
    add.add_argument("--region", metavar=_("KODE"), help=_("kode wilayah kerja (bawaan: wilayah kantor)"))
    add.add_argument("--full-name", metavar=_("NAMA"), help=_("nama lengkap"))
    add.add_argument("--opd", metavar=_("NAMA"), help=_("OPD (perangkat daerah) pengguna"))
    add.set_defaults(handler=cmd_user_add)
    add.epilog = _examples(
        (
            "EJPS_NEW_PASSWORD=... ejps user add walidata --role operator --region 750101",
            N_("operator Kec. Limboto"),
        ),
    )
    listing = user_commands.add_parser("list", help=_("daftar pengguna"), description=_("daftar pengguna"))
    listing.add_argument(
        "--db", default=argparse.SUPPRESS, metavar=_("BERKAS"), help=_("berkas basis data kantor")
    )
    listing.set_defaults(handler=cmd_user_list)

    _add_sk_commands(sub, subcommand, imp)
    _add_sync_server_commands(sub)

    demo = sub("demo", _("buat wilayah demo sintetis (dan buka programnya dengan --open)"), cmd_demo)
    demo.add_argument(
        "--people",
        type=int,
        default=20_000,
        metavar="N",
        help=_("jumlah penduduk (1200000 = seluruh provinsi)"),
    )
    demo.add_argument(
        "--seed", type=int, default=7501, metavar="N", help=_("benih acak (data yang sama lagi)")
    )
    demo.add_argument("--force", action="store_true", help=_("buat ulang walau sudah ada"))
    demo.add_argument("--open", action="store_true", help=_("buka program pada wilayah demo"))
    demo.epilog = _examples(
        ("ejps demo", N_('lalu misalnya: ejps search "siti"')),
        ("ejps demo --open", N_("buka program pada wilayah demo")),
        ("ejps demo --people 1200000 --force", N_("seluruh provinsi (beberapa menit)")),
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    from app.logs import configure_logging
    from app.scratch import remove_leftovers

    configure_logging()
    remove_leftovers()  # what a killed process left in the data folder
    argv = sys.argv[1:] if argv is None else argv
    # The language first: help texts are translated while the parser is built.
    if "--lang" in argv[:-1]:
        requested = argv[argv.index("--lang") + 1]
        if requested in ("id", "en"):
            set_language(requested)
    _stop_requested.clear()
    with _argparse_in_project_language():
        parser = build_parser()
        args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    handler = getattr(args, "handler", None)
    try:
        if args.command is None:
            return _run_gui(Path(args.db) if args.db else None)
        return handler(args)
    except (Cancelled, KeyboardInterrupt):
        print(_("Dibatalkan. Tidak ada yang berubah."), file=sys.stderr)
        return EXIT_CANCELLED
    except Exception as error:  # never a traceback for the user: it goes to the log with an id to quote
        refusal = user_error(error)  # a rule's refusal, or a known database failure (busy, wrong key)
        if refusal is not None:
            print(_("Galat: {message}").format(message=refusal), file=sys.stderr)
            return EXIT_ERROR
        incident = uuid.uuid4().hex[:8]
        log.exception("incident %s", incident)
        print(
            _("Terjadi kesalahan tak terduga (kode {id}). Rinciannya ada di berkas log.").format(id=incident),
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    import multiprocessing

    # In the Windows build (PyInstaller) the server's apply processes are this program started again: this
    # call makes such a start run the apply process, not the command line.
    multiprocessing.freeze_support()
    sys.exit(main())
