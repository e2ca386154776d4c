"""The schema, the encrypted engine and session factory, migrations and bulk I/O. Knows nothing of users or rules."""
