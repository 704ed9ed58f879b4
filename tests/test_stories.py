"""Copies and stories (search.stories): grouping, incremental placement, stable ids, crashes.

The articles are written here: two celebrities entering rehab and two earthquakes (two
events of each kind), with the entity fields a reindex would have extracted. The ECB+
floor at the end runs the benchmark's code on the real corpus when it is present.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from search.models import IndexDocument, MarkedSpan, article_id, compose_text
from search.settings import PROJECT_ROOT, corpora_dir
from search.stories import StoryIndex
from search.stories.workspace import Workspace

# ---------------------------------------------------------------- fixture articles


def make_doc(
    key: str,
    title: str,
    body: str,
    published: str | None = None,
    people: Sequence[str] = (),
    orgs: Sequence[str] = (),
    countries: Sequence[str] = (),
    dates: Sequence[str] = (),
) -> IndexDocument:
    """An IndexDocument as a reindex would store it (person spans found by surname)."""
    text = compose_text(title, body)
    spans = [
        MarkedSpan(m.start(), m.end(), "person", name)
        for name in people
        for m in re.finditer(re.escape(name.split()[-1]), text)
    ]
    when = datetime.fromisoformat(published).replace(tzinfo=UTC) if published else None
    digest = hashlib.sha256(f"{title}\x1f{body}\x1f{published}".encode()).hexdigest()
    return IndexDocument(
        id=article_id(key),
        key=key,
        title=title,
        body=body,
        content_hash=digest,
        source="Test Wire",
        published=when,
        actors=(*people, *orgs),
        actor_kinds=(*("person",) * len(people), *("org",) * len(orgs)),  # type: ignore[arg-type]
        countries=tuple(countries),
        dates_mentioned=tuple(dates),
        spans=tuple(sorted(spans, key=lambda s: s.start)),
    )


REHAB_QUINLAN = [
    make_doc(
        "rehab-q1",
        "Singer Mara Quinlan checks into rehab",
        "Pop singer Mara Quinlan has checked into a rehabilitation centre in Malibu, her "
        "publicist said on Tuesday. Quinlan, 29, cancelled the last four dates of her tour "
        "last month. Her publicist asked fans to respect her privacy while Quinlan receives "
        "treatment at the Seaview Recovery clinic.",
        "2019-04-09",
        people=["Mara Quinlan"],
        orgs=["Seaview Recovery"],
        countries=["US"],
    ),
    make_doc(
        "rehab-q2",
        "Mara Quinlan enters Malibu treatment centre",
        "Mara Quinlan entered the Seaview Recovery clinic in Malibu this week, a spokesman "
        "for the singer confirmed. Quinlan had called off the end of her tour in March. "
        "Friends said Quinlan chose treatment herself after a difficult year.",
        "2019-04-10",
        people=["Mara Quinlan"],
        orgs=["Seaview Recovery"],
        countries=["US"],
    ),
    make_doc(
        "rehab-q3",
        "Quinlan in rehab after cancelled tour",
        "Singer Mara Quinlan is receiving treatment at a Malibu rehabilitation clinic after "
        "cancelling her spring tour, her publicist told reporters. Quinlan thanked fans for "
        "their support in a short statement and said she would return to the stage.",
        "2019-04-11",
        people=["Mara Quinlan"],
        countries=["US"],
    ),
]

REHAB_FALKOW = [
    make_doc(
        "rehab-f1",
        "Actor Denis Falkow enters rehab",
        "Actor Denis Falkow has entered a rehabilitation programme in Arizona, his agent "
        "said on Monday. Falkow, 41, was arrested in June after a car crash in Phoenix. "
        "His agent said Falkow would complete a 60-day programme at the Desert Springs "
        "centre before filming resumes.",
        "2021-08-02",
        people=["Denis Falkow"],
        orgs=["Desert Springs"],
        countries=["US"],
    ),
    make_doc(
        "rehab-f2",
        "Denis Falkow checks into Arizona rehab centre",
        "Denis Falkow checked into the Desert Springs treatment centre in Arizona, his "
        "agent confirmed. Falkow was charged after the June crash in Phoenix and agreed to "
        "a 60-day stay. Production of his new film has been paused.",
        "2021-08-03",
        people=["Denis Falkow"],
        orgs=["Desert Springs"],
        countries=["US"],
    ),
    make_doc(
        "rehab-f3",
        "Falkow begins 60-day rehab programme",
        "Actor Denis Falkow began a 60-day rehabilitation programme in Arizona after his "
        "arrest in Phoenix in June, his agent said. Falkow apologised for the crash and "
        "said the programme was his own decision.",
        "2021-08-04",
        people=["Denis Falkow"],
        countries=["US"],
    ),
]

QUAKE_PERU = [
    make_doc(
        "quake-p1",
        "Magnitude 6.8 earthquake strikes southern Peru",
        "A magnitude 6.8 earthquake struck southern Peru on Thursday, killing at least 12 "
        "people near the city of Arequipa, officials said. The quake damaged 300 homes in "
        "the Arequipa region and cut power to several towns. Rescue teams searched for "
        "survivors in the village of Chivay.",
        "2020-03-12",
        countries=["PE"],
    ),
    make_doc(
        "quake-p2",
        "Death toll rises after Peru quake",
        "The death toll from Thursday's magnitude 6.8 earthquake in southern Peru rose to "
        "15, civil defence officials in Arequipa said. More than 300 homes were damaged "
        "around Chivay and the Colca valley, and 40 people were injured.",
        "2020-03-13",
        countries=["PE"],
    ),
    make_doc(
        "quake-p3",
        "Arequipa counts damage after 6.8 earthquake",
        "Residents of Arequipa cleared rubble on Saturday after the 6.8 magnitude "
        "earthquake that killed 15 people in southern Peru. Officials said aid had reached "
        "Chivay and other villages of the Colca valley.",
        "2020-03-14",
        countries=["PE"],
    ),
]

QUAKE_TURKEY = [
    make_doc(
        "quake-t1",
        "Magnitude 5.9 earthquake hits western Turkey",
        "A magnitude 5.9 earthquake hit western Turkey on Wednesday, injuring 35 people in "
        "the province of Duzce, the disaster agency AFAD said. Buildings cracked in Duzce "
        "and tremors were felt in Istanbul, 200 km to the west.",
        "2022-11-23",
        orgs=["AFAD"],
        countries=["TR"],
    ),
    make_doc(
        "quake-t2",
        "Duzce quake injures 35, AFAD says",
        "The 5.9 magnitude earthquake centred in Duzce injured 35 people and damaged 50 "
        "buildings in western Turkey, AFAD said. Schools in Duzce were closed for a week "
        "while engineers inspected them.",
        "2022-11-24",
        orgs=["AFAD"],
        countries=["TR"],
    ),
    make_doc(
        "quake-t3",
        "Turkey inspects buildings after Duzce earthquake",
        "Engineers in western Turkey inspected damaged buildings in Duzce after the "
        "magnitude 5.9 earthquake, the disaster agency AFAD said. No deaths were reported; "
        "35 people were treated in hospital.",
        "2022-11-25",
        orgs=["AFAD"],
        countries=["TR"],
    ),
]

EVENTS = [REHAB_QUINLAN, REHAB_FALKOW, QUAKE_PERU, QUAKE_TURKEY]
ALL = [d for event in EVENTS for d in event]


def reprint(doc: IndexDocument, key: str, edit: tuple[str, str] | None = None) -> IndexDocument:
    """A copy of ``doc`` under another key (another outlet), with one phrase changed."""
    body = doc.body if edit is None else doc.body.replace(*edit)
    digest = hashlib.sha256(f"{key}{body}".encode()).hexdigest()
    return replace(doc, id=article_id(key), key=key, body=body, content_hash=digest)


def stories_of(index: StoryIndex, docs: Sequence[IndexDocument]) -> list[str]:
    """The story of each of ``docs``."""
    assigned = index.assignments()
    return [assigned[d.id] for d in docs]


# ---------------------------------------------------------------- copies


def test_identical_and_near_identical_bodies_are_one_copy_group(tmp_path: Path) -> None:
    original = QUAKE_PERU[0]
    twin = reprint(original, "outlet-b/quake")
    near = reprint(original, "outlet-c/quake", ("killing at least 12", "leaving at least 12 dead"))
    with StoryIndex(tmp_path / "stories.sqlite") as index:
        result = index.assign_batch([*ALL, twin, near]).assignments
    groups = {result[d.id].copy_group for d in (original, twin, near)}
    assert groups == {result[original.id].copy_group}
    assert result[original.id].copies == 3
    # The other articles of the same event are reports of it, not copies.
    others = {result[d.id].copy_group for d in ALL if d is not original}
    assert result[original.id].copy_group not in others
    assert all(result[d.id].copies == 1 for d in ALL if d is not original)
    # Copies are in their original's story.
    assert {result[d.id].story for d in (original, twin, near)} == {result[original.id].story}


def test_copy_group_is_named_after_its_earliest_article(tmp_path: Path) -> None:
    late = QUAKE_TURKEY[0]
    early = replace(
        reprint(late, "outlet-early/quake"), published=datetime(2022, 11, 22, tzinfo=UTC)
    )
    with StoryIndex(tmp_path / "stories.sqlite") as index:
        first = index.assign_batch([late]).assignments[late.id]
        assert first.copy_group == late.id
        result = index.assign_batch([early])
    assert result.assignments[early.id].copy_group == early.id
    # The earlier copy arrived later: the group takes its id, and the caller is told.
    assert result.regrouped == {late.id: early.id}


# ---------------------------------------------------------------- stories


def test_each_event_is_one_story_and_two_events_of_a_kind_are_two(tmp_path: Path) -> None:
    with StoryIndex(tmp_path / "stories.sqlite") as index:
        index.assign_batch(ALL)
        per_event = [set(stories_of(index, event)) for event in EVENTS]
    assert all(len(s) == 1 for s in per_event), per_event
    assert len(set().union(*per_event)) == len(EVENTS)


def opened_as(index: StoryIndex, stories: Sequence[Sequence[IndexDocument]]) -> Workspace:
    """A batch's workspace with ``stories`` opened as given (each a story of its own),
    as placement and refinement might have left them; frequencies counted over ``ALL``
    and ``stories`` (a batch counts its articles before placing any)."""
    from search.stories.features import doc_features
    from search.stories.frequencies import data_version
    from search.stories.index import WINDOW_DAYS
    from search.stories.vectors import feature_keys

    work = Workspace(index._store, WINDOW_DAYS, data_version(index._db))
    docs = {d.id: d for d in [*ALL, *(d for story in stories for d in story)]}
    _, df = index._count_df([feature_keys(doc_features(d)) for d in docs.values()])
    for story in stories:
        records = [index._record(doc, doc_features(doc), df) for doc in story]
        name = index._open(work, records[0])
        for doc, rec in zip(story, records, strict=True):
            fit = work.fits(rec, doc_features(doc), [name]).get(name)
            work.add(name, rec, fit.dots if fit else {})
    return work


def regrouped(
    tmp_path: Path, stories: Sequence[Sequence[IndexDocument]]
) -> list[set[frozenset[str]]]:
    """The stories (as sets of article ids) before and after steps 4 and 5."""
    with StoryIndex(tmp_path / "stories.sqlite") as index:
        work = opened_as(index, stories)
        before = {frozenset(m) for m in work.members.values() if m}
        index._regroup(work, {d.id: d for story in stories for d in story})
        after = {frozenset(m) for m in work.members.values() if m}
    return [before, after]


def ids(*events: Sequence[IndexDocument]) -> frozenset[str]:
    """The ids of the articles of ``events``."""
    return frozenset(d.id for event in events for d in event)


def test_two_parts_of_one_event_are_merged(tmp_path: Path) -> None:
    # The order opened a story with the first report, the others formed another.
    for event in EVENTS:
        before, after = regrouped(tmp_path / event[0].key, [event[:1], event[1:]])
        assert len(before) == 2
        assert after == {ids(event)}


def test_two_events_of_a_kind_are_not_merged(tmp_path: Path) -> None:
    for one, other in ((REHAB_QUINLAN, REHAB_FALKOW), (QUAKE_PERU, QUAKE_TURKEY)):
        # Dated a few days after the first: only what they tell keeps them apart.
        start = one[-1].published
        assert start is not None
        near = [replace(d, published=start + timedelta(days=n)) for n, d in enumerate(other)]
        stories = [one[:1], near]
        before, after = regrouped(tmp_path / one[0].key, stories)
        assert after == before == {ids(one[:1]), ids(near)}


def test_two_stories_of_like_size_are_not_merged(tmp_path: Path) -> None:
    # Parts of like size that each hold together are more often two events of one kind.
    event = [*QUAKE_PERU, reprint(QUAKE_PERU[1], "outlet-b/quake", ("15", "fifteen"))]
    before, after = regrouped(tmp_path, [event[:2], event[2:]])
    assert after == before


def test_a_story_of_two_events_of_a_kind_is_cut_in_two(tmp_path: Path) -> None:
    # Both rehab stories in one: two people each lead three articles.
    before, after = regrouped(tmp_path, [REHAB_QUINLAN + REHAB_FALKOW])
    assert before == {ids(REHAB_QUINLAN, REHAB_FALKOW)}
    assert after == {ids(REHAB_QUINLAN), ids(REHAB_FALKOW)}


def test_a_story_of_two_protagonists_that_fit_each_other_stays_whole(tmp_path: Path) -> None:
    # One event told through two people, each the main person of three articles, each
    # article naming both: the parts fit each other, so the story stays one.
    duel = [
        make_doc(
            f"duel-{n}",
            f"{lead} wins the Harbour City mayoral debate against {foil}",
            f"{lead} faced {foil} in the Harbour City mayoral debate on Tuesday. {lead} "
            f"attacked {foil} on housing and the harbour tunnel; {foil} answered on taxes. "
            f"{lead} said the tunnel vote would decide the election. Polls show {lead} "
            f"and {foil} level before the mayoral vote on Sunday.",
            "2023-05-02",
            people=[lead, foil],
            countries=["NZ"],
        )
        for n, (lead, foil) in enumerate(
            [("Ana Korvin", "Tom Relling")] * 3 + [("Tom Relling", "Ana Korvin")] * 3
        )
    ]
    before, after = regrouped(tmp_path, [duel])
    assert after == before == {ids(duel)}


def test_undated_stories_about_different_years_are_other_events() -> None:
    from search.stories.merging import other_years
    from search.stories.workspace import StoryState

    def story(years: dict[str, float], day: int | None = None) -> StoryState:
        return StoryState(
            "s",
            False,
            delta={"y": {f"y:{y}": w for y, w in years.items()}},
            first_day=day,
            last_day=day,
        )

    elections_2007 = story({"2007": 4.0, "2008": 1.0})
    elections_2013 = story({"2013": 5.0, "2008": 2.0})  # both name the 2008 constitution
    assert other_years(elections_2007, elections_2013)
    # A story naming the other's main year, or naming none, may be the same event.
    assert not other_years(elections_2007, story({"2013": 3.0, "2007": 1.0}))
    assert not other_years(elections_2007, story({}))
    # Dated stories are kept apart by the time rule, not by the years they mention.
    assert not other_years(story({"2007": 1.0}, 733000), story({"2013": 1.0}, 733000))


def test_a_new_article_joins_its_story_incrementally(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    first, later = [e[:2] for e in EVENTS], [e[2] for e in EVENTS]
    with StoryIndex(path) as index:
        index.assign_batch([d for event in first for d in event])
        before = index.assignments()
        for event, doc in zip(first, later, strict=True):
            result = index.assign_batch([doc])
            story = result.assignments[doc.id].story
            assert story == before[event[0].id]
            assert result.assignments[doc.id].story_size == 3
        after = index.assignments()
    # Earlier articles never move.
    assert {k: after[k] for k in before} == before


def one_per_call(path: Path, docs: Sequence[IndexDocument], fold: int) -> tuple[dict, dict]:
    """Place ``docs`` one per call, the backlog folded once it would pass ``fold``
    articles (0: every call, as if the keyed tables took each article at once); then take
    one article out of the backlog (or the tables) and place it again."""
    with StoryIndex(path) as index:
        index._backlog.fold_articles = fold
        for doc in docs:
            index.assign_batch([doc])
        assert len(index._backlog) <= fold
        index.remove([docs[-1].id])
        index.assign_batch([docs[-1]])
        return index.assignments(), index.copy_groups()


def test_backlog_places_as_the_keyed_tables_do(tmp_path: Path) -> None:
    # Copies and reports of each event, one per call: each finds its copies and candidate
    # stories whether the articles before it were folded into postings and copy_bands or
    # still wait in the backlog.
    copies = [
        reprint(
            QUAKE_PERU[0], "outlet-b/quake", ("killing at least 12", "leaving at least 12 dead")
        ),
        reprint(REHAB_QUINLAN[1], "outlet-b/r"),
    ]
    undated = [replace(reprint(QUAKE_TURKEY[1], "outlet-c/quake"), published=None)]
    docs = [*ALL, *copies, *undated]
    placed = [one_per_call(tmp_path / f"{fold}.sqlite", docs, fold) for fold in (0, 3, 100)]
    assert placed[0] == placed[1] == placed[2]
    groups = placed[0][1]
    assert groups[copies[0].id] == groups[QUAKE_PERU[0].id]
    assert groups[copies[1].id] == groups[REHAB_QUINLAN[1].id]
    # Reports (not copies) found a story through the postings too.
    stories = Counter(placed[0][0][d.id] for d in ALL)
    assert max(stories.values()) > 1, stories


def test_backlog_written_by_another_connection_is_read(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    original = QUAKE_PERU[0]
    twin = reprint(original, "outlet-b/quake")
    near = reprint(original, "outlet-c/quake", ("killing at least 12", "leaving at least 12 dead"))
    with StoryIndex(path) as first, StoryIndex(path) as second:
        first.assign_batch([original])
        # Each connection reads the rows the other appended since its last call.
        assert second.assign_batch([twin]).assignments[twin.id].copy_group == original.id
        result = first.assign_batch([near]).assignments[near.id]
    assert result.copy_group == original.id
    assert result.copies == 3


def test_story_summary(tmp_path: Path) -> None:
    with StoryIndex(tmp_path / "stories.sqlite") as index:
        index.assign_batch(ALL)
        story_id = index.assignments()[QUAKE_TURKEY[1].id]
        story = index.story(story_id)
    assert story is not None
    assert story.id == QUAKE_TURKEY[0].id  # named after its first article
    assert story.articles == tuple(d.id for d in QUAKE_TURKEY)
    assert story.size == 3
    assert (story.first_date.isoformat(), story.last_date.isoformat()) == (  # type: ignore[union-attr]
        "2022-11-23",
        "2022-11-25",
    )
    assert story.actors[0] == "AFAD"
    assert story.countries == ("TR",)


def test_ids_are_stable_across_reopen_rebuild_and_input_order(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    with StoryIndex(path) as index:
        index.assign_batch(ALL)
        first = index.assignments()
    with StoryIndex(path) as index:  # reopened: a full rebuild of the same articles
        result = index.assign_batch(list(reversed(ALL)))
        assert {k: a.story for k, a in result.assignments.items()} == first
        assert index.assignments() == first
    shuffled = list(ALL)
    random.Random(7).shuffle(shuffled)
    with StoryIndex(tmp_path / "fresh.sqlite") as index:  # a new file, another order
        index.assign_batch(shuffled)
        assert index.assignments() == first


def test_placement_does_not_depend_on_the_folder(tmp_path: Path) -> None:
    # Undated articles, read from two folders: their ids (hashes of their paths) differ.
    # Their order, and so their stories and the stories' names, is their content's.
    def moved(folder: str) -> list[IndexDocument]:
        out = []
        for doc in ALL:
            key = f"/{folder}/news.jsonl#{doc.key}"
            out.append(replace(doc, id=article_id(key), key=key, published=None))
        return out

    placed = []
    for folder in ("srv/archive", "tmp/tmp.x1y2z3/archive"):
        docs = moved(folder)
        with StoryIndex(tmp_path / f"{len(placed)}.sqlite") as index:
            index.assign_batch(docs)
            assigned = index.assignments()
        record = {d.id: d.key.rsplit("#", 1)[1] for d in docs}
        placed.append({record[a]: record[s] for a, s in assigned.items()})
    assert placed[0] == placed[1]
    assert len(set(placed[0].values())) == len(EVENTS)


def test_changed_and_removed_articles(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    moved = QUAKE_PERU[2]
    with StoryIndex(path) as index:
        index.assign_batch(ALL)
        peru = index.assignments()[moved.id]
        # Same article (same id), its text now about the Turkish quake: it is placed again.
        rewritten = replace(QUAKE_TURKEY[2], id=moved.id, key=moved.key, content_hash="rewritten")
        result = index.assign_batch([rewritten])
        turkey = index.assignments()[QUAKE_TURKEY[0].id]
        assert result.assignments[moved.id].story == turkey
        assert result.story_sizes[peru] == 2
        removed = index.remove([QUAKE_PERU[0].id, QUAKE_PERU[1].id])
        assert removed.story_sizes == {peru: 0}
        assert index.story(peru) is None
        assert moved.id in index.story(turkey).articles  # type: ignore[union-attr]
    check_consistent(path, removals=True)


# ---------------------------------------------------------------- crash safety


def synthetic_docs(n: int, events: int = 40, seed: int = 1) -> list[IndexDocument]:
    """``n`` articles about ``events`` made-up events (each its own words, people, date)."""
    rng = random.Random(seed)
    common = [f"word{i}" for i in range(300)]
    out = []
    for i in range(n):
        event = i % events
        topic = [f"ev{event}term{j}" for j in range(12)]
        text = " ".join(
            rng.choice(topic) if rng.random() < 0.3 else rng.choice(common) for _ in range(90)
        )
        person = f"Person{event} Surname{event}"
        body = f"{person} said. {text}. Surname{event} added."
        day = f"2024-{1 + event % 12:02d}-{1 + event % 27:02d}"
        out.append(
            make_doc(
                f"synthetic/{i}",
                f"Event {event} report {i}",
                body,
                day,
                people=[person],
                countries=["FR"],
            )
        )
    return out


CHILD = """
import sys, time
from pathlib import Path
from search.stories import StoryIndex
from tests.test_stories import synthetic_docs

docs = synthetic_docs(400)
with StoryIndex(Path(sys.argv[1])) as index:
    # The first call's articles wait in the backlog; the killed call would fold them.
    index._backlog.fold_articles = 150
    index.assign_batch(docs[:100])
    print("committed", flush=True)

    def progress(n: int) -> None:
        print(f"placed {n}", flush=True)
        time.sleep(0.02)  # slow enough that the parent's kill lands mid-batch

    index.assign_batch(docs[100:], progress=progress)
    print("done", flush=True)
"""


def check_consistent(path: Path, removals: bool = False) -> None:
    """The invariants a committed stories file keeps (see search/stories/store.py)."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sizes = dict(db.execute("SELECT id, size FROM stories"))
        counted = Counter(s for (s,) in db.execute("SELECT story FROM articles"))
        assert sizes == dict(counted)
        assert {s for (s,) in db.execute("SELECT DISTINCT story FROM story_keys")} == set(sizes)
        articles = {a for (a,) in db.execute("SELECT id FROM articles")}
        assert {a for (a,) in db.execute("SELECT id FROM copies")} == articles
        assert {a for (a,) in db.execute("SELECT DISTINCT article FROM postings")} <= articles
        assert {a for (a,) in db.execute("SELECT DISTINCT id FROM copy_bands")} <= articles
        assert {a for (a,) in db.execute("SELECT article FROM backlog")} <= articles
        if not removals:
            docs = db.execute(
                "SELECT COALESCE((SELECT value FROM meta WHERE key = 'docs'), 0) "
                "+ (SELECT COALESCE(SUM(docs), 0) FROM df_log)"
            ).fetchone()
            assert int(docs[0]) == len(articles)
        spans = db.execute(
            "SELECT s.id, s.first_day, s.last_day, MIN(a.day), MAX(a.day) FROM stories s "
            "JOIN articles a ON a.story = s.id GROUP BY s.id"
        ).fetchall()
        assert all((first, last) == (low, high) for _, first, last, low, high in spans)
        for story, norms in db.execute("SELECT id, norms FROM stories"):
            got: dict[str, float] = {}
            rows = db.execute("SELECT key, weight FROM story_keys WHERE story = ?", (story,))
            for key, weight in rows:
                if key[0] not in "pm":
                    got[key[0]] = got.get(key[0], 0.0) + weight * weight
            stored = json.loads(norms)
            assert set(got) == {k for k, v in stored.items() if v > 1e-9}
            assert all(math.isclose(stored[k], v, rel_tol=1e-6) for k, v in got.items())
    finally:
        db.close()


def test_sigkill_mid_batch_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
    )
    assert child.stdout is not None
    lines = []
    for line in child.stdout:
        lines.append(line.strip())
        if line.strip() == "placed 50":
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL, lines
    assert "committed" in lines and "done" not in lines

    docs = synthetic_docs(400)
    check_consistent(path)
    with StoryIndex(tmp_path / "reference.sqlite") as reference:
        reference.assign_batch(docs[:100])
        after_first = reference.assignments()
        reference.assign_batch(docs[100:])
        complete = reference.assignments()
    with StoryIndex(path) as index:
        assert index.assignments() == after_first  # the first batch, whole; none of the second
        assert len(index._backlog) == 100  # still waiting: the fold was rolled back
        index.assign_batch(docs[100:])  # the reindex runs again
        assert index.assignments() == complete
    check_consistent(path)


# ---------------------------------------------------------------- boundaries


def test_stories_import_no_backend_entities_or_web() -> None:
    allowed_third_party = {"numpy"}  # MinHash is computed in numpy (fingerprint.signature)
    allowed_search = {"search.models", "search.settings"}
    for path in (PROJECT_ROOT / "search" / "stories").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "search":
                    assert name.startswith("search.stories") or name in allowed_search, (path, name)
                elif top not in sys.stdlib_module_names:
                    assert top in allowed_third_party | {"__future__"}, (path, name)


# ---------------------------------------------------------------- quality on ECB+ dev


@pytest.mark.slow
def test_ecb_dev_story_quality_floor() -> None:
    """B-cubed F1 after a real full reindex of ECB+ dev (measured 0.937; target 0.90).

    The figure no longer depends on the folder the corpus lies in (before the canonical
    order put content hashes before ids it did: 0.921 locally, 0.907 and 0.888 in CI
    clones); ``eval_stories orders`` measures the spread over orders (0.920-0.941).

    Run in a process of its own, as ``dateline reindex`` is: inside the test session the
    score came out 0.888 once, after the other slow tests (unexplained; alone 0.921).
    """
    root = corpora_dir() / "ecbplus-dev"
    if not (root / "articles.jsonl").is_file():
        pytest.skip(f"ECB+ dev corpus not found at {root} (set DATELINE_CORPORA)")
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.eval_stories", "reindex"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    score = {
        key: float(value)
        for key, value in re.findall(r"^\s+(P|R|F1): ([\d.]+)$", run.stdout, re.MULTILINE)
    }
    assert score["F1"] >= 0.90, run.stdout
    assert score["P"] >= 0.90 and score["R"] >= 0.88, run.stdout


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    from search.stories import StoriesError

    path = tmp_path / "stories.sqlite"
    StoryIndex(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '0/old' WHERE key = 'schema'")
    db.close()
    with pytest.raises(StoriesError, match="delete it and reindex"):
        StoryIndex(path)


def test_removing_a_groups_first_article_renames_the_group(tmp_path: Path) -> None:
    original = QUAKE_PERU[0]
    later = replace(
        reprint(original, "outlet-b/quake"), published=datetime(2020, 3, 13, tzinfo=UTC)
    )
    path = tmp_path / "stories.sqlite"
    with StoryIndex(path) as index:
        assigned = index.assign_batch([original, later]).assignments
        assert assigned[later.id].copy_group == original.id
        result = index.remove([original.id])
        assert result.regrouped == {later.id: later.id}
        after = index.assignment(later.id)
        assert after is not None and (after.copy_group, after.copies) == (later.id, 1)
        assert after.story == assigned[later.id].story  # the story keeps its id
    check_consistent(path, removals=True)


def test_document_frequencies_survive_compaction_and_reload(tmp_path: Path) -> None:
    from search.stories.frequencies import DocFrequencies
    from search.stories.store import connect

    db = connect(tmp_path / "stories.sqlite")
    counts = DocFrequencies(db, compact_keys=3)
    batches = [{"w:quake": 1, "w:peru": 1}, {"w:quake": 1, "a:AFAD": 1}, {"w:quake": 2}]
    for deltas in batches:
        db.execute("BEGIN IMMEDIATE")
        counts.add(deltas, docs=max(deltas.values()))
        db.execute("COMMIT")
    expected = {"w:quake": 4, "w:peru": 1, "a:AFAD": 1, "w:none": 0}
    assert counts.get(expected) == expected and counts.docs == 4
    assert db.execute("SELECT COUNT(*) FROM df").fetchone()[0] == 3  # folded once
    again = DocFrequencies(db)  # another process reading the file
    assert again.get(expected) == expected and again.docs == 4
    db.close()


def test_minhash_signature_is_datasketch_affine32() -> None:
    """The numpy MinHash gives datasketch 2.0's values: stored band keys stay valid."""
    from datasketch import MinHash

    from search.stories.fingerprint import NUM_PERM, permutations, short, signature

    reference = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
    assert all((x == y).all() for x, y in zip(permutations(), reference.permutations, strict=True))
    rng = np.random.default_rng(13)
    for size in (1, 2, 7, 120, 2000):
        grams = short(rng.integers(0, 2**63, size, dtype=np.uint64))
        sketch = MinHash(
            num_perm=NUM_PERM,
            seed=1,
            hashfunc=lambda v: v,
            permutations=reference.permutations,
            scheme="affine32",
        )
        sketch.update_batch(grams.tolist())
        assert (sketch.hashvalues.astype("<u4") == signature(grams)).all()


def test_reading_stories_does_not_load_datasketch(tmp_path: Path) -> None:
    """A process that only reads stories (the web app) never imports datasketch or scipy."""
    with StoryIndex(tmp_path / "stories.sqlite") as index:
        index.assign_batch(ALL[:3])
    code = (
        "import sys\nfrom search.stories import StoryIndex\n"
        f"index = StoryIndex({str(tmp_path / 'stories.sqlite')!r})\n"
        "assert index.story(next(iter(index.assignments().values()))) is not None\n"
        "print(','.join(m for m in ('datasketch', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert out.stdout.strip() == ""


def test_a_storys_headline_is_the_title_the_others_echo() -> None:
    """Reuters' Gulf tanker story opened with a pay rise for troops; the story page names
    it by the title sharing most words with the rest, the oldest of equals."""
    from search.stories.headline import headline

    titles = [
        "U.S. TROOPS GET COST-OF-LIVING INCREASE",
        "U.S. PREPARED TO ESCORT KUWAITI TANKERS",
        "U.S. OFFERS TO ESCORT KUWAITI TANKERS IN GULF",
        "IRAN WARNS U.S. NOT TO INTERVENE IN THE GULF",
    ]
    assert headline(titles) == "U.S. OFFERS TO ESCORT KUWAITI TANKERS IN GULF"
    assert headline(["", "Quake hits Chile", "Rehab for star"]) == "Quake hits Chile"
    assert headline(["", ""]) == "" and headline([]) == ""
