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

from search.stories.text import exact_key, shingles, words

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


def fingerprint(body: str) -> Fingerprint:
    """Exact key, shingles and LSH band keys of a body."""
    tokens = words(body)
    grams = short(shingles(tokens))
    return Fingerprint(exact_key(tokens), grams, band_keys(grams))


def short(grams: np.ndarray) -> np.ndarray:
    """Shingle hashes cut to 32 bits, as stored and compared.

    Half the bytes of a 64-bit hash in the file; two different shingles of two articles
    collide with probability ~n^2 / 2^32 (3e-6 for 120-shingle articles), too little to
    move a Jaccard similarity across the threshold, and MinHash's ``affine32`` scheme
    reads 32 bits anyway.
    """
    return np.unique((grams & np.uint64(0xFFFFFFFF)).astype(SHINGLE_DTYPE))


@cache
def _minhash() -> tuple[type, tuple[np.ndarray, np.ndarray]]:
    """datasketch's MinHash class and its permutations, made once.

    Imported here, not at the top: ``import datasketch`` loads scipy (about a second),
    which a process that only reads stories (the web app) should not pay. MinHash()
    draws its permutations anew from the seed on every construction; once is enough.
    """
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=NUM_PERM, seed=_SEED).permutations


def band_keys(grams: np.ndarray) -> tuple[int, ...]:
    """The LSH band keys of a shingle set (none for an empty text)."""
    if not len(grams):
        return ()
    minhash, permutations = _minhash()
    sketch = minhash(
        num_perm=NUM_PERM,
        seed=_SEED,
        hashfunc=_low32,
        permutations=permutations,
        scheme="affine32",
    )
    sketch.update_batch(grams.tolist())  # 32-bit values: the hash function keeps them
    values = sketch.hashvalues.astype("<u4")
    keys = []
    for band in range(BANDS):
        chunk = band.to_bytes(2, "little") + values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))  # SQLite INTEGER is signed
    return tuple(keys)


def _low32(value: int) -> int:
    # The shingle hashes are already uniform; the scheme wants 32 bits.
    return value & 0xFFFFFFFF
