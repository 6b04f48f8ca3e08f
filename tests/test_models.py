"""The model cache's pickles (models.read_pickle / write_pickle): a damaged file is rebuilt, never a failed start."""

from __future__ import annotations

import pickle
from pathlib import Path

from humantouch.models import read_pickle, write_pickle


def test_a_pickle_comes_back_as_written_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "thing.pkl"
    write_pickle(path, {"weights": [1.5, 2.5], "name": "svm"})
    assert read_pickle(path) == {"weights": [1.5, 2.5], "name": "svm"}
    assert [p.name for p in path.parent.iterdir()] == ["thing.pkl"]


def test_every_kind_of_damage_reads_as_nothing(tmp_path: Path) -> None:
    path = tmp_path / "thing.pkl"
    write_pickle(path, list(range(1000)))
    good = path.read_bytes()
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x01  # still unpickles, to another value: the checksum catches it
    for damaged in (good[:-7], good[:20], b"", bytes(flipped), b"not a pickle at all, but long enough to check"):
        path.write_bytes(damaged)
        assert read_pickle(path) is None, damaged[:40]
    assert read_pickle(tmp_path / "missing.pkl") is None
    assert read_pickle(None) is None


def test_a_pickle_of_code_that_is_gone_reads_as_nothing(tmp_path: Path) -> None:
    """A valid file whose classes no longer import (an upgrade renamed a module) raises ModuleNotFoundError
    inside pickle.loads: read as nothing, so the object is built again."""
    import hashlib
    from collections import OrderedDict

    payload = pickle.dumps(OrderedDict(a=1), protocol=5)
    assert b"\x8c\x0bcollections" in payload
    payload = payload.replace(b"\x8c\x0bcollections", b"\x8c\x0bcollectionz")  # the same length: still framed
    path = tmp_path / "thing.pkl"
    path.write_bytes(hashlib.sha256(payload).digest() + payload)
    assert read_pickle(path) is None


def test_an_unwritable_cache_only_skips_the_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    write_pickle(blocker / "thing.pkl", [1, 2, 3])  # no exception
    assert read_pickle(blocker / "thing.pkl") is None


def test_a_written_pickle_is_readable_as_any_new_file_is(tmp_path: Path) -> None:
    """Created with the umask's permissions (0644 under the usual 022), not a temporary file's 0600: a cache
    built at image build time by one user is read by the service's user."""
    import os

    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    path = tmp_path / "thing.pkl"
    write_pickle(path, [1, 2, 3])
    assert os.stat(path).st_mode & 0o777 == os.stat(plain).st_mode & 0o777


def test_the_embedding_cache_is_written_whole_and_read_back(tmp_path: Path) -> None:
    import numpy as np

    from humantouch.models import CachedEncoder, HashingEncoder

    first = CachedEncoder(HashingEncoder(), tmp_path)
    vectors = first.encode_known(["waar is mijn pakket", "ik wil opzeggen"])
    saved = first.save()
    assert saved is not None and [p.name for p in tmp_path.iterdir()] == [saved.name]
    again = CachedEncoder(HashingEncoder(), tmp_path)
    assert again._store.keys() == first._store.keys()
    np.testing.assert_allclose(again.encode_known(["waar is mijn pakket", "ik wil opzeggen"]), vectors, atol=1e-3)
