"""The registry page says beside the search box when a query is too short to search, without a dialog."""

from ui.registry.registry_page import RegistryPage


def test_a_query_of_only_punctuation_says_too_short_and_lists_nobody(
    qtbot, office_db, operator, registry, message_boxes
):
    page = RegistryPage(office_db, operator)
    qtbot.addWidget(page)
    assert page.model.rowCount() == len(registry)
    qtbot.keyClicks(page.search, '"*%_')
    qtbot.waitUntil(lambda: "terlalu pendek" in page.count_label.text(), timeout=2000)
    assert page.model.rowCount() == 0
    assert message_boxes == []
    page.search.setText("lasena")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=2000)
    assert "terlalu pendek" not in page.count_label.text()
