"""Errors a use case raises. The message is a translatable Indonesian text with {named} fields."""

from __future__ import annotations

from app.i18n import N_, _


class DomainError(Exception):
    """A rule refused the request. The UI shows `str(error)` in a dialog; the CLI prints it and exits 1."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        text = _(self.message)
        try:
            return text.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return text


class Forbidden(DomainError):
    """The acting user's role or region does not allow the request (checked in app/, never only in ui/)."""


class NotFound(DomainError):
    pass


class AuthenticationFailed(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("Nama pengguna atau kata sandi salah."))
