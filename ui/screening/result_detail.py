"""One screened row under review: the proposal beside the registry record it was matched to (fields that differ
painted by how they compare), every flag with its sentence and the rule it rests on, the evidence of the match,
the runner-up candidates, the cells as the file gave them, and the decisions taken so far. The buttons below
ask the page for a decision; the page asks for the reason and calls the service."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _, current_language
from app.registry.people import status_label
from app.screening.desil import DESIL_LEVEL_LABELS, DesilLevel
from app.screening.engine import evidence_text
from app.screening.flags import KINDS, Flag, Severity
from app.screening.results import ResultDetail
from app.screening.service import flag_label
from ui.registry.detail_format import local_time, shown, table_item
from ui.screening.look import (
    DECISION_SHORT,
    LEVEL_BACKGROUNDS,
    LEVEL_LABELS,
    LEVEL_MARKS,
    SEVERITY_COLOURS,
    SEVERITY_LABELS,
    VERDICT_COLOURS,
    decision_label,
    desa_label,
    format_date,
    percent,
    verdict_of,
    verdict_text,
)
from ui.style import STATUS_COLOURS, TEXT_MUTED, set_role

EVIDENCE_FIELDS = {
    "nik": N_("NIK"),
    "nama": N_("Nama"),
    "tgl_lahir": N_("Tgl lahir"),
    "jenis_kelamin": N_("JK"),
    "alamat": N_("Alamat"),
    "desa": N_("Desa/kelurahan"),
}
LEVEL_TEXT_COLOURS = {"sama": "#1e7b34", "mirip": "#a15c07", "beda": "#b42318", "kosong": TEXT_MUTED}
SEVERITY_ORDER = {Severity.FAIL: 0, Severity.CHECK: 1, Severity.INFO: 2}


def _bits(value: float) -> str:
    text = _("{bits} bit").format(bits=f"{value:+.1f}")
    return text.replace(".", ",") if current_language() == "id" else text


class _FittingTable(QTableWidget):
    """A table in the scrolling pane showing every row: its height follows its rows, which wrap to its width."""

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            _fit_height(self)


def _table(headers: list[str], name: str) -> QTableWidget:
    table = _FittingTable(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    table.setShowGrid(False)
    return table


def _fit_height(table: QTableWidget) -> None:
    """Tables in the scrolling pane show every row; the pane scrolls, not the table."""
    table.resizeRowsToContents()
    height = table.horizontalHeader().height() + 2 * table.frameWidth() + 2
    height += sum(table.rowHeight(r) for r in range(table.rowCount()))
    table.setFixedHeight(max(height, 40))


def flag_sentence(flag: dict) -> str:
    """The flag's sentence in the current language (the stored one is in the language of the run)."""
    try:
        return Flag(flag["code"], dict(flag.get("params") or {})).sentence()
    except (KeyError, IndexError, ValueError):
        return flag.get("message", "")


def flag_rule(flag: dict) -> str:
    kind = KINDS.get(flag.get("code", ""))
    return _(kind.rule) if kind else flag.get("rule", "")


def registry_address(person: dict) -> str:
    parts = [person.get("alamat") or ""]
    if person.get("rt") or person.get("rw"):
        parts.append(f"RT {person.get('rt') or '-'} / RW {person.get('rw') or '-'}")
    return ", ".join(p for p in parts if p)


def dtks_text(person: dict) -> str:
    dtks = person.get("dtks")
    if not dtks:
        return _("tidak terdaftar")
    desil = dtks.get("desil")
    text = _("{source}, desil {desil}").format(source=dtks.get("source") or "DTKS", desil=shown(desil))
    levels = [
        f"{shown(dtks.get(key))} ({_(DESIL_LEVEL_LABELS[level])})"
        for key, level in (
            ("desil", DesilLevel.NASIONAL),
            ("desil_provinsi", DesilLevel.PROVINSI),
            ("desil_kabupaten_kota", DesilLevel.KABUPATEN_KOTA),
        )
    ]
    if dtks.get("desil_provinsi") is not None or dtks.get("desil_kabupaten_kota") is not None:
        # A DTSEN family file ranks the household at three levels: all three are told.
        text = _("{source}, desil {desil}").format(
            source=dtks.get("source") or "DTKS", desil=", ".join(levels)
        )
    programs = [
        name.upper()
        for name, flag in sorted((dtks.get("programs") or {}).items())
        if str(flag) in ("1", "True", "true")
    ]
    if programs:
        text += " · " + ", ".join(programs)
    return text


class ResultDetailPane(QWidget):
    decision_requested = Signal(str, int)  # action, person id (0: none)
    correction_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: ResultDetail | None = None
        self.linked_id: int | None = None
        self.editable = False
        self.setMinimumWidth(480)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content.setObjectName("resultContent")
        content.setStyleSheet("#resultContent { background: white; }")
        self.scroll.setWidget(content)
        outer.addWidget(self.scroll, 1)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(6)

        self.empty = set_role(
            QLabel(_("Pilih satu baris di tabel untuk melihat hasil penyaringannya.")), "subtitle"
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(6)
        header = QHBoxLayout()
        self.title = set_role(QLabel(), "title")
        self.title.setObjectName("result_title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = set_role(QLabel(), "badge")
        self.badge.setObjectName("result_badge")
        header.addWidget(self.title, 1)
        header.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        body.addLayout(header)
        self.subtitle = set_role(QLabel(), "subtitle")
        self.subtitle.setWordWrap(True)
        body.addWidget(self.subtitle)
        self.decision_note = set_role(QLabel(), "info")
        self.decision_note.setObjectName("decision_note")
        self.decision_note.setWordWrap(True)
        body.addWidget(self.decision_note)

        body.addWidget(set_role(QLabel(_("Tanda dan dasar aturannya")), "section"))
        self.flags = QLabel()
        self.flags.setObjectName("flags")
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.flags.setWordWrap(True)
        self.flags.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.flags)

        body.addWidget(set_role(QLabel(_("Usulan dan registri Dukcapil")), "section"))
        self.compare = _table([_("Isian"), _("Usulan"), _("Registri Dukcapil"), ""], "compare")
        self.compare.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.compare.setWordWrap(True)
        compare_header = self.compare.horizontalHeader()
        compare_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        compare_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        compare_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        compare_header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.compare.setColumnWidth(3, 30)
        body.addWidget(self.compare)
        self.legend = QLabel(self._legend())
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        body.addWidget(self.legend)

        self.evidence_title = set_role(QLabel(_("Bukti pemadanan")), "section")
        body.addWidget(self.evidence_title)
        self.evidence = QLabel()
        self.evidence.setObjectName("evidence")
        self.evidence.setTextFormat(Qt.TextFormat.RichText)
        self.evidence.setWordWrap(True)
        self.evidence.setToolTip(
            _("Bobot bukti dalam bit: positif menguatkan padanan, negatif melemahkannya.")
        )
        body.addWidget(self.evidence)

        self.candidates_title = set_role(QLabel(_("Calon di registri")), "section")
        body.addWidget(self.candidates_title)
        self.candidates = QWidget()
        self.candidates.setObjectName("candidates")
        self.candidate_cards = QVBoxLayout(self.candidates)
        self.candidate_cards.setContentsMargins(0, 0, 0, 0)
        self.candidate_cards.setSpacing(4)
        self.choose_buttons: dict[int, QPushButton] = {}
        body.addWidget(self.candidates)
        self.no_candidates = set_role(
            QLabel(_("Tidak ada calon lain yang cukup mirip di registri.")), "subtitle"
        )
        body.addWidget(self.no_candidates)

        body.addWidget(set_role(QLabel(_("Isi baris di berkas")), "section"))
        self.input = QLabel()
        self.input.setObjectName("input_cells")
        self.input.setTextFormat(Qt.TextFormat.RichText)
        self.input.setWordWrap(True)
        self.input.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.input)

        body.addWidget(set_role(QLabel(_("Riwayat keputusan")), "section"))
        self.history = QLabel()
        self.history.setObjectName("decisions")
        self.history.setTextFormat(Qt.TextFormat.RichText)
        self.history.setWordWrap(True)
        body.addWidget(self.history)
        self.run = set_role(QLabel(), "subtitle")
        self.run.setWordWrap(True)
        body.addWidget(self.run)
        body.addStretch(1)
        layout.addWidget(self.body)
        self.body.hide()

        # The decisions stay in view below the scrolling detail.
        bar = QFrame()
        bar.setObjectName("decisionBar")
        bar.setStyleSheet("#decisionBar { background: #e7edf4; border-top: 1px solid #cfd8e3; }")
        buttons = QGridLayout(bar)
        buttons.setContentsMargins(10, 8, 10, 8)
        buttons.setSpacing(6)
        self.accept_button = set_role(QPushButton(_("Terima padanan")), "primary")
        self.accept_button.setObjectName("decide_accepted")
        self.accept_button.setToolTip(decision_label("accepted"))
        self.choose_button = QPushButton(_("Pilih calon lain"))
        self.choose_button.setObjectName("decide_chosen")
        self.choose_button.setToolTip(
            _("Bila ada beberapa calon, tekan \u201cPilih calon ini\u201d pada calon yang dimaksud.")
        )
        self.reject_button = QPushButton(_("Tolak"))
        self.reject_button.setObjectName("decide_rejected")
        self.reject_button.setToolTip(decision_label("rejected"))
        self.field_check_button = QPushButton(_("Cek lapangan"))
        self.field_check_button.setObjectName("decide_field_check")
        self.field_check_button.setToolTip(decision_label("field_check"))
        self.correct_button = QPushButton(_("Perbaiki baris…"))
        self.correct_button.setObjectName("correct_row")
        self.accept_button.clicked.connect(lambda: self.decision_requested.emit("accepted", 0))
        self.choose_button.clicked.connect(self._choose_selected)
        self.reject_button.clicked.connect(lambda: self.decision_requested.emit("rejected", 0))
        self.field_check_button.clicked.connect(lambda: self.decision_requested.emit("field_check", 0))
        self.correct_button.clicked.connect(self.correction_requested.emit)
        buttons.addWidget(self.accept_button, 0, 0)
        buttons.addWidget(self.choose_button, 0, 1)
        buttons.addWidget(self.reject_button, 0, 2)
        buttons.addWidget(self.field_check_button, 1, 0)
        buttons.addWidget(self.correct_button, 1, 1)
        self.bar = bar
        outer.addWidget(bar)
        self._enable()

    @staticmethod
    def _legend() -> str:
        parts = [
            f"<span style='background:{LEVEL_BACKGROUNDS[level]}'>&nbsp;{LEVEL_MARKS[level]} {escape(_(LEVEL_LABELS[level]))}&nbsp;</span>"
            for level in ("sama", "mirip", "beda", "kosong")
        ]
        return f"<span style='color:{TEXT_MUTED}'>" + "&nbsp; ".join(parts) + "</span>"

    # showing a row ----------------------------------------------------------------------------------------
    def clear(self) -> None:
        self.detail = None
        self.linked_id = None
        self.body.hide()
        self.empty.show()
        self._enable()

    def set_editable(self, editable: bool) -> None:
        self.editable = editable
        self._enable()

    def show_detail(self, detail: ResultDetail) -> None:
        self.detail = detail
        row = detail.row
        data = detail.detail or {}
        person = data.get("person")
        candidates = data.get("candidates") or []
        self.linked_id = person.get("person_id") if person else None
        evidence = data.get("evidence") or []
        heading = _("Registri Dukcapil")
        shown_person = person
        if person is None and candidates and candidates[0].get("person") and not candidates[0].get("hidden"):
            # Not matched, but the nearest registered person is what the operator compares with.
            shown_person = candidates[0]["person"]
            evidence = candidates[0].get("evidence") or []
            heading = _("Calon terkuat (belum dipadankan)")

        self.title.setText(row.nama or row.nik or _("(tanpa nama)"))
        verdict = verdict_of(row.hasil)
        self.badge.setText(verdict_text(row.hasil))
        colour = VERDICT_COLOURS[verdict].name() if verdict else TEXT_MUTED
        self.badge.setStyleSheet(f"background: {colour};")
        place = desa_label(row.kode_desa)
        self.subtitle.setText(
            _("Baris {baris}").format(baris=f"{row.baris:,}".replace(",", "."))
            + (f"  ·  {place}" if place else "")
            + (
                "  ·  " + _("keyakinan padanan {score}").format(score=percent(row.skor_padan))
                if row.nik_padan
                else ""
            )
        )
        if row.keputusan:
            note = _("Keputusan operator: {decision}.").format(
                decision=_(DECISION_SHORT.get(row.keputusan, row.keputusan))
            )
            if detail.keputusan_alasan:
                note += " " + _("Alasan: {reason}").format(reason=detail.keputusan_alasan)
            self.decision_note.setText(note)
        self.decision_note.setVisible(bool(row.keputusan))

        self._render_compare(detail, shown_person, evidence, heading)
        self._render_flags(data.get("flags") or [])
        self._render_evidence(evidence)
        self._render_candidates(candidates)
        self._render_input(detail.input)
        self._render_history(detail)
        self.empty.hide()
        self.body.show()
        self._enable()

    def _render_compare(
        self, detail: ResultDetail, person: dict | None, evidence: list[dict], heading: str
    ) -> None:
        row = detail.row
        levels = {e["field"]: e for e in evidence}
        person = person or {}
        hidden = bool(person.get("hidden"))
        status = ""
        if person and not hidden:
            status = status_label(person.get("status") or "hidup")
            if person.get("tgl_status"):
                status += _(" sejak {date}").format(date=format_date(person["tgl_status"]))
        if hidden:
            # app/ gives only the name, desa and masked NIK of a person outside the user's region.
            heading = _("Registri (di luar wilayah Anda)")
            withheld = _("tidak ditampilkan")
            person = {"tgl_lahir": withheld, "jenis_kelamin": withheld, "no_kk": withheld, **person}
            status = withheld
        self.compare.setHorizontalHeaderLabels([_("Isian"), _("Usulan"), heading, ""])
        lines = [
            ("nik", _("NIK"), row.nik, person.get("nik", "")),
            ("nama", _("Nama"), row.nama, person.get("nama", "")),
            ("tgl_lahir", _("Tgl lahir"), format_date(row.tgl_lahir), format_date(person.get("tgl_lahir"))),
            ("jenis_kelamin", _("JK"), row.jenis_kelamin, person.get("jenis_kelamin", "")),
            (
                "alamat",
                _("Alamat"),
                detail.alamat,
                status if hidden else registry_address(person) if person else "",
            ),
            ("desa", _("Desa/kelurahan"), desa_label(row.kode_desa), desa_label(person.get("kode_desa", ""))),
            ("", _("No. KK"), "", person.get("no_kk", "")),
            ("status", _("Status"), "", status),
            ("", _("DTKS/DTSEN"), "", status if hidden else dtks_text(person) if person else ""),
        ]
        self.compare.setRowCount(0)
        bold = QFont(self.compare.font())
        bold.setBold(True)
        for field, label, proposed, registered in lines:
            position = self.compare.rowCount()
            self.compare.insertRow(position)
            label_item = table_item(label)
            label_item.setForeground(QColor(TEXT_MUTED))
            proposed_item = table_item(shown(proposed) if field else "")
            registered_item = table_item(
                shown(registered) if person else ("—" if field in ("nik", "nama") else "")
            )
            mark_item = table_item("")
            mark_item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            found = levels.get(field)
            if found is not None:
                level = found.get("level", "")
                tip = evidence_text(found)
                background = QColor(LEVEL_BACKGROUNDS.get(level, "#ffffff"))
                if level in ("mirip", "beda"):
                    proposed_item.setBackground(background)
                    registered_item.setBackground(background)
                    if field != "nik":  # 16 bold digits are wider than the column at 1366 px: cut, unreadable
                        registered_item.setFont(bold)
                mark_item.setText(LEVEL_MARKS.get(level, ""))
                mark_item.setForeground(QColor(LEVEL_TEXT_COLOURS.get(level, TEXT_MUTED)))
                mark_item.setBackground(background)
                for item in (label_item, proposed_item, registered_item, mark_item):
                    item.setToolTip(tip)
            if field == "status" and person and (person.get("status") or "hidup") != "hidup":
                registered_item.setForeground(
                    STATUS_COLOURS.get(person.get("status"), STATUS_COLOURS["missing"])
                )
                registered_item.setFont(bold)
            for column, item in enumerate((label_item, proposed_item, registered_item, mark_item)):
                self.compare.setItem(position, column, item)
        _fit_height(self.compare)

    def _render_flags(self, flags: list[dict]) -> None:
        def severity(flag: dict) -> Severity:
            try:
                return Severity(flag.get("severity", "info"))
            except ValueError:
                return Severity.INFO

        blocks = []
        basis = _("Dasar: {rule}")  # outside the f-string: the extractor does not look inside one
        for flag in sorted(flags, key=lambda f: SEVERITY_ORDER[severity(f)]):
            level = severity(flag)
            blocks.append(
                "<p style='margin:0 0 8px 0'>"
                f"<span style='background:{SEVERITY_COLOURS[level]};color:white'>&nbsp;{escape(_(SEVERITY_LABELS[level]))}&nbsp;</span> "
                f"<b>{escape(flag_label(flag['code']))}</b> "
                f"<span style='color:{TEXT_MUTED}'>{escape(flag['code'])}</span><br>"
                f"{escape(flag_sentence(flag))}<br>"
                f"<span style='color:{TEXT_MUTED}'><i>{escape(basis.format(rule=flag_rule(flag)))}</i></span>"
                "</p>"
            )
        self.flags.setText("".join(blocks) or escape(_("Tidak ada tanda: baris ini lolos tanpa catatan.")))

    def _render_evidence(self, evidence: list[dict]) -> None:
        lines = []
        for item in evidence:
            level = item.get("level", "")
            colour = LEVEL_TEXT_COLOURS.get(level, TEXT_MUTED)
            field = EVIDENCE_FIELDS.get(item.get("field", ""), item.get("field", ""))
            lines.append(
                f"<span style='color:{colour}'><b>{LEVEL_MARKS.get(level, '·')}</b></span> "
                f"<b>{escape(_(field))}</b>: {escape(evidence_text(item))} "
                f"<span style='color:{TEXT_MUTED}'>({escape(_bits(float(item.get('bits') or 0.0)))})</span>"
            )
        self.evidence.setText("<br>".join(lines))
        self.evidence.setVisible(bool(lines))
        self.evidence_title.setVisible(bool(lines))

    def _render_candidates(self, candidates: list[dict]) -> None:
        """One card per candidate, best first: how likely, who, and a button to pick them instead."""
        while self.candidate_cards.count():
            widget = self.candidate_cards.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.choose_buttons = {}
        matched = _("padanan")
        for candidate in candidates:
            person = candidate.get("person") or {}
            person_id = int(candidate.get("person_id") or 0)
            hidden = bool(candidate.get("hidden"))
            linked = person_id == self.linked_id
            card = QFrame()
            card.setObjectName("candidateCard")
            card.setStyleSheet(
                "#candidateCard { border: 1px solid #cfd8e3; border-radius: 4px; background: %s; }"
                % ("#eef8f0" if linked else "#fafbfc")
            )
            row = QHBoxLayout(card)
            row.setContentsMargins(8, 5, 8, 5)
            details = [_("NIK {nik}").format(nik=candidate.get("nik", ""))]
            if person.get("tgl_lahir"):
                details.append(format_date(person["tgl_lahir"]))
            if person.get("kode_desa"):
                details.append(desa_label(person["kode_desa"]))
            if hidden:
                details.append(_("di luar wilayah Anda"))
            status = person.get("status")
            status_html = ""
            if status:
                colour = (
                    STATUS_COLOURS.get(status, STATUS_COLOURS["missing"]).name()
                    if status != "hidup"
                    else TEXT_MUTED
                )
                status_html = f" · <span style='color:{colour}'>{escape(status_label(status))}</span>"
            name = candidate.get("nama", "") or person.get("nama", "")
            text = QLabel(
                f"<b>{escape(percent(candidate.get('probability')))}</b> &nbsp; <b>{escape(name)}</b>"
                + (f" &nbsp;<span style='color:#1e7b34'>({escape(matched)})</span>" if linked else "")
                + f"<br><span style='color:{TEXT_MUTED}'>{escape(' · '.join(details))}</span>{status_html}"
            )
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            evidence = [evidence_text(e) for e in candidate.get("evidence") or [] if e.get("note")]
            if evidence:
                card.setToolTip("\n".join(evidence))
            row.addWidget(text, 1)
            if not linked and not hidden:
                button = QPushButton(_("Pilih calon ini"))
                button.setObjectName(f"choose_{person_id}")
                button.setEnabled(self.editable)
                button.clicked.connect(
                    lambda _checked=False, pid=person_id: self.decision_requested.emit("chosen", pid)
                )
                row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
                self.choose_buttons[person_id] = button
            self.candidate_cards.addWidget(card)
        self.candidates.setVisible(bool(candidates))
        self.no_candidates.setVisible(not candidates)

    def _render_input(self, cells: dict) -> None:
        rows = "".join(
            f"<tr><td style='color:{TEXT_MUTED};padding-right:10px'>{escape(str(key))}</td>"
            f"<td>{escape(shown(value))}</td></tr>"
            for key, value in cells.items()
        )
        self.input.setText(f"<table cellspacing='0' cellpadding='1'>{rows}</table>" if rows else "—")

    def _render_history(self, detail: ResultDetail) -> None:
        entries = []
        for decision in reversed(detail.decisions):
            label = _(DECISION_SHORT.get(decision["action"], decision["action"]))
            if decision["action"] == "nik_taken" and detail.row.nik_tertulis:
                label += " " + _("(NIK tertulis {nik})").format(nik=detail.row.nik_tertulis)
            entries.append(
                f"<b>{escape(local_time(decision['at']))}</b> · {escape(decision['username'])} · "
                f"{escape(label)}<br>&nbsp;&nbsp;<span style='color:{TEXT_MUTED}'>{escape(decision['reason'] or '')}</span>"
            )
        self.history.setText(
            "<br>".join(entries) or escape(_("Belum ada keputusan operator untuk baris ini."))
        )
        run = detail.run
        self.run.setText(
            _("Disaring (#{id}) oleh {user} pada {when}, mesin penyaringan versi {engine}.").format(
                id=run["id"],
                user=run["username"],
                when=local_time(run["started_at"]),
                engine=run["engine_version"],
            )
            if run
            else _("Baris ini belum disaring.")
        )

    # decisions --------------------------------------------------------------------------------------------
    def eligible_candidates(self) -> list[int]:
        """The candidates the operator may pick instead of the current match."""
        if self.detail is None:
            return []
        return [
            int(c["person_id"])
            for c in (self.detail.detail or {}).get("candidates") or []
            if c.get("person_id") and c.get("person_id") != self.linked_id and not c.get("hidden")
        ]

    def _choose_selected(self) -> None:
        eligible = self.eligible_candidates()
        self.decision_requested.emit("chosen", eligible[0] if len(eligible) == 1 else 0)

    def _enable(self) -> None:
        has_row = self.detail is not None
        data = (self.detail.detail or {}) if self.detail else {}
        suggested = data.get("person") or next(iter(data.get("candidates") or []), None)
        # A person outside the user's region is decided on by an account whose region covers them.
        suggestion = bool(suggested) and not suggested.get("hidden")
        self.bar.setVisible(has_row)
        self.accept_button.setEnabled(self.editable and has_row and suggestion)
        self.choose_button.setEnabled(self.editable and bool(self.eligible_candidates()))
        for button in self.choose_buttons.values():
            button.setEnabled(self.editable)
        for button in (self.reject_button, self.field_check_button, self.correct_button):
            button.setEnabled(self.editable and has_row)
