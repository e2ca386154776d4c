"""The log file: tracebacks go here (with an incident id the user can quote), never to the user's screen."""

from __future__ import annotations

import logging
import logging.handlers
import os

from app.office import data_dir

OWNER_ONLY_FILE = 0o600


def log_path():
    return data_dir() / "logs" / "ejps.log"


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, OWNER_ONLY_FILE)


class OwnerOnlyRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A log may quote what a failing row held (a NIK, a name): readable by its owner only, every rotated
    file too."""

    def _open(self):
        stream = open(
            self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors, opener=_owner_only
        )
        if os.name == "posix":
            os.chmod(self.baseFilename, OWNER_ONLY_FILE)  # a log written by an earlier version
        return stream


def configure_logging() -> None:
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = OwnerOnlyRotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
