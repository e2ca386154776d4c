from tests.app.sync.sent_office import sent_office, sent_office_template  # noqa: F401 (fixtures)
