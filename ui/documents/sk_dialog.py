"""The SK's header form: drafting a new SK (choosing the program's screened lists) or changing a draft. OK calls
the use case (`draft_sk` / `update_sk`); a refusal is shown in the dialog and nothing is saved."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from app.auth.roles import CurrentUser
from app.documents.sk import SkDetail, draft_sk, signatory_defaults, update_sk
from app.errors import DomainError
from app.i18n import _
from app.office import OfficeDatabase
from app.screening.programs import ListStatus, ProgramData, list_proposal_lists
from ui.auth.dialogs import _FormDialog, _header
from ui.jobs import run_in_background
from ui.registry.detail_format import thousands


class SkDialog(_FormDialog):
    def __init__(
        self,
        db: OfficeDatabase,
        user: CurrentUser,
        program: ProgramData,
        detail: SkDetail | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = _("Susun SK penetapan baru") if detail is None else _("Ubah draf SK")
        super().__init__(title, _("Susun SK") if detail is None else _("Simpan"), parent)
        self.db, self.user, self.program, self.detail = db, user, program, detail
        self.result: SkDetail | None = None
        self.job = None
        _header(
            self.body,
            title,
            _(
                "Program {program} ({year}). Yang masuk SK: baris LOLOS dan baris PERLU CEK yang sudah diputuskan. "
                "Daftar yang dipilih tidak dapat diubah lagi selama SK ada."
            ).format(program=program.nama, year=program.tahun),
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.lists = QListWidget()
        self.lists.setObjectName("sk_lists")
        if detail is None:
            screened = [
                item
                for item in list_proposal_lists(db.unit_of_work(), user, program.id)
                if item.status == ListStatus.SCREENED
            ]
            for item in screened:
                entry = QListWidgetItem(
                    _("{name} — {lolos} lolos, {cek} perlu cek").format(
                        name=item.nama, lolos=thousands(item.lolos), cek=thousands(item.perlu_cek)
                    )
                )
                entry.setData(Qt.ItemDataRole.UserRole, item.id)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Checked if len(screened) == 1 else Qt.CheckState.Unchecked)
                self.lists.addItem(entry)
            if not screened:
                # Say why the box is empty instead of leaving an officer to guess.
                empty = QListWidgetItem(
                    _(
                        "Belum ada daftar program ini yang sudah disaring dan belum masuk SK. Saring daftar "
                        "usulan di halaman Program & usulan."
                    )
                )
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                self.lists.addItem(empty)
                self.lists.setWordWrap(True)
            self.lists.setFixedHeight(90)
            grid.addWidget(QLabel(_("Daftar usulan yang sudah disaring")), 0, 0, 1, 2)
            grid.addWidget(self.lists, 1, 0, 1, 2)
        left, right = QFormLayout(), QFormLayout()
        for form in (left, right):
            form.setVerticalSpacing(8)
        self.fields: dict[str, QLineEdit] = {}
        for form, name, label, placeholder in (
            (left, "nomor", _("Nomor SK"), _("mis. 400.9/DINSOS/12/2025")),
            (left, "tanggal", _("Tanggal"), _("dd-mm-yyyy")),
            (left, "tempat", _("Ditetapkan di"), _("mis. Limboto")),
            (left, "instansi", _("Instansi penerbit"), ""),
            (left, "nilai_per_penerima", _("Nilai per penerima (Rp)"), ""),
            (right, "penandatangan_nama", _("Penandatangan"), ""),
            (right, "penandatangan_nip", _("NIP penandatangan"), _("18 angka")),
            (right, "penandatangan_jabatan", _("Jabatan"), _("mis. Kepala Dinas Sosial")),
            (right, "judul", _("Judul (tentang)"), _("bawaan: Penetapan Penerima ...")),
        ):
            edit = QLineEdit()
            edit.setObjectName(f"sk_{name}")
            edit.setPlaceholderText(placeholder)
            form.addRow(label, edit)
            self.fields[name] = edit
        grid.addLayout(left, 2, 0)
        grid.addLayout(right, 2, 1)
        self.menimbang = QPlainTextEdit()
        self.mengingat = QPlainTextEdit()
        for index, (edit, label) in enumerate(
            ((self.menimbang, _("Menimbang (satu butir per baris)")), (self.mengingat, _("Mengingat")))
        ):
            edit.setObjectName("sk_menimbang" if index == 0 else "sk_mengingat")
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(96)
            edit.setPlaceholderText(_("kosongkan untuk teks bawaan yang mengutip Pergub 52/2020"))
            grid.addWidget(QLabel(label), 3, index)
            grid.addWidget(edit, 4, index)
        self.body.addLayout(grid)
        self.fields["nilai_per_penerima"].setText(str(program.nilai_per_penerima))
        if detail is not None:
            self._fill(detail)
        else:
            defaults = signatory_defaults(db.unit_of_work(), user)
            if program.opd:  # the program's own OPD issues its decree
                defaults["instansi"] = program.opd
            for name, value in defaults.items():
                self.fields[name].setText(value)
        self.finish_layout()
        self.setMinimumWidth(860)

    def _fill(self, detail: SkDetail) -> None:
        summary = detail.summary
        values = {
            "nomor": summary.nomor,
            "tanggal": f"{summary.tanggal:%d-%m-%Y}" if summary.tanggal else "",
            "tempat": detail.tempat,
            "instansi": detail.instansi,
            "nilai_per_penerima": str(detail.nilai_per_penerima),
            "penandatangan_nama": detail.penandatangan_nama,
            "penandatangan_nip": detail.penandatangan_nip,
            "penandatangan_jabatan": detail.penandatangan_jabatan,
            "judul": detail.judul,
        }
        for name, value in values.items():
            self.fields[name].setText(value)
        self.menimbang.setPlainText("\n".join(detail.menimbang))
        self.mengingat.setPlainText("\n".join(detail.mengingat))

    def chosen_lists(self) -> list[int]:
        return [
            self.lists.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.lists.count())
            if self.lists.item(row).checkState() == Qt.CheckState.Checked
        ]

    def values(self) -> dict:
        values = {name: edit.text() for name, edit in self.fields.items()}
        if not values["judul"].strip() and self.detail is None:
            del values["judul"]  # the default title
        for name, edit in (("menimbang", self.menimbang), ("mengingat", self.mengingat)):
            if edit.toPlainText().strip() or self.detail is not None:
                values[name] = edit.toPlainText()
        if self.detail is None and not values["instansi"].strip():
            del values["instansi"]
        return values

    def submit(self) -> bool:
        if self.detail is None:
            self._draft_in_background(self.chosen_lists(), self.values())
            return False  # accepted when the draft is written
        else:
            self.result = update_sk(self.db, self.user, self.detail.summary.id, **self.values())
        return True

    def _draft_in_background(self, list_ids: list[int], values: dict) -> None:
        """Ranking a province's lists (100,000 rows) takes seconds: off the GUI thread, with Batal; a refusal
        is shown in the dialog like any other."""
        if self.job is not None and self.job.running:
            return

        def drafted(detail: SkDetail) -> None:
            self.result = detail
            self.accept()

        def refused(error: BaseException) -> bool:
            if isinstance(error, DomainError):
                self.show_problem(str(error))
                return True
            return False

        self.job = run_in_background(
            self,
            _("Menyusun SK..."),
            lambda progress: draft_sk(
                self.db, self.user, self.program.id, list_ids, progress=progress, **values
            ),
            drafted,
            refused,
            show_cancelled=False,
        )
