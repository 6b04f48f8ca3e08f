"""Encryption of the originals: AES-256-GCM with a key ring, so keys can be rotated.

A key ring is a list of `key_id:base64(32 bytes)` entries; the first encrypts, all decrypt.
Every ciphertext is stored with the id of the key that made it, and authenticated together
with what it belongs to (`aad`, e.g. "message:42"), so a ciphertext copied onto another row
does not decrypt. Rotation: put a new key first, keep the old ones, run
`humantouch keys rotate-data-key`, then drop the old key (docs/privacy.md).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from humantouch.errors import ConfigError, HumantouchError

NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class DecryptionError(HumantouchError):
    code = "HT-CRYPTO"


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce + ciphertext + tag


class KeyRing:
    """Data keys by id; `active` encrypts. Never printed: its repr names only the key ids."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise ConfigError("the data key ring is empty", code="HT-CFG-DATAKEY")
        self._keys = dict(keys)
        if len(self._keys) != len(keys):
            raise ConfigError("two data keys have the same id", code="HT-CFG-DATAKEY")
        self.active = keys[0][0]

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active!r}, ids={sorted(self._keys)!r})"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def encrypt(self, plaintext: str, aad: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = AESGCM(self._keys[self.active]).encrypt(nonce, plaintext.encode("utf-8"), aad.encode())
        return Sealed(self.active, nonce + blob)

    def decrypt(self, sealed: Sealed, aad: str) -> str:
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise DecryptionError(
                f"data key {sealed.key_id!r} is not in the key ring",
                hint="add the old key back (after the new one) or run `humantouch keys rotate-data-key` first",
            )
        nonce, body = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, body, aad.encode()).decode("utf-8")
        except InvalidTag:
            raise DecryptionError("a stored original failed authentication (wrong key or altered)") from None


def parse_ring(text: str, source: str) -> KeyRing:
    """Entries `id:base64key` separated by commas or new lines; '#' starts a comment line."""
    entries: list[tuple[str, bytes]] = []
    for raw in re.split(r"[,\n]", text):
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not _KEY_ID.match(key_id.strip()):
            raise ConfigError(
                f"{source}: a data key entry is not 'id:base64key'",
                hint="create one with `humantouch keys new-data-key`",
                code="HT-CFG-DATAKEY",
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise ConfigError(
                f"{source}: data key {key_id.strip()!r} is not {KEY_BYTES} bytes of base64",
                hint="create one with `humantouch keys new-data-key`",
                code="HT-CFG-DATAKEY",
            )
        entries.append((key_id.strip(), key))
    return KeyRing(entries)


def load_ring(keys: str | None, key_file: str | None) -> KeyRing | None:
    """The key ring from the setting `data_keys` or the file `data_key_file`; None when neither is set."""
    if keys and key_file:
        raise ConfigError("set data_keys or data_key_file, not both", code="HT-CFG-DATAKEY")
    if keys:
        return parse_ring(keys, "HUMANTOUCH_DATA_KEYS")
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read data key file {key_file}: {exc.strerror}", code="HT-CFG-DATAKEY") from exc
        return parse_ring(text, key_file)
    return None


def new_key_entry(key_id: str | None = None) -> str:
    key_id = key_id or f"k{secrets.token_hex(4)}"
    if not _KEY_ID.match(key_id):
        raise ConfigError("a key id has 1-32 letters, digits, '.', '_' or '-'", code="HT-CFG-DATAKEY")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"
