"""The data key ring: AES-GCM round trip, binding to the row, rotation, and bad keys refused."""

from __future__ import annotations

import dataclasses

import pytest

from humantouch.errors import ConfigError
from humantouch.privacy.crypto import DecryptionError, load_ring, new_key_entry, parse_ring


def test_round_trip_and_the_key_id_travels_with_the_ciphertext() -> None:
    ring = parse_ring(new_key_entry("k1"), "test")
    sealed = ring.encrypt("NL91ABNA0417164300", "message:1")
    assert sealed.key_id == "k1"
    assert b"NL91" not in sealed.blob
    assert ring.decrypt(sealed, "message:1") == "NL91ABNA0417164300"


def test_a_ciphertext_moved_to_another_row_or_altered_does_not_decrypt() -> None:
    ring = parse_ring(new_key_entry("k1"), "test")
    sealed = ring.encrypt("geheim", "message:1")
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, "message:2")
    flipped = bytes([sealed.blob[0], sealed.blob[1] ^ 1]) + sealed.blob[2:]
    with pytest.raises(DecryptionError):
        ring.decrypt(dataclasses.replace(sealed, blob=flipped), "message:1")


def test_rotation_new_key_first_old_ones_still_decrypt() -> None:
    old, new = new_key_entry("old"), new_key_entry("new")
    sealed = parse_ring(old, "test").encrypt("tekst", "message:1")
    rotated = parse_ring(f"{new},{old}", "test")
    assert rotated.active == "new"
    assert rotated.decrypt(sealed, "message:1") == "tekst"
    with pytest.raises(DecryptionError, match="not in the key ring"):
        parse_ring(new, "test").decrypt(sealed, "message:1")


@pytest.mark.parametrize("bad", ["nokey", "k1:notbase64!!", "k1:c2hvcnQ=", "bad id:AAAA", ""])
def test_malformed_rings_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_ring(bad, "test")


def test_ring_from_file_and_repr_hides_keys(tmp_path: object) -> None:
    from pathlib import Path

    entry = new_key_entry("filekey")
    path = Path(str(tmp_path)) / "keys"
    path.write_text(f"# data keys\n{entry}\n", encoding="utf-8")
    ring = load_ring(None, str(path))
    assert ring is not None and ring.active == "filekey"
    assert entry.split(":")[1] not in repr(ring)
    assert load_ring(None, None) is None
    with pytest.raises(ConfigError):
        load_ring(entry, str(path))
