"""The twelve articles the backend tests index: every engine must answer the same about them.

Chosen so each filter, sort and facet has something to tell apart: several sources, one
undated article, an actor under two spellings, markup in a title and body, articles from
2015 to 2025 (the histogram switches interval), countries shared and not.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from search.models import IndexDocument, MarkedSpan


def news_doc(
    doc_id: str,
    title: str,
    body: str,
    *,
    source: str | None,
    published: tuple[int, int, int] | None,
    actors: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    mentioned: tuple[str, ...] = (),
) -> IndexDocument:
    """One stored article (``id`` is a readable name: backends accept any id string)."""
    return IndexDocument(
        id=doc_id,
        key=f"seeds/{doc_id}.txt",
        title=title,
        body=body,
        content_hash=f"hash-{doc_id}",
        url=f"https://news.example/{doc_id}",
        source=source,
        published=datetime(*published, 12, 0, tzinfo=UTC) if published else None,
        actors=actors,
        actor_kinds=tuple("org" if a == "OPEC" else "person" for a in actors),
        countries=countries,
        dates_mentioned=mentioned,
        spans=tuple(MarkedSpan(0, 3, "country", c) for c in countries[:1]),
        indexed_at=datetime(2025, 9, 1, 8, 30, tzinfo=UTC),
    )


DOCS = (
    news_doc(
        "alaska",
        "Putin and Trump meet in Alaska",
        "Vladimir Putin met Donald Trump in Anchorage, Alaska, to talk about Ukraine "
        "and sanctions.",
        source="Reuters",
        published=(2025, 8, 15),
        actors=("Vladimir Putin", "Donald Trump"),
        countries=("RU", "US", "UA"),
    ),
    news_doc(
        "kremlin",
        "Kremlin defends oil exports",
        "The Kremlin said Russian oil exports would continue despite sanctions. "
        "Dmitry Peskov spoke to reporters.",
        source="Reuters",
        published=(2025, 6, 23),
        actors=("Dmitry Peskov",),
        countries=("RU",),
    ),
    news_doc(
        "opec",
        "OPEC agrees output cut",
        "OPEC and Russia agreed to cut oil output, lifting prices.",
        source="AP",
        published=(2024, 11, 30),
        actors=("OPEC",),
        countries=("RU", "SA"),
    ),
    news_doc(
        "iran",
        "Iran nuclear talks resume",
        "Abbas Araghchi said Iran was ready to resume nuclear talks with the United States.",
        source="AP",
        published=(2025, 6, 20),
        actors=("Abbas Araghchi",),
        countries=("IR", "US"),
        mentioned=("2025-06-19",),
    ),
    news_doc(
        "syria",
        "Strikes hit Syria",
        "Israeli strikes hit targets in Syria, officials said. Russia condemned the strikes.",
        source="The Guardian",
        published=(2025, 6, 22),
        countries=("IL", "SY", "RU"),
    ),
    news_doc(
        "xss",
        "<script>alert(1)</script> oil report",
        "Oil report <script>alert(1)</script> with markup & ampersands.",
        source="Blog",
        published=(2023, 3, 1),
    ),
    news_doc(
        "undated",
        "Note on sanctions",
        "Sanctions against Russia were widened, the note says.",
        source=None,
        published=None,
        countries=("RU",),
    ),
    news_doc(
        "tariffs",
        "Trump announces tariffs",
        "Donald Trump announced tariffs on steel imports from China.",
        source="Reuters",
        published=(2019, 5, 10),
        actors=("Donald Trump",),
        countries=("US", "CN"),
    ),
    news_doc(
        "xi",
        "Putin hosts Xi",
        "Vladimir Putin hosted Xi Jinping in Moscow; they discussed oil and gas.",
        source="Reuters",
        published=(2023, 3, 21),
        actors=("Vladimir Putin", "Xi Jinping"),
        countries=("RU", "CN"),
    ),
    news_doc(
        "wheat",
        "Wheat prices climb",
        "Wheat prices climbed on drought in Ukraine and Russia.",
        source="AP",
        published=(2025, 7, 1),
        countries=("UA", "RU"),
    ),
    news_doc(
        "interview",
        "Putin interview",
        "In an interview, putin spoke about the economy.",
        source="Reuters",
        published=(2025, 6, 25),
        actors=("vladimir putin",),  # another spelling of the same canonical name
        countries=("RU",),
    ),
    news_doc(
        "merkel",
        "Merkel visits Paris",
        "Angela Merkel visited Paris for talks with Emmanuel Macron.",
        source="The Guardian",
        published=(2015, 2, 1),
        actors=("Angela Merkel", "Emmanuel Macron"),
        countries=("DE", "FR"),
    ),
)
BY_ID = {d.id: d for d in DOCS}
# Every article, newest first; the undated one comes last in either date order.
NEWEST = (
    "alaska",
    "wheat",
    "interview",
    "kremlin",
    "syria",
    "iran",
    "opec",
    "xi",
    "xss",
    "tariffs",
    "merkel",
    "undated",
)


def _at(doc: IndexDocument, hour: int, copy_group: str = "", story: str = "") -> IndexDocument:
    """``doc`` published at ``hour`` on its day, in a copy group and a story."""
    assert doc.published is not None
    return replace(
        doc, published=doc.published.replace(hour=hour), copy_group=copy_group, story=story
    )


_QUAKE = (
    "A strong earthquake struck off the coast of Chile on Saturday, shaking buildings in "
    "Santiago and cutting power to thousands of homes."
)
# Copies and stories: one wire story reprinted three times ("quake-wire", its copies
# "quake-ap" and "quake-afp"), a follow-up in the same story ("quake-toll"), another
# earthquake that is another story ("quake-japan"), and a story of two articles without
# copies ("rehab-*"). Every publication time differs, so date orders have no ties.
STORY_DOCS = (
    _at(
        news_doc(
            "quake-wire",
            "Earthquake strikes Chile coast",
            _QUAKE,
            source="Reuters",
            published=(2025, 3, 1),
            countries=("CL",),
        ),
        9,
        "quake-wire",
        "story-quake",
    ),
    _at(
        news_doc(
            "quake-ap",
            "Earthquake strikes Chile coast",
            _QUAKE,
            source="AP",
            published=(2025, 3, 1),
            countries=("CL",),
        ),
        11,
        "quake-wire",
        "story-quake",
    ),
    _at(
        news_doc(
            "quake-afp",
            "Earthquake strikes Chile coast",
            _QUAKE,
            source="AFP",
            published=(2025, 3, 1),
            countries=("CL",),
        ),
        10,
        "quake-wire",
        "story-quake",
    ),
    _at(
        news_doc(
            "quake-toll",
            "Chile earthquake death toll rises",
            "Rescuers in Chile said the death toll from Saturday's earthquake rose to twelve.",
            source="Reuters",
            published=(2025, 3, 3),
            countries=("CL",),
        ),
        8,
        "",
        "story-quake",
    ),
    news_doc(
        "quake-japan",
        "Earthquake shakes northern Japan",
        "An earthquake shook northern Japan on Tuesday; no damage was reported.",
        source="Reuters",
        published=(2024, 6, 11),
        countries=("JP",),
    ),
    _at(
        news_doc(
            "rehab-in",
            "Singer enters rehab",
            "The singer entered a rehabilitation clinic in California, her agent said.",
            source="AP",
            published=(2025, 2, 20),
            countries=("US",),
        ),
        7,
        "",
        "story-rehab",
    ),
    _at(
        news_doc(
            "rehab-out",
            "Singer leaves rehab clinic",
            "The singer left the rehabilitation clinic in California after a month.",
            source="People",
            published=(2025, 3, 22),
            countries=("US",),
        ),
        7,
        "",
        "story-rehab",
    ),
)
STORY_BY_ID = {d.id: d for d in STORY_DOCS}
