"""Where the database key comes from. The key is never written to a file beside the database.

1. `EJPS_DB_PASSPHRASE` set: the key is derived from the passphrase with Argon2id and the database's own
   salt (the first 16 bytes of a SQLCipher file), so nothing but the passphrase is needed to open it. This is
   the documented fallback for machines without an OS credential store (a headless server, CI).
2. Otherwise a random 256-bit key kept in the OS credential store through `keyring` (Windows Credential
   Manager, macOS Keychain, Secret Service), under the database's absolute path.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEYRING_SERVICE = "e-JPS Desktop"
PASSPHRASE_ENV = "EJPS_DB_PASSPHRASE"
SALT_BYTES = 16
KEY_BYTES = 32


class CredentialStoreUnavailable(Exception):
    """The OS credential store failed; `detail` is its own reason. app/ tells the user to set a passphrase."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class KeyNotFound(Exception):
    """The credential store holds no key for this database: it was made on another computer."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


@dataclass(frozen=True)
class DatabaseKey:
    """A SQLCipher raw key literal (`x'…'`); raw keys skip SQLCipher's per-connection PBKDF2."""

    pragma_literal: str
    source: str  # "keyring" | "passphrase"

    def __repr__(self) -> str:  # never show the key in a log or traceback
        return f"DatabaseKey(source={self.source!r})"


_session_passphrase: str | None = None


def set_session_passphrase(passphrase: str | None) -> None:
    """A passphrase typed by the user at start, on a machine without a credential store; kept in memory only."""
    global _session_passphrase
    _session_passphrase = passphrase or None


def keyring_available() -> bool:
    """Whether an OS credential store answers (a headless Linux has none; Windows always has one)."""
    import keyring
    from keyring.backends import fail

    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 0) > 0


def passphrase_configured() -> bool:
    return bool(_session_passphrase or os.environ.get(PASSPHRASE_ENV))


def _derive(passphrase: str, salt: bytes) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=3,
        memory_cost=65536,
        parallelism=2,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _key_from_passphrase(path: Path, passphrase: str) -> DatabaseKey:
    if path.exists() and path.stat().st_size >= SALT_BYTES:
        with path.open("rb") as handle:
            salt = handle.read(SALT_BYTES)
    else:
        salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(passphrase, salt)
    # key + salt: SQLCipher writes this salt into a new file's header, and checks it on an existing one.
    return DatabaseKey(f"x'{key.hex()}{salt.hex()}'", "passphrase")


def keyring_account(path: Path) -> str:
    return str(Path(path).resolve())


def database_key(path: Path, *, create: bool) -> DatabaseKey:
    path = Path(path)
    passphrase = _session_passphrase or os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return _key_from_passphrase(path, passphrase)
    import keyring
    from keyring.errors import KeyringError

    account = keyring_account(path)
    try:
        stored = keyring.get_password(KEYRING_SERVICE, account)
        if stored is None and create:
            stored = secrets.token_bytes(KEY_BYTES).hex()
            keyring.set_password(KEYRING_SERVICE, account, stored)
    except KeyringError as error:
        raise CredentialStoreUnavailable(str(error)) from error
    if stored is None:
        raise KeyNotFound(path)
    return DatabaseKey(f"x'{stored}'", "keyring")


def forget_key(path: Path) -> None:
    """Removes a keyring entry (used when a database file is deleted by the user)."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.delete_password(KEYRING_SERVICE, keyring_account(path))
    except KeyringError:
        pass
