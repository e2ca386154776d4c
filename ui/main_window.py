"""The main window: a side list of pages chosen by role (a courtesy: every service checks again in app/),
the menu, and a status bar saying who is working, in which role and region."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from app.auth.roles import ROLE_LABELS, CurrentUser, Permission
from app.i18n import LANGUAGES, _, current_language
from app.office import OfficeDatabase
from app.regions import region_display
from app.registry.fields import ExtractKind
from ui.settings import store_language, stored_language
from ui.widgets.screen import bounded_size

APP_TITLE = "e-JPS Desktop"
VERSION = "0.1.0"
PREFERRED_SIZE = QSize(1360, 820)


class MainWindow(QMainWindow):
    def __init__(self, db: OfficeDatabase, user: CurrentUser) -> None:
        super().__init__()
        self.db, self.user = db, user
        self.setWindowTitle(f"{APP_TITLE} — {db.office.name}")
        self.resize(bounded_size(self, PREFERRED_SIZE))
        self.wizard = None
        self.pages: dict[str, QWidget] = {}
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(190)
        # A title too long for the side list is cut short ("…"), never scrolled sideways.
        self.navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_pages()
        self.navigation.currentRowChanged.connect(self._page_selected)
        self.navigation.setCurrentRow(0)
        self._build_menu()
        self._build_status_bar()

    # pages ------------------------------------------------------------------------------------------------
    def _build_pages(self) -> None:
        from ui.audit_page import AuditPage
        from ui.auth.users_page import UsersPage
        from ui.registry.import_page import ImportPage
        from ui.registry.registry_page import RegistryPage
        from ui.registry.summary_page import SummaryPage
        from ui.screening.programs_page import ProgramsPage
        from ui.screening.results_page import ResultsPage

        can = self.user.can
        if can(Permission.PERSON_READ):
            self._add_page("registry", _("Registri"), RegistryPage(self.db, self.user))
        if can(Permission.REGISTRY_IMPORT):
            page = ImportPage(self.db, self.user)
            page.import_requested.connect(self.start_import)
            self._add_page("import", _("Impor"), page)
        # Screening: programs and lists for whoever manages, proposes or screens; the results show personal
        # data, so they need PERSON_READ too. A guest gets neither (and every service refuses them anyway).
        if any(
            can(p) for p in (Permission.PROGRAM_MANAGE, Permission.PROPOSAL_EDIT, Permission.SCREENING_RUN)
        ):
            programs = ProgramsPage(self.db, self.user)
            self._add_page("programs", _("Program & usulan"), programs)
            if can(Permission.PERSON_READ):
                results = ResultsPage(self.db, self.user)
                self._add_page("results", _("Hasil penyaringan"), results)
                programs.results_requested.connect(self.open_results)
                programs.lists_changed.connect(results.mark_stale)
                # Decisions change a list's counts: the programs page reads them again when next shown.
                results.list_changed.connect(lambda _list_id: setattr(programs, "loaded", False))
        if can(Permission.SK_DRAFT):  # SK penetapan: drafted, ranked under quota, finalised, amended
            from ui.documents.sk_page import SkPage

            self._add_page("sk", _("SK Penetapan"), SkPage(self.db, self.user))
        if can(Permission.PERSON_READ):  # realisasi names people: not for a guest
            from ui.documents.realisasi_page import RealisasiPage

            self._add_page("realisasi", _("Realisasi"), RealisasiPage(self.db, self.user))
        if can(Permission.PERSON_READ):  # Form 1 (Pergub 72/2018 A.1): personal data, per desa
            from ui.documents.form1_page import Form1Page

            self._add_page("form1", _("Form 1"), Form1Page(self.db, self.user))
        if can(Permission.AGGREGATE_READ):
            self._add_page("summary", _("Ringkasan"), SummaryPage(self.db, self.user, load_now=False))
        if can(Permission.AGGREGATE_READ):  # monitoring and evaluation (Pergub 52/2020 Pasal 7): counts only
            from ui.documents.monitoring_page import MonitoringPage

            self._add_page("monitoring", _("Monitoring"), MonitoringPage(self.db, self.user, load_now=False))
        if can(Permission.USER_MANAGE):
            self._add_page("users", _("Pengguna"), UsersPage(self.db, self.user, load_now=False))
        if can(Permission.AUDIT_READ):
            self._add_page("audit", _("Audit"), AuditPage(self.db, self.user))
        if can(Permission.AGGREGATE_READ):  # sync: a guest sees its region's ledger, cannot start one
            from ui.sync.page import SyncPage

            sync_page = SyncPage(self.db, self.user)
            self._add_page("sync", _("Sinkronisasi"), sync_page)
            sync_page.start_automatic()  # retries by itself even if the page is never opened

    def _page_selected(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        ensure_loaded = getattr(self.stack.widget(row), "ensure_loaded", None)
        if ensure_loaded is not None:
            ensure_loaded()

    def _add_page(self, key: str, title: str, widget: QWidget) -> None:
        self.pages[key] = widget
        self.stack.addWidget(widget)
        QListWidgetItem(title, self.navigation)

    def open_results(self, list_id: int):
        """Shows a screened (or not yet screened) proposal list on the results page."""
        page = self.pages["results"]
        page.open_list(list_id)  # before showing: the page then need not load its first list
        self.show_page("results")
        return page

    def page_titles(self) -> list[str]:
        return [self.navigation.item(row).text() for row in range(self.navigation.count())]

    def show_page(self, key: str) -> QWidget:
        widget = self.pages[key]
        self.navigation.setCurrentRow(self.stack.indexOf(widget))
        return widget

    # menu -------------------------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(_("&Berkas"))
        self.import_dukcapil_action = file_menu.addAction(_("Impor Dukcapil…"))
        self.import_dukcapil_action.triggered.connect(lambda: self.start_import(ExtractKind.DUKCAPIL))
        self.import_dtks_action = file_menu.addAction(_("Impor DTKS/DTSEN…"))
        self.import_dtks_action.triggered.connect(lambda: self.start_import(ExtractKind.DTKS))
        for action in (self.import_dukcapil_action, self.import_dtks_action):
            action.setEnabled(self.user.can(Permission.REGISTRY_IMPORT))
        file_menu.addSeparator()
        quit_action = file_menu.addAction(_("Keluar"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        settings_menu = menu.addMenu(_("&Pengaturan"))
        language_menu = settings_menu.addMenu(_("Bahasa"))
        group = QActionGroup(self)
        group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        chosen = stored_language()
        for code, name in LANGUAGES.items():
            action = language_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == chosen)
            action.triggered.connect(lambda _checked=False, language=code: self.choose_language(language))
            group.addAction(action)
            self.language_actions[code] = action
        password_action = settings_menu.addAction(_("Ganti kata sandi…"))
        password_action.triggered.connect(self.change_password)
        if self.user.can(Permission.REFERENCE_MANAGE):  # the office's settings: admins (checked in app/ too)
            self.letterhead_action = settings_menu.addAction(_("Kop surat dan dokumen…"))
            self.letterhead_action.triggered.connect(self.edit_letterhead)

        help_menu = menu.addMenu(_("B&antuan"))
        about_action = help_menu.addAction(_("Tentang e-JPS Desktop"))
        about_action.triggered.connect(self.about)

    def choose_language(self, language: str) -> None:
        store_language(language)
        if language != current_language():
            QMessageBox.information(
                self,
                _("Bahasa"),
                _("Bahasa {language} akan dipakai setelah program ditutup dan dibuka kembali.").format(
                    language=LANGUAGES[language]
                ),
            )

    def change_password(self) -> None:
        from ui.auth.dialogs import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.db, self.user, self)
        if dialog.exec():
            QMessageBox.information(self, _("Ganti kata sandi"), _("Kata sandi Anda sudah diganti."))

    def edit_letterhead(self):
        from ui.documents.letterhead_dialog import LetterheadDialog

        dialog = LetterheadDialog(self.db, self.user, self)
        dialog.open()
        return dialog

    def about(self) -> None:
        QMessageBox.about(
            self,
            _("Tentang e-JPS Desktop"),
            "<h3>e-JPS Desktop "
            + VERSION
            + "</h3><p>"
            + _(
                "Registri Jaring Pengaman Sosial elektronik Provinsi Gorontalo (Pergub 52/2020 dan Pergub "
                "72/2018), bekerja luring di laptop kantor. Data penduduk disimpan terenkripsi."
            )
            + "</p><p>"
            + _("Kantor: {office}<br>Basis data: {path}").format(
                office=self.db.office.name, path=self.db.path
            )
            + "</p>",
        )

    # status bar -------------------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        user = self.user
        self.user_label = QLabel(
            _("Pengguna: {name} ({username})").format(name=user.full_name, username=user.username)
        )
        self.role_label = QLabel(_("Peran: {role}").format(role=_(ROLE_LABELS[user.role])))
        region = region_display(self.db.unit_of_work(), user.region_code)
        self.region_label = QLabel(_("Wilayah: {region}").format(region=region))
        for label in (self.user_label, self.role_label, self.region_label):
            bar.addPermanentWidget(label)

    def status_text(self) -> str:
        return " · ".join(label.text() for label in (self.user_label, self.role_label, self.region_label))

    # imports ----------------------------------------------------------------------------------------------
    def start_import(self, kind: ExtractKind):
        from ui.registry.import_wizard import ImportWizard

        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return self.wizard
        self.wizard = ImportWizard(self.db, self.user, ExtractKind(kind), self)
        self.wizard.imported.connect(self.after_import)
        self.wizard.open()
        return self.wizard

    def after_import(self, _batch_id: int) -> None:
        for key in ("registry", "import", "summary", "audit"):
            page = self.pages.get(key)
            if page is None:
                continue
            if key == "summary" and page is not self.stack.currentWidget():
                page.loaded = False  # counted again when next opened
            else:
                page.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.reject()
        super().closeEvent(event)
