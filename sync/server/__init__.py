"""The provincial server: its database (PostgreSQL or a plain SQLite file), its use cases and its HTTP app."""
