"""Common English words (``data/common_words.txt``, see ``data/build_common_words.py``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
# Endings that inflect an English word, each with what its base form ends with instead.
_INFLECTIONS = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""))


@cache
def common_words() -> frozenset[str]:
    """Common English words in their base form, lower case (about 33,000)."""
    with open(DATA / "common_words.txt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and not line.startswith("#"))


def is_common_word(word: str) -> bool:
    """Whether ``word`` (lower case) is a common English word or an inflection of one
    ("attendance", "insurers", "played"); not a name ("reagan", "nissan", "celtic")."""
    words = common_words()
    return word in words or any(
        word.endswith(end) and word[: -len(end)] + base in words for end, base in _INFLECTIONS
    )
