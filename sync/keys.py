"""A device's key pairs: Ed25519 to sign the bundles it sends, X25519 to receive bundles encrypted to it.

Keys are exchanged as raw 32-byte values (base64 in JSON). Private keys leave this module only as raw bytes
for the encrypted office database or the OS keyring, never for a plain file.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy.orm import Session

from db.sync_models import DeviceKey

KEY_SIZE = 32


class InvalidKey(ValueError):
    """A key's bytes or text are not a 32-byte key of the expected kind."""


@dataclass(frozen=True)
class PublicKeys:
    signing: Ed25519PublicKey
    encryption: X25519PublicKey

    def to_json(self) -> dict[str, str]:
        return {
            "signing": public_key_text(self.signing),
            "encryption": public_key_text(self.encryption),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> PublicKeys:
        try:
            signing, encryption = data["signing"], data["encryption"]
        except (KeyError, TypeError):
            raise InvalidKey("expected an object with 'signing' and 'encryption'") from None
        return cls(signing_public_key(signing), encryption_public_key(encryption))


@dataclass(frozen=True)
class DeviceKeys:
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey

    @classmethod
    def generate(cls) -> DeviceKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    def public(self) -> PublicKeys:
        return PublicKeys(self.signing.public_key(), self.encryption.public_key())

    def private_bytes(self) -> tuple[bytes, bytes]:
        """(signing, encryption) raw private keys, for the encrypted database or the keyring only."""
        raw = (Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return self.signing.private_bytes(*raw), self.encryption.private_bytes(*raw)

    @classmethod
    def from_private_bytes(cls, signing: bytes, encryption: bytes) -> DeviceKeys:
        try:
            return cls(
                Ed25519PrivateKey.from_private_bytes(signing),
                X25519PrivateKey.from_private_bytes(encryption),
            )
        except (ValueError, TypeError) as error:
            raise InvalidKey(str(error)) from None


def public_key_bytes(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_text(key: Ed25519PublicKey | X25519PublicKey) -> str:
    return base64.b64encode(public_key_bytes(key)).decode("ascii")


def _raw(value: bytes | str) -> bytes:
    if isinstance(value, str):
        try:
            value = base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise InvalidKey("not base64") from None
    if len(value) != KEY_SIZE:
        raise InvalidKey(f"expected {KEY_SIZE} bytes, got {len(value)}")
    return value


def signing_public_key(value: bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from its raw bytes or their base64 text."""
    try:
        return Ed25519PublicKey.from_public_bytes(_raw(value))
    except ValueError as error:
        raise InvalidKey(str(error)) from None


def encryption_public_key(value: bytes | str) -> X25519PublicKey:
    """An X25519 public key from its raw bytes or their base64 text."""
    try:
        return X25519PublicKey.from_public_bytes(_raw(value))
    except ValueError as error:
        raise InvalidKey(str(error)) from None


# --- the device's own keys, in the encrypted office database ----------------------------------------------------
def store_device_keys(session: Session, keys: DeviceKeys) -> None:
    """Keeps this installation's private keys in table `device_key` (the SQLCipher-encrypted database: never a
    plain file), replacing any kept before. In the caller's transaction."""
    signing, encryption = keys.private_bytes()
    row = session.get(DeviceKey, 1)
    if row is None:
        session.add(DeviceKey(id=1, signing_private=signing, encryption_private=encryption))
    else:
        row.signing_private, row.encryption_private = signing, encryption
    session.flush()


def load_device_keys(session: Session) -> DeviceKeys | None:
    """This installation's keys, or None when none were made yet."""
    row = session.get(DeviceKey, 1)
    if row is None:
        return None
    return DeviceKeys.from_private_bytes(row.signing_private, row.encryption_private)


def device_keys(session: Session) -> DeviceKeys:
    """This installation's keys, made and kept the first time they are asked for: one pair per installation,
    so the server knows the device by them for as long as it exists."""
    keys = load_device_keys(session)
    if keys is None:
        keys = DeviceKeys.generate()
        store_device_keys(session, keys)
    return keys
