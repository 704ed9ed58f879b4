"""An article's copy fingerprint: exact key, shingle hashes and MinHash LSH band keys.

Candidates for copies come from MinHash signatures (datasketch, ``affine32`` scheme) cut
into ``BANDS`` bands of ``ROWS`` rows: two articles are candidates when one band is equal.
A pair at Jaccard ``s`` is a candidate with probability ``1 - (1 - s^ROWS)^BANDS``: 0.9968
at 0.5, 0.99995 at 0.6, 0.56 at 0.2. Candidates are verified on the true Jaccard of the
shingles (:mod:`search.stories.copies`), so the bands decide what is compared, never what
is grouped. Twenty bands of two rows rather than 42 of three (0.996 at 0.5): each band is
a page written per article, and on Reuters-21578 the looser bands still bring under one
candidate an article (0.89 against 0.39).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from search.stories.text import exact_key, shingle_hashes, words

BANDS = 20
ROWS = 2
SHINGLE_DTYPE = np.dtype("<u4")
NUM_PERM = BANDS * ROWS
_SEED = 1


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What copy detection keeps of one article's body."""

    exact: str
    shingles: np.ndarray  # sorted distinct 32-bit shingle hashes (``SHINGLE_DTYPE``)
    bands: tuple[int, ...]  # one signed 64-bit key per LSH band


def fingerprint(body: str, tokens: list[str] | None = None) -> Fingerprint:
    """Exact key, shingles and LSH band keys of a body (``tokens``: ``words(body)``, if
    the caller has them)."""
    if tokens is None:
        tokens = words(body)
    grams = short(shingle_hashes(tokens))
    return Fingerprint(exact_key(tokens), grams, band_keys(grams))


def short(grams: np.ndarray) -> np.ndarray:
    """Shingle hashes cut to 32 bits, sorted and distinct, as stored and compared.

    Half the bytes of a 64-bit hash in the file; two different shingles of two articles
    collide with probability ~n^2 / 2^32 (3e-6 for 120-shingle articles), too little to
    move a Jaccard similarity across the threshold, and MinHash's ``affine32`` scheme
    reads 32 bits anyway.
    """
    cut = np.sort((grams & np.uint64(0xFFFFFFFF)).astype(SHINGLE_DTYPE))
    # What np.unique gives, without its fixed cost (~20 us, most of it for ~100 values).
    if len(cut) > 1:
        cut = cut[np.concatenate(([True], cut[1:] != cut[:-1]))]
    return cut


@cache
def permutations() -> tuple[np.ndarray, np.ndarray]:
    """The ``affine32`` permutations ``(a, b)`` datasketch 2.0 draws for ``NUM_PERM`` and ``_SEED``.

    Drawn here the way ``MinHash._init_permutations`` draws them (a test checks they are
    equal), so the stored band keys stay what datasketch gives without importing it
    (``import datasketch`` loads scipy, about a second).
    """
    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def signature(grams: np.ndarray) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` uint32 values) of 32-bit shingle hashes.

    datasketch's ``affine32`` scheme in one vectorised step: each value is pre-mixed by
    MurmurHash3's 32-bit finaliser, then ``a * h + b`` wraps modulo 2^32 per permutation
    and the minimum of each column is kept. ``MinHash.update_batch`` called the hash
    function once per shingle in Python (~0.3 ms an article on Reuters).
    """
    a, b = permutations()
    h = grams.astype(np.uint32)
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    h = h ^ (h >> np.uint32(16))
    return (h[:, None] * a + b).min(axis=0)


def band_keys(grams: np.ndarray) -> tuple[int, ...]:
    """The LSH band keys of a shingle set (none for an empty text)."""
    if not len(grams):
        return ()
    values = signature(grams).astype("<u4").tobytes()
    width = 4 * ROWS  # bytes of one band's values
    keys = []
    for band, prefix in enumerate(_BAND_PREFIXES):
        digest = hashlib.blake2b(prefix + values[band * width : (band + 1) * width], digest_size=8)
        keys.append(int.from_bytes(digest.digest(), "little", signed=True))  # SQLite is signed
    return tuple(keys)


# Each band's number, hashed in front of its values (two bytes, little-endian).
_BAND_PREFIXES = tuple(band.to_bytes(2, "little") for band in range(BANDS))
