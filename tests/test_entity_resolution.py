"""Cross-document actor resolution on AIDA CoNLL-YAGO dev, and the Reuters review file.

The slow gate indexes the 216 CoNLL dev documents together (``benchmarks/eval_resolution``)
and pins floors a little under the figures recorded in docs/entities.md; raise them when
resolution improves. The B-cubed and label-file tests are fast and need no corpus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.eval_resolution import (
    REVIEW_FILE,
    REVIEW_TOP,
    bcubed,
    evaluate_resolution,
    iob1_spans,
    read_labels,
)

# Measured on dev (overlap rule, extraction 2026-12-03.18): B-cubed F1 0.956, found 0.940, junk
# 0.040 (2026-12-03.17: the same; 2026-12-03.16: 0.956, 0.940, 0.043; 2026-12-02.15: 0.956,
# 0.940, 0.044; 2026-12-02.14: 0.946, 0.935, 0.044; 2026-12-02.13: 0.930, 0.907, 0.044;
# 2026-12-02.9: 0.913, 0.882, 0.045; 2026-12-02.8: 0.906, 0.859; 2026-12-02.7: 0.901, 0.850,
# 0.045; 2026-12-02.6: 0.877, 0.746, 0.050; 2026-12-02.3: 0.865, 0.723, 0.050; 2026-11-30.3:
# 0.863, 0.718, 0.052; 2026-11-30.2: 0.858, 0.710, 0.071; bff86f3: 0.850, 0.712, 0.088; the
# baseline 8adfade: 0.847, 0.708, 0.095).
BCUBED_F1_FLOOR = 0.945
FOUND_FLOOR = 0.93
JUNK_CEILING = 0.045


@pytest.fixture(scope="module")
def dev(corpora: Path) -> dict[str, Any]:
    for needed in ("conll2003/eng.testa", "aida/AIDA-YAGO2-annotations.train-testa.tsv"):
        if not (corpora / needed).is_file():
            pytest.skip(f"{corpora / needed} not found: AIDA resolution needs it")
    return evaluate_resolution("dev", corpora)


@pytest.mark.slow
def test_aida_dev_bcubed_f1(dev: dict[str, Any]) -> None:
    assert dev["overlap"]["f1"] >= BCUBED_F1_FLOOR, dev["overlap"]


@pytest.mark.slow
def test_aida_dev_found(dev: dict[str, Any]) -> None:
    assert dev["overlap"]["mentions"] == 2322  # 1,321 PER + 1,001 ORG linked (SOURCE.md)
    assert dev["overlap"]["found"] >= FOUND_FLOOR, dev["overlap"]


@pytest.mark.slow
def test_aida_dev_junk(dev: dict[str, Any]) -> None:
    assert dev["overlap"]["junk"] <= JUNK_CEILING, dev["overlap"]


def test_bcubed_hand_example() -> None:
    # Gold: a a a b b. Predicted: {1 2} {3 4} and item 5 not found (a singleton).
    # Precision per item: 1, 1, 1/2, 1/2, 1 -> 4/5. Recall: 2/3, 2/3, 1/3, 1/2, 1/2 -> 8/15.
    result = bcubed(["a", "a", "a", "b", "b"], ["X", "X", "Y", "Y", None])
    assert result["precision"] == pytest.approx(0.8)
    assert result["recall"] == pytest.approx(round(8 / 15, 4))
    f1 = 2 * 0.8 * (8 / 15) / (0.8 + 8 / 15)
    assert result["f1"] == pytest.approx(round(f1, 4))


def test_bcubed_perfect_and_all_missed() -> None:
    assert bcubed(["a", "a", "b"], ["n", "n", "m"])["f1"] == 1.0
    # Nothing found: every item alone, so precision is perfect and recall is 1/|entity|.
    missed = bcubed(["a", "a", "b"], [None, None, None])
    assert missed["precision"] == 1.0
    assert missed["recall"] == pytest.approx(round((0.5 + 0.5 + 1) / 3, 4))


def test_iob1_spans() -> None:
    tags = ["I-PER", "I-PER", "O", "I-ORG", "B-ORG", "I-ORG", "I-LOC"]
    assert iob1_spans(tags) == [(0, 2, "PER"), (3, 4, "ORG"), (4, 6, "ORG"), (6, 7, "LOC")]
    # A sentence start ends a span, as read_conll has it.
    assert iob1_spans(["I-PER", "I-PER"], {1}) == [(0, 1, "PER"), (1, 2, "PER")]


def test_review_labels_valid() -> None:
    labels = read_labels(REVIEW_FILE)  # raises on a malformed row
    assert len(labels) >= REVIEW_TOP
    for row in labels.values():
        assert row.note or row.label == "ok", f"{row.value}: say why it is {row.label}"


def test_review_labels_reject_bad_rows(tmp_path: Path) -> None:
    header = "value\tcount\tlabel\tcanonical\tnote\n"
    bad_rows = [
        "GM\t71\tdup\t\tno canonical\n",
        "GM\t71\tdup\tGeneral Motors Corp\tcanonical not in the file\n",
        "Reuters\t882\tmaybe\t\tunknown label\n",
        "Reuters\tmany\tjunk\t\tcount not a number\n",
        "Reuters\t882\tjunk\n",
    ]
    for row in bad_rows:
        path = tmp_path / "labels.tsv"
        path.write_text(header + row, encoding="utf-8")
        with pytest.raises(ValueError):
            read_labels(path)
