"""The `ejps` command: no arguments opens the program; subcommands do the same work headless.

Argument parsing and printing only; every rule lives in app/. Exit status: 0 done, 1 refused or failed
(the message says why), 2 wrong usage, 3 nothing to import.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import uuid
from pathlib import Path

from app.errors import DomainError, user_error
from app.i18n import _, set_language

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3
log = logging.getLogger("ejps")


def _print(text: str = "") -> None:
    print(text, flush=True)


def _fmt(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class TerminalProgress:
    """A one-line progress report on stderr, for the same jobs the GUI runs with a progress dialog."""

    def __init__(self) -> None:
        self.last = ""

    def report(self, done: int, total: int, what: str) -> None:
        percent = f" {100 * done // total:3d}%" if total else ""
        line = f"{what}{percent}"
        if line != self.last and sys.stderr.isatty():
            print("\r" + line[:110].ljust(110), end="", file=sys.stderr, flush=True)
        self.last = line

    def cancelled(self) -> bool:
        return False

    def finish(self) -> None:
        if sys.stderr.isatty() and self.last:
            print(file=sys.stderr)


def _progress():
    from app.jobs import Progress

    terminal = TerminalProgress()
    return terminal, Progress(report=terminal.report, cancelled=terminal.cancelled)


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


def _login(args):
    from app.auth.users import login
    from app.office import open_office_database

    db = open_office_database(_database_path(args))
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
        terminal, progress = _progress()
        preview = job.prepare(mapping, progress, mark_missing=not args.additions_only)
        terminal.finish()
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
        terminal, progress = _progress()
        result = job.commit(progress)
        terminal.finish()
        _print(_("Tersimpan sebagai impor #{batch}.").format(batch=result.batch_id))
        return EXIT_OK
    finally:
        job.close()
        db.close()


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
    from app.registry.search import people_by_ids, search_people

    db, user = _login(args)
    try:
        result = search_people(db.unit_of_work(), user, args.query, limit=args.limit)
        for person in people_by_ids(db.unit_of_work(), user, list(result.ids)):
            _print(
                f"{person.nik}  {person.no_kk}  {person.nama:<40} {person.tgl_lahir or '':<10} "
                f"{person.jenis_kelamin} {person.kode_desa} {person.status}{_(' (hilang)') if person.missing else ''}"
            )
        if result.truncated:
            _print(_("... lebih dari {n} hasil; persempit pencarian.").format(n=args.limit))
        return EXIT_OK if result.ids else EXIT_ERROR
    finally:
        db.close()


def cmd_screen(args) -> int:
    from app.screening.headless import screen_file

    db, user = _login(args)
    try:
        terminal, progress = _progress()
        result = screen_file(db, user, Path(args.file), Path(args.export), args.program, progress)
        terminal.finish()
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
        return EXIT_OK
    finally:
        db.close()


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
    from app.demo import DEMO_ADMIN, DEMO_PASSWORD, build_demo, ensure_demo_key
    from app.office import demo_database_path

    path = Path(args.db) if args.db else demo_database_path()
    ensure_demo_key()
    if path.exists() and not args.force:
        _print(_("Basis data demo sudah ada: {path}").format(path=path))
    else:
        terminal, progress = _progress()
        summary = build_demo(path, people=args.people, seed=args.seed, progress=progress, replace=args.force)
        terminal.finish()
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
    if args.open:
        return _run_gui(path, demo=True)
    return EXIT_OK


def _run_gui(path: Path | None, demo: bool = False) -> int:
    from ui.application import run

    return run(database_path=path, demo=demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ejps", description=_("e-JPS Desktop: registri sosial Provinsi Gorontalo.")
    )
    parser.add_argument("--db", help=_("berkas basis data kantor (bawaan: folder data pengguna)"))
    parser.add_argument("--lang", choices=["id", "en"], help=_("bahasa tampilan"))
    commands = parser.add_subparsers(dest="command")

    def sub(name: str, help_text: str, handler) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--db", default=argparse.SUPPRESS, help=_("berkas basis data kantor"))
        command.set_defaults(handler=handler)
        return command

    init = sub("init", _("buat basis data kantor baru untuk satu wilayah"), cmd_init)
    init.add_argument("--region", required=True, help=_("kode wilayah Kemendagri, mis. 75, 7501, 750101"))
    init.add_argument("--admin", required=True, help=_("nama pengguna admin pertama"))
    init.add_argument("--full-name", help=_("nama lengkap admin"))
    init.add_argument("--name", help=_("nama kantor"))

    imp = sub("import", _("impor ekstrak Dukcapil atau DTKS/DTSEN (CSV/XLSX)"), cmd_import)
    imp.add_argument("kind", choices=["dukcapil", "dtks"])
    imp.add_argument("files", nargs="+", help=_("satu atau beberapa berkas CSV/XLSX"))
    imp.add_argument("--yes", action="store_true", help=_("simpan tanpa menanyakan setelah pratinjau"))
    imp.add_argument(
        "--source", default="DTKS", choices=["DTKS", "DTSEN"], help=_("sumber data kesejahteraan")
    )
    imp.add_argument(
        "--map", action="append", metavar=_("KOLOM=JUDUL"), help=_("petakan kolom, mis. nik='NO INDUK'")
    )
    imp.add_argument("--issues-xlsx", help=_("tulis daftar baris ditolak/ditandai ke XLSX"))
    imp.add_argument(
        "--additions-only",
        action="store_true",
        help=_(
            "berkas hanya berisi tambahan/perubahan: jangan tandai yang tidak ada di berkas sebagai hilang"
        ),
    )

    search = sub("search", _("cari penduduk menurut NIK, No. KK atau nama"), cmd_search)
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=50)

    screen = sub(
        "screen",
        _("saring (filterisasi/pemadanan) berkas usulan terhadap registri dan ekspor hasilnya"),
        cmd_screen,
    )
    screen.add_argument("file", help=_("berkas usulan CSV/XLSX"))
    screen.add_argument(
        "--program", type=int, help=_("nomor program (tanpa ini: disaring terhadap registri saja)")
    )
    screen.add_argument("--export", required=True, help=_("berkas hasil .csv atau .xlsx"))

    users = sub("user", _("kelola akun pengguna (admin)"), None)
    user_commands = users.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help=_("tambah pengguna"))
    add.add_argument("--db", default=argparse.SUPPRESS)
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["admin", "operator", "guest"])
    add.add_argument("--region", help=_("kode wilayah kerja (bawaan: wilayah kantor)"))
    add.add_argument("--full-name")
    add.add_argument("--opd")
    add.set_defaults(handler=cmd_user_add)
    listing = user_commands.add_parser("list", help=_("daftar pengguna"))
    listing.add_argument("--db", default=argparse.SUPPRESS)
    listing.set_defaults(handler=cmd_user_list)

    demo = sub("demo", _("buat wilayah demo sintetis (dan buka programnya dengan --open)"), cmd_demo)
    demo.add_argument(
        "--people", type=int, default=20_000, help=_("jumlah penduduk (1200000 = seluruh provinsi)")
    )
    demo.add_argument("--seed", type=int, default=7501)
    demo.add_argument("--force", action="store_true", help=_("buat ulang walau sudah ada"))
    demo.add_argument("--open", action="store_true", help=_("buka program pada wilayah demo"))
    return parser


def main(argv: list[str] | None = None) -> int:
    from app.logs import configure_logging

    configure_logging()
    argv = sys.argv[1:] if argv is None else argv
    # The language first: help texts are translated while the parser is built.
    if "--lang" in argv[:-1]:
        requested = argv[argv.index("--lang") + 1]
        if requested in ("id", "en"):
            set_language(requested)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    handler = getattr(args, "handler", None)
    try:
        if args.command is None:
            return _run_gui(Path(args.db) if args.db else None)
        return handler(args)
    except KeyboardInterrupt:
        print(_("Dibatalkan. Tidak ada yang berubah."), file=sys.stderr)
        return EXIT_ERROR
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
    sys.exit(main())
