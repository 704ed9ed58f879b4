"""Dates mentioned in an article, resolved against its publication date.

Only spaCy DATE spans are parsed (``search_dates`` over raw text reads "we" as Wednesday).
Common news forms are resolved here directly, as ranges where they are ranges ("last
week", "the weekend", "March", "1987"); a weekday is the most recent such day on or before
publication ("on Monday" in a Monday article is that Monday). Anything else with a digit
or a month name goes to dateparser 1.5 with RELATIVE_BASE = publication date. What cannot
be resolved keeps its text with ``start = end = None``; without a publication date, only
expressions that carry their own year resolve.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from search.models import DateMention, Mention

Range = tuple[date, date]

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
WEEKDAYS.update({name.lower(): i for i, name in enumerate(calendar.day_abbr)})
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_NUMBERS = {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUMBERS.update({"seven": 7, "eight": 8, "nine": 9, "ten": 10})
# Words around a date that do not change it.
_FILLER = re.compile(r"^(?:on|in|over|the|earlier|later|early|until|since|by|from|of|during)\s+")
_DURATION = re.compile(r"\d+[\s-]*(?:year|yr|month|mth|week|day|quarter)s?\b|\bfiscal\b|\bended\b")
_VAGUE = re.compile(r"\b(?:recent|past|coming|next few|several|few|some|many|decades?|ages?)\b")


def _week(d: date) -> Range:
    monday = d - timedelta(days=d.weekday())
    return monday, monday + timedelta(days=6)


def _month(year: int, month: int) -> Range:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _closest_year(base: date, month: int, day: int | None) -> int:
    """The year that puts a yearless month (and day) closest to the base date."""
    best = base.year
    best_gap: int | None = None
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            target = date(year, month, day or 15)
        except ValueError:
            continue
        gap = abs((target - base).days)
        if best_gap is None or gap < best_gap:
            best, best_gap = year, gap
    return best


def _relative(text: str, base: date) -> Range | None:
    if text in ("today", "tonight", "this morning", "this afternoon", "this evening"):
        return base, base
    if text in ("yesterday", "last night"):
        d = base - timedelta(days=1)
        return d, d
    if text == "tomorrow":
        d = base + timedelta(days=1)
        return d, d
    m = re.fullmatch(r"(last|this|next)?\s*(week|month|year|weekend)", text)
    if m:
        which, unit = m.group(1) or "this", m.group(2)
        step = {"last": -1, "this": 0, "next": 1}[which]
        if unit == "week":
            return _week(base + timedelta(weeks=step))
        if unit == "month":
            return _month(*_shift_month(base.year, base.month, step))
        if unit == "year":
            return date(base.year + step, 1, 1), date(base.year + step, 12, 31)
        # The weekend: the latest Saturday-Sunday that has started by publication.
        saturday = base - timedelta(days=(base.weekday() - 5) % 7)
        if which == "next":
            saturday += timedelta(weeks=1)
        elif which == "last" and base.weekday() >= 5:
            saturday -= timedelta(weeks=1)
        return saturday, saturday + timedelta(days=1)
    m = re.fullmatch(r"(last|this|next|past)?\s*([a-z]+)", text)
    if m and m.group(2) in WEEKDAYS:
        which, target = m.group(1), WEEKDAYS[m.group(2)]
        if which == "next":
            d = base + timedelta(days=(target - base.weekday() - 1) % 7 + 1)
        else:
            d = base - timedelta(days=(base.weekday() - target) % 7)
            if which == "last" and d == base:
                d -= timedelta(weeks=1)
        return d, d
    m = re.fullmatch(r"(\w+)\s+(day|week|month|year)s?\s+ago", text)
    if m and (m.group(1).isdigit() or m.group(1) in _NUMBERS):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]
        unit = m.group(2)
        if unit == "day":
            d = base - timedelta(days=n)
            return d, d
        if unit == "week":
            return _week(base - timedelta(weeks=n))
        if unit == "month":
            return _month(*_shift_month(base.year, base.month, -n))
        return date(base.year - n, 1, 1), date(base.year - n, 12, 31)
    return None


def _absolute(text: str, base: date | None) -> Range | None:
    year: int
    m = re.fullmatch(rf"({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?", text)
    if not m:
        m2 = re.fullmatch(
            rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?(?:,?\s+(\d{{4}}))?", text
        )
        parts = (m2.group(2), m2.group(1), m2.group(3)) if m2 else None
    else:
        parts = (m.group(1), m.group(2), m.group(3))
    if parts:
        month, day = MONTHS[parts[0]], int(parts[1])
        if parts[2]:
            year = int(parts[2])
        elif base:
            year = _closest_year(base, month, day)
        else:
            return None
        try:
            d = date(year, month, day)
        except ValueError:
            return None
        return d, d
    m = re.fullmatch(
        rf"(?:(early|mid|late|end of|end|the end of)[\s-]+)?({_MONTH})\.?"
        rf"(?:,?\s+(\d{{4}}|last year|this year|next year|of last year|of this year))?",
        text,
    )
    if m:
        part, month, year_text = m.group(1), MONTHS[m.group(2)], m.group(3) or ""
        if year_text.isdigit():
            year = int(year_text)
        elif base is None:
            return None
        elif year_text:
            year = base.year + (-1 if "last" in year_text else 1 if "next" in year_text else 0)
        else:
            year = _closest_year(base, month, None)
        first, last = _month(year, month)
        if part in ("early",):
            return first, first + timedelta(days=9)
        if part == "mid":
            return first + timedelta(days=10), first + timedelta(days=19)
        if part:  # late, end of
            return first + timedelta(days=20), last
        return first, last
    m = re.fullmatch(rf"(last|next)\s+({_MONTH})", text)
    if m and base:
        month = MONTHS[m.group(2)]
        year = base.year
        if m.group(1) == "last":
            year -= 1 if month >= base.month else 0
        else:
            year += 1 if month <= base.month else 0
        return _month(year, month)
    m = re.fullmatch(r"(?:the\s+)?(?:end[\s-]+(?:of\s+)?|late\s+)(\d{4})", text)
    if m:
        year = int(m.group(1))
        return date(year, 10, 1), date(year, 12, 31)
    m = re.fullmatch(r"(?:the\s+)?(?:year\s+)?(\d{4})", text)
    if m and 1800 <= int(m.group(1)) <= 2200:
        year = int(m.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    m = re.fullmatch(r"(first|second|third|fourth)\s+quarter(?:\s+(?:of\s+)?(\d{4}))?", text)
    if m:
        q = _ORDINALS[m.group(1)]
        if not m.group(2) and base is None:
            return None
        quarter_year = int(m.group(2)) if m.group(2) else base.year  # type: ignore[union-attr]
        return date(quarter_year, 3 * q - 2, 1), _month(quarter_year, 3 * q)[1]
    return None


@lru_cache(maxsize=4096)
def resolve(surface: str, published: date | None) -> Range | None:
    """(start, end) of a DATE span's text against a publication date, or None."""
    text = surface.lower().replace("\u2019", "'").strip(" .,")
    text = re.sub(r"\s+", " ", text)
    while True:
        shorter = _FILLER.sub("", text)
        if shorter == text:
            break
        text = shorter
    text = re.sub(r"^(?:just|about|around|nearly|some)\s+", "", text)
    found = _absolute(text, published)
    if found or published is None and not re.search(r"\d{4}", text):
        return found
    if published is not None:
        found = _relative(text, published)
        if found:
            return found
    # dateparser reads durations and bare numbers as dates ("20-year", "42", "1630"), so it
    # only sees expressions that name a month.
    if _VAGUE.search(text) or _DURATION.search(text) or not re.search(rf"\b({_MONTH})\b", text):
        return None
    return _dateparser(text, published)


def _dateparser(text: str, published: date | None) -> Range | None:
    import dateparser  # deferred: ~0.3 s to import, and only needed at index time

    settings: dict[str, object] = {"PREFER_DATES_FROM": "past", "STRICT_PARSING": False}
    if published is not None:
        settings["RELATIVE_BASE"] = datetime(published.year, published.month, published.day)
    parsed = dateparser.parse(text, languages=["en"], settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        return None
    day = parsed.date()
    if not re.search(r"\d{4}", text):
        if published is None:
            return None  # a year dateparser made up from today's clock
        # "April one" in a March article is the coming April, as for "June 13".
        day = day.replace(year=_closest_year(published, day.month, day.day))
    return day, day


def extract_dates(
    text: str, spans: Iterable[tuple[str, int, int, str]], published: datetime | None
) -> tuple[DateMention, ...]:
    """Every DATE span as a :class:`DateMention`, resolved where possible."""
    base = published.date() if published else None
    out = []
    for label, start, end, surface in spans:
        if label != "DATE":
            continue
        found = resolve(surface, base)
        mention = Mention(start, end, text[start:end])
        out.append(DateMention(mention, *(found or (None, None))))
    return tuple(out)
