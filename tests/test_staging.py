"""A full build's staged articles: counted as the actor facet counts, read back in order."""

from __future__ import annotations

from pathlib import Path

from search.models import Article, Entities
from search.staging import StagedArticles


def article(n: int) -> Article:
    return Article(id=f"a{n}", key=f"k{n}", title=f"Title {n}", body=f"Body {n}.")


def test_staged_articles_are_counted_as_the_facet_counts_them(tmp_path: Path) -> None:
    staged = StagedArticles(tmp_path)
    names = [("DuPont", "DuPont", "IBM"), ("DuPont",), ("Dupont", "IBM"), ()]
    for n, actors in enumerate(names):
        staged.add(article(n), Entities(), actors)
    # One value per casefolded name, counted once per article, shown in the spelling most
    # articles hold; ties by spelling.
    assert staged.actor_counts() == {"DuPont": 3, "IBM": 2}
    assert [a.id for a, _ in staged] == ["a0", "a1", "a2", "a3"]
    assert [a.id for a, _ in staged] == ["a0", "a1", "a2", "a3"]  # read again from the start
    assert len(staged) == 4
    staged.close()
    assert list(tmp_path.iterdir()) == []  # the file has no name: nothing left behind


def test_a_tie_is_shown_in_the_first_spelling_by_value(tmp_path: Path) -> None:
    staged = StagedArticles(tmp_path)
    staged.add(article(0), Entities(), ("Dupont",))
    staged.add(article(1), Entities(), ("DuPont",))
    assert staged.actor_counts() == {"DuPont": 2}
    staged.close()


def test_kinds_count_articles_per_kind_by_casefolded_name(tmp_path: Path) -> None:
    staged = StagedArticles(tmp_path)
    staged.add(article(0), Entities(), ("Santos", "Pele"), ("org", "person"))
    staged.add(article(1), Entities(), ("SANTOS",), ("org",))
    assert staged.kinds("Santos") == {"org": 2}
    assert staged.kinds("Pele") == {"person": 1} and staged.kinds("Nobody") == {}
    staged.close()
