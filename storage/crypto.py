"""Field encryption (AES-256-GCM with key ids) and keyed fingerprints (blind index)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import StorageError

_NONCE_BYTES = 12
_KEY_BYTES = 32


class FieldCipher:
    """Encrypts text fields with the active key and decrypts with whichever key wrote them."""

    def __init__(
        self, keys: Mapping[str, bytes], active_key_id: str, fingerprint_key: bytes
    ) -> None:
        if not keys:
            raise StorageError("FieldCipher needs at least one encryption key.")
        for key_id, key in keys.items():
            _check_key(f"encryption key {key_id!r}", key)
            if not key_id or ":" in key_id:
                raise StorageError(
                    f"Encryption key id {key_id!r} is invalid: use a non-empty id without ':'."
                )
        if active_key_id not in keys:
            raise StorageError(
                f"The active key id {active_key_id!r} is not among the configured encryption keys "
                f"({', '.join(keys)}); add the key or choose one of those ids."
            )
        _check_key("fingerprint key", fingerprint_key)
        self._ciphers = {key_id: AESGCM(bytes(key)) for key_id, key in keys.items()}
        self._active_key_id = active_key_id
        self._fingerprint_key = bytes(fingerprint_key)

    @property
    def active_key_id(self) -> str:
        """The id of the key new values are encrypted with."""
        return self._active_key_id

    def encrypt(self, text: str) -> str:
        """Encrypt ``text`` as ``"<key_id>:<base64url(nonce|ciphertext)>"``."""
        nonce = os.urandom(_NONCE_BYTES)
        key_id = self._active_key_id
        sealed = self._ciphers[key_id].encrypt(nonce, text.encode("utf-8"), key_id.encode())
        return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str) -> str:
        """Decrypt a value written by `encrypt`, with the key named in it."""
        key_id, sep, encoded = token.partition(":")
        if not sep:
            raise StorageError("An encrypted field is malformed: it has no key id prefix.")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise StorageError(
                f"A field was encrypted with key {key_id!r}, which is not configured; add that "
                "key to the encryption keys (old keys must stay configured until rows are rotated)."
            )
        try:
            raw = base64.urlsafe_b64decode(encoded.encode("ascii"))
            plain = cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], key_id.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise StorageError(
                f"A field encrypted with key {key_id!r} could not be decrypted: the key is wrong "
                "or the value was altered."
            ) from None
        return plain.decode("utf-8")

    def encrypt_optional(self, text: str | None) -> str | None:
        """`encrypt`, passing None (and the empty string) through as None."""
        return self.encrypt(text) if text else None

    def decrypt_optional(self, token: str | None) -> str | None:
        """`decrypt`, passing None through."""
        return None if token is None else self.decrypt(token)

    def needs_rotation(self, token: str) -> bool:
        """True when ``token`` was written with a key other than the active one."""
        return not token.startswith(f"{self._active_key_id}:")

    def fingerprint(self, *parts: str) -> str:
        """Keyed HMAC-SHA256 over ``parts`` (hex), for duplicate detection without plaintext."""
        mac = hmac.new(self._fingerprint_key, digestmod=hashlib.sha256)
        for part in parts:
            # surrogatepass: text that is not valid UTF-8 (a lone surrogate) still gets a value.
            encoded = part.encode("utf-8", "surrogatepass")
            # Length-prefix each part so ("ab", "c") and ("a", "bc") never collide.
            mac.update(len(encoded).to_bytes(4, "big"))
            mac.update(encoded)
        return mac.hexdigest()


def _check_key(name: str, key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != _KEY_BYTES:
        size = len(key) if isinstance(key, bytes | bytearray) else type(key).__name__
        raise StorageError(f"The {name} must be 32 bytes for AES-256/HMAC-SHA256 (got {size}).")
