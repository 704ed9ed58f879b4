"""Quality gates for entity extraction on the shared dev corpora (never a test split).

Floors are pinned a little under the figures measured by ``benchmarks/eval_entities.py``
(recorded with their commands in docs/entities.md); raise them when extraction improves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.eval_entities import (
    evaluate_actors_plaintext,
    evaluate_conll,
    evaluate_countries,
    evaluate_countries_plaintext,
    evaluate_pubdates,
    plaintext_sample,
    reuters_sample,
)
from search.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

# Measured (extraction 2026-12-03.16): prose PER F1 0.920, ORG F1 0.789; all sentences PER 0.909,
# ORG 0.820 (2026-12-02.15: 0.920, 0.788, 0.909, 0.819; 2026-12-02.14: 0.920, 0.779, 0.909, 0.812;
# 2026-12-02.13: 0.912, 0.752, 0.901, 0.794; 2026-12-02.9: 0.902, 0.741, 0.890, 0.781;
# 2026-12-02.8: ORG 0.750; 2026-12-02.7: 0.902, 0.726, 0.890, 0.739; 2026-12-02.6: 0.902, 0.721,
# 0.887, 0.570; 2026-12-02.4: 0.894, 0.717, 0.874, 0.557; 2026-12-01.5: 0.863, 0.677, 0.845, 0.527).
CONLL_FLOORS = {
    ("prose", "PER"): 0.91,
    ("prose", "ORG"): 0.78,
    ("all", "PER"): 0.90,
    ("all", "ORG"): 0.81,
}
# Measured on the fixed 2,000-article TRAIN sample (SU/YU/CS/DD for 1987), salient
# countries only: P 0.859, R 0.958; the same as plain-text files with a date sidecar:
# P 0.861, R 0.957 (2026-12-03.19; 0.858, 0.955 before); dates 1.000.
COUNTRY_PRECISION = 0.85
COUNTRY_RECALL = 0.95
PLAINTEXT_COUNTRY_PRECISION = 0.85
PLAINTEXT_COUNTRY_RECALL = 0.95
PUBDATE_ACCURACY = 0.99
# Actor names of the plain-text files against the .sgm reading of the same stories (2026-12-03.19):
# F1 0.961 (P 0.965, R 0.958); 0.735 before wrapped lines were joined and the body's
# dateline hidden from NER (names cut at the wrap, "March 30 - Tenneco Inc" not found).
PLAINTEXT_ACTOR_F1 = 0.95
# The machine is shared: gate what extraction adds on top of spaCy's NER, plus a loose
# absolute floor; NER alone ran at ~12k words/s on an idle core here (docs/entities.md).
SPEED_SHARE_OF_NER = 0.75
SPEED_FLOOR = 3000
PEAK_RSS_MB = 1024


@pytest.fixture(scope="module")
def conll(corpora: Path) -> dict[str, Any]:
    path = corpora / "conll2003" / "eng.testa"
    if not path.is_file():
        pytest.skip(f"CoNLL-2003 dev split not found at {path}")
    return evaluate_conll(path)


@pytest.fixture(scope="module")
def sample(corpora: Path) -> list[Any]:
    if not (corpora / "reuters21578" / "reut2-000.sgm").is_file():
        pytest.skip(f"Reuters-21578 not found under {corpora}")
    return reuters_sample()


@pytest.mark.parametrize(("subset", "kind"), sorted(CONLL_FLOORS))
def test_conll_actor_f1(conll: dict[str, Any], subset: str, kind: str) -> None:
    result = conll[subset][kind]
    assert result["f1"] >= CONLL_FLOORS[(subset, kind)], result


def test_reuters_countries(sample: list[Any]) -> None:
    result = evaluate_countries(sample)
    assert result["precision"] >= COUNTRY_PRECISION, result
    assert result["recall"] >= COUNTRY_RECALL, result


@pytest.fixture(scope="module")
def plain(sample: list[Any]) -> list[Any]:
    return plaintext_sample()


def test_reuters_countries_plaintext(plain: list[Any]) -> None:
    result = evaluate_countries_plaintext(plain)
    assert result["precision"] >= PLAINTEXT_COUNTRY_PRECISION, result
    assert result["recall"] >= PLAINTEXT_COUNTRY_RECALL, result


def test_reuters_actors_plaintext(sample: list[Any], plain: list[Any]) -> None:
    result = evaluate_actors_plaintext(sample, plain)
    assert result["f1"] >= PLAINTEXT_ACTOR_F1, result


def test_reuters_publication_dates(sample: list[Any]) -> None:
    result = evaluate_pubdates(sample)
    assert result["accuracy"] >= PUBDATE_ACCURACY, result


def test_throughput_and_memory(sample: list[Any]) -> None:
    """Timed in a fresh process, as a NER worker runs: after the suite's other tests this
    one's spaCy and caches have seen thousands of texts, and in CI the share of NER came
    out at 0.70-0.71 there (0.81-1.0 in a fresh process, same code)."""
    code = (
        "import json; from benchmarks.eval_entities import evaluate_speed; "
        "print(json.dumps(evaluate_speed(limit=500)))"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["words_per_s"] >= SPEED_SHARE_OF_NER * result["ner_words_per_s"], result
    assert result["words_per_s"] >= SPEED_FLOOR, result
    assert result["peak_rss_mb"] < PEAK_RSS_MB, result
