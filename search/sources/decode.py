"""Bytes to text: BOMs, UTF-8, then single-byte fallbacks; binary content is refused."""

from __future__ import annotations

import codecs
import re

# Control characters that never occur in text files (tab, LF, FF, CR and ESC-free text aside).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_BYTES = 4096


class BinaryContent(ValueError):
    """The bytes are not text in any encoding we accept."""


def decode_text(data: bytes, fallback: str = "cp1252") -> str:
    """Decode file bytes to text: BOM, UTF-16 without BOM, UTF-8, then ``fallback``/latin-1.

    Raises ``BinaryContent`` for NUL bytes or mostly non-text content.
    """
    text = _decode(data, fallback)
    sample = text[:_SNIFF_BYTES]
    # Decoded text with NULs or many control characters is an image, archive or the like
    # with a text-like name; indexing it would only pollute the index.
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 20):
        raise BinaryContent("binary file")
    return text


def _decode(data: bytes, fallback: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise BinaryContent(f"invalid {encoding} text") from e
    utf16 = _utf16_without_bom(data[:_SNIFF_BYTES])
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(fallback)
    except (UnicodeDecodeError, LookupError):
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return data.decode("latin-1")


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'-be' when every other byte is NUL (ASCII-range UTF-16), else None."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def declared_charset(head: bytes) -> str | None:
    """The charset an HTML/XML document declares in its first bytes, if Python knows it."""
    m = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", head[:4096]) or re.search(
        rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", head[:4096]
    )
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None
