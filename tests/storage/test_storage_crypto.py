"""FieldCipher: AES-256-GCM round trips, key rotation, tampering and keyed fingerprints."""

from __future__ import annotations

import base64
import os

import pytest

from storage import FieldCipher, StorageError

pytestmark = pytest.mark.unit


def test_round_trip_uses_the_active_key_id_and_a_fresh_nonce(cipher):
    first = cipher.encrypt("Acme Careers <jobs@acme.example>")
    second = cipher.encrypt("Acme Careers <jobs@acme.example>")

    assert first.startswith("k1:") and second.startswith("k1:")
    assert first != second
    assert "acme" not in first.lower()
    assert cipher.decrypt(first) == cipher.decrypt(second) == "Acme Careers <jobs@acme.example>"


def test_the_payload_is_base64url_of_nonce_and_ciphertext(cipher):
    token = cipher.encrypt("x" * 10)
    raw = base64.urlsafe_b64decode(token.split(":", 1)[1])
    assert len(raw) == 12 + 10 + 16  # nonce, ciphertext, GCM tag


def test_rotation_keeps_old_values_readable_and_writes_with_the_new_key(keys, fingerprint_key):
    old = FieldCipher(keys, "k1", fingerprint_key)
    rotated = FieldCipher(keys, "k2", fingerprint_key)
    written_before = old.encrypt("1//refresh-token")

    written_after = rotated.encrypt("1//refresh-token")
    assert rotated.decrypt(written_before) == "1//refresh-token"
    assert written_after.startswith("k2:")
    assert rotated.needs_rotation(written_before)
    assert not rotated.needs_rotation(written_after)


def test_a_retired_key_gives_a_clear_error(keys, fingerprint_key):
    token = FieldCipher(keys, "k1", fingerprint_key).encrypt("secret")
    without_k1 = FieldCipher({"k2": keys["k2"]}, "k2", fingerprint_key)
    with pytest.raises(StorageError, match="key 'k1', which is not configured"):
        without_k1.decrypt(token)


def test_a_tampered_value_is_refused(cipher):
    key_id, payload = cipher.encrypt("subject line").split(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[-1] ^= 1
    tampered = f"{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(StorageError, match="could not be decrypted"):
        cipher.decrypt(tampered)


def test_a_value_moved_to_another_key_id_is_refused(keys, fingerprint_key):
    cipher = FieldCipher(keys, "k1", fingerprint_key)
    payload = cipher.encrypt("subject line").split(":", 1)[1]
    with pytest.raises(StorageError, match="could not be decrypted"):
        cipher.decrypt(f"k2:{payload}")


@pytest.mark.parametrize(
    ("keys", "active", "message"),
    [
        ({}, "k1", "at least one encryption key"),
        ({"k1": b"short"}, "k1", "must be 32 bytes"),
        ({"k1": os.urandom(32)}, "k9", "active key id 'k9'"),
        ({"a:b": os.urandom(32)}, "a:b", "without ':'"),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(keys, active, message):
    with pytest.raises(StorageError, match=message):
        FieldCipher(keys, active, os.urandom(32))


def test_fingerprints_are_keyed_stable_and_unambiguous(keys, fingerprint_key, cipher):
    other_key = FieldCipher(keys, "k1", os.urandom(32))
    same_key = FieldCipher(keys, "k2", fingerprint_key)

    assert cipher.fingerprint("a", "b") == same_key.fingerprint("a", "b")
    assert cipher.fingerprint("a", "b") != other_key.fingerprint("a", "b")
    assert cipher.fingerprint("ab", "c") != cipher.fingerprint("a", "bc")
    assert len(cipher.fingerprint("x")) == 64
