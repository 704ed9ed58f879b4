"""Words, the exact-copy key and five-word shingles of an article's cleaned text.

Copies are judged on the body alone: outlets retitle the wire story they republish, and a
title is too short to tell two stories apart. Case and punctuation are ignored (``\\w+``
words, case-folded) so re-typeset copies hash the same; numbers are kept, because two
earnings tables that differ only in their figures are different news.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

_WORD = re.compile(r"\w+")
SHINGLE_WORDS = 5


def words(text: str) -> list[str]:
    """The case-folded ``\\w+`` words of ``text``, in order."""
    return _WORD.findall(text.casefold())


def exact_key(tokens: list[str]) -> str:
    """A digest of the normalised text: equal for bodies identical up to case and spacing."""
    return hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest()


def shingles(tokens: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """The distinct ``size``-word shingles as sorted 64-bit hashes (one for a shorter text).

    Each word is hashed once (blake2b, memoised) and a shingle's hash is a polynomial of
    its words' hashes passed through a 64-bit finaliser, all in numpy: hashing every
    shingle's text in Python cost 1.5 ms an article on Reuters. At 64 bits a collision
    between two different shingles of one archive is vanishingly rare (about n^2 / 2^64),
    so Jaccard over the hashes is Jaccard over the shingles.
    """
    return np.unique(shingle_hashes(tokens, size))


def shingle_hashes(tokens: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """The hash of every ``size``-word shingle in text order, repeats kept (``shingles``
    unsorted: a caller that cuts them to fewer bits sorts once, after)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    hashed = np.array(_word_hashes(tokens), dtype=np.uint64)
    span = min(size, len(hashed))
    windows = len(hashed) - span + 1
    acc = hashed[:windows].copy()  # the first word's term: 0 * multiplier + hash
    for i in range(1, span):
        # Wrapping uint64 arithmetic is the point: a multiply-add hash modulo 2^64.
        acc *= _MULTIPLIER
        acc += hashed[i : i + windows]
    return _fmix64(acc + np.uint64(span))


_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
# Hashes of the words seen, up to this many (then forgotten at once). A plain dict: on each
# hit functools.lru_cache also relinked its entry, three more objects touched a word,
# and an article's ~130 words were most of the copy fingerprint's cost in a placement.
WORD_CACHE = 1 << 18
_word_cache: dict[str, int] = {}


def _word_hashes(tokens: list[str]) -> list[int]:
    """The 64-bit hash of each word (blake2b), remembered."""
    cache = _word_cache
    hashed: list[int | None] = list(map(cache.get, tokens))
    if None in hashed:  # words not seen yet
        if len(cache) > WORD_CACHE:
            cache.clear()
        for i, word in enumerate(tokens):
            if hashed[i] is None:
                hashed[i] = cache[word] = _word_hash(word)
    return hashed  # type: ignore[return-value]  # no None is left


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: every input bit reaches every output bit."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB93FE1A85A53)
    return h ^ (h >> np.uint64(33))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted arrays of distinct shingle hashes."""
    if not len(a) or not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
