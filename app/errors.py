"""Errors a use case raises. The message is a translatable Indonesian text with {named} fields."""

from __future__ import annotations

from app.i18n import N_, _


class DomainError(Exception):
    """A rule refused the request. The UI shows `str(error)` in a dialog; the CLI prints it and exits 1."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __reduce__(self):
        # Rebuilt from its state, not by calling __init__ again (whose arguments differ between subclasses): a
        # refusal raised in an apply process reaches the server process whole (sync/server/apply_processes.py).
        return _rebuilt, (type(self), self.__dict__)

    def __str__(self) -> str:
        text = _(self.message)
        try:
            return text.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return text


def _rebuilt(kind: type[DomainError], state: dict) -> DomainError:
    error = kind.__new__(kind)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class Forbidden(DomainError):
    """The acting user's role or region does not allow the request (checked in app/, never only in ui/)."""


class NotFound(DomainError):
    pass


class AuthenticationFailed(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("Nama pengguna atau kata sandi salah."))


class DatabaseUnreadable(DomainError):
    def __init__(self, path: object) -> None:
        super().__init__(
            N_(
                "Basis data {path} tidak dapat dibuka: kuncinya salah atau berkas bukan basis data e-JPS. "
                "Periksa frasa sandi (EJPS_DB_PASSPHRASE) atau pilih berkas lain."
            ),
            path=str(path),
        )


class DatabaseKeyUnavailable(DomainError):
    pass


class DatabaseBusy(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("Basis data sedang dipakai proses lain; coba lagi."))


def user_error(error: BaseException) -> DomainError | None:
    """What the user is told about `error`: a refusal as it is, the database layer's known failures (db/ has
    no language) in the user's words; None for an unexpected error, logged with an incident id instead."""
    from db import engine, keys

    if isinstance(error, DomainError):
        return error
    if isinstance(error, engine.DatabaseBusy):
        return DatabaseBusy()
    if isinstance(error, engine.DatabaseUnreadable):
        return DatabaseUnreadable(error.path)
    if isinstance(error, keys.CredentialStoreUnavailable):
        return DatabaseKeyUnavailable(
            N_(
                "Penyimpanan kredensial sistem tidak tersedia ({detail}). Tetapkan frasa sandi basis data "
                "pada variabel lingkungan EJPS_DB_PASSPHRASE lalu jalankan lagi."
            ),
            detail=error.detail,
        )
    if isinstance(error, keys.KeyNotFound):
        return DatabaseKeyUnavailable(
            N_(
                "Kunci basis data {path} tidak ditemukan di penyimpanan kredensial komputer ini. Basis data "
                "hanya dapat dibuka di komputer yang membuatnya, atau dengan frasa sandi EJPS_DB_PASSPHRASE."
            ),
            path=str(error.path),
        )
    return None
