"""Scorers: right, wrong, empty and tricky answers for each scorer, the registry, and the llm_judge verdict parsing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from evals.scorers import (
    EMPTY_ANSWER,
    ScoreResult,
    extract_choice,
    extract_json_object,
    extract_number,
    get_scorer,
    parse_verdict,
    score,
    scorer_names,
)


@dataclass(frozen=True)
class Item:
    """A minimal item satisfying the scorers' ItemLike protocol."""

    expected: Any
    fields: Mapping[str, Any] = field(default_factory=dict)
    prompt: str = "question"


CHOICES = ["A) billing", "B) cancel subscription", "C) technical problem", "D) refund"]
SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "total": {"type": "number"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
    "required": ["invoice_number", "date", "total", "currency"],
}
INVOICE = {"invoice_number": "INV-7", "date": "2024-03-14", "total": 1274.4, "currency": "USD"}

ITEMS: dict[str, Item] = {
    "exact": Item("Paris"),
    "numeric": Item(1234.5),
    "multiple_choice": Item("B", {"choices": CHOICES}),
    "json_schema": Item(INVOICE, {"schema": SCHEMA}),
    "contains": Item(["Leeds", r"\b140\b", "(?i)redundan"]),
    "regex": Item("2024-03-14", {"pattern": r"^\d{4}-\d{2}-\d{2}$"}),
}


def test_registry_lists_every_scorer_and_rejects_unknown_names() -> None:
    assert scorer_names() == sorted(
        ["exact", "numeric", "multiple_choice", "json_schema", "contains", "regex", "llm_judge"]
    )
    with pytest.raises(LookupError, match="known scorers: contains, exact"):
        get_scorer("fuzzy")


def test_score_result_is_frozen_and_bounded() -> None:
    result = ScoreResult(0.5, False, "half")
    with pytest.raises(AttributeError):
        result.score = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        ScoreResult(1.5, True, "too much")


@pytest.mark.parametrize("name", [*ITEMS, "llm_judge"])
@pytest.mark.parametrize("answer", ["", "   ", "\n\t"])
def test_every_scorer_gives_zero_for_an_empty_answer(name: str, answer: str) -> None:
    item = ITEMS.get(name, Item("reference"))
    result = score(name, answer, item, judge=lambda prompt: "SCORE: 5/5")
    assert result == ScoreResult(0.0, False, EMPTY_ANSWER)


@pytest.mark.parametrize(
    ("name", "answer", "expected_score"),
    [
        ("exact", "Paris", 1.0),
        ("exact", "  paris. ", 1.0),
        ("exact", "**Paris**", 1.0),
        ("exact", "The capital is Paris", 0.0),
        ("exact", "London", 0.0),
        ("numeric", "1234.5", 1.0),
        ("numeric", "$1,234.50", 1.0),
        ("numeric", "1.2345e3", 1.0),
        ("numeric", "The total comes to **1,234.50** dollars.", 1.0),
        ("numeric", "1234", 0.0),
        ("numeric", "no idea", 0.0),
        ("multiple_choice", "B", 1.0),
        ("multiple_choice", "(B)", 1.0),
        ("multiple_choice", "Answer: B", 1.0),
        ("multiple_choice", "The answer is b.", 1.0),
        ("multiple_choice", "**B) cancel subscription**", 1.0),
        ("multiple_choice", "cancel subscription", 1.0),
        ("multiple_choice", "C", 0.0),
        ("multiple_choice", "B or C", 0.0),
        ("multiple_choice", "The answer is B or C.", 0.0),
        ("multiple_choice", "E", 0.0),
        ("json_schema", json.dumps(INVOICE), 1.0),
        ("json_schema", "Here you go:\n```json\n" + json.dumps(INVOICE, indent=2) + "\n```\nAnything else?", 1.0),
        ("json_schema", "Sure! " + json.dumps(INVOICE) + " Hope that helps.", 1.0),
        ("json_schema", json.dumps({**INVOICE, "currency": "usd"}), 0.0),
        ("json_schema", json.dumps({**INVOICE, "date": "2024-02-30"}), 0.0),
        ("json_schema", json.dumps({k: v for k, v in INVOICE.items() if k != "total"}), 0.0),
        ("json_schema", "invoice INV-7 for 1274.40 USD", 0.0),
        ("contains", "Leeds is closing and 140 staff face redundancy.", 1.0),
        ("contains", "LEEDS closes; 140 jobs, REDUNDANCIES offered.", 1.0),
        ("contains", "Leeds is closing and 1400 staff are affected.", 1 / 3),
        ("contains", "A call centre is closing.", 0.0),
        ("regex", "2024-03-14", 1.0),
        ("regex", "14 March 2024", 0.0),
    ],
)
def test_scorers_on_right_wrong_and_tricky_answers(name: str, answer: str, expected_score: float) -> None:
    result = score(name, answer, ITEMS[name])
    assert result.score == pytest.approx(expected_score), result
    assert result.passed is (expected_score == 1.0)
    assert result.detail


def test_exact_accepts_alternatives_and_honours_case_sensitivity() -> None:
    assert score("exact", "ny", Item(["New York", "NY"])).passed
    assert not score("exact", "paris", Item("Paris", {"case_sensitive": True})).passed
    assert score("exact", "Paris", Item("Paris", {"case_sensitive": True})).passed


def test_json_schema_gives_partial_credit_for_valid_but_wrong_fields() -> None:
    result = score("json_schema", json.dumps({**INVOICE, "total": 99.0}), ITEMS["json_schema"])
    assert result.score == pytest.approx(0.75)
    assert not result.passed
    assert "total" in result.detail


def test_json_schema_compares_only_listed_keys_and_ignores_case_in_strings() -> None:
    item = Item({"invoice_number": "inv-7"}, {"schema": SCHEMA, "compare": ["invoice_number"]})
    assert score("json_schema", json.dumps({**INVOICE, "total": 1.0}), item).passed


@pytest.mark.parametrize(
    ("answer", "number"),
    [
        ("$1,234.50", 1234.5),
        ("1.2e3", 1200.0),
        ("-7", -7.0),
        ("answer: 42", 42.0),
        ("**42**", 42.0),
        ("The balance is -$53.", -53.0),
        ("3 boxes at 24.50 each, so 73.5", 73.5),
        ("Answer: 42. That is 6 times 7.", 42.0),
        ("I can't answer that without 3 more facts, but roughly 40", 40.0),
        ("The result is 5, times 2 gives 10", 5.0),
        ("12.5%", 12.5),
        ("−8", -8.0),
        ("nothing here", None),
    ],
)
def test_extract_number(answer: str, number: float | None) -> None:
    assert extract_number(answer) == number


def test_numeric_tolerances() -> None:
    assert score("numeric", "3.14", Item(3.14159, {"tolerance": 0.01})).passed
    assert not score("numeric", "3.1", Item(3.14159, {"tolerance": 0.01})).passed
    assert score("numeric", "1010", Item(1000, {"relative_tolerance": 0.02})).passed
    assert not score("numeric", "1030", Item(1000, {"relative_tolerance": 0.02})).passed
    assert score("numeric", "0.30000000000000004", Item(0.3)).passed


@pytest.mark.parametrize(
    ("answer", "letter"),
    [
        ("B", "B"),
        ("(B)", "B"),
        ("Answer: B", "B"),
        ("The answer is b.", "B"),
        ("A is correct because the customer asks about an invoice.", "A"),
        ("A customer asking this wants D.", "D"),
        ("I would pick C", "C"),
        ("B, C", None),
        ("Either A or B", None),
        ("none of these", None),
    ],
)
def test_extract_choice(answer: str, letter: str | None) -> None:
    assert extract_choice(answer, CHOICES)[0] == letter


def test_multiple_choice_with_bare_letter_choices() -> None:
    item = Item("c", {"choices": ["A", "B", "C", "D"]})
    assert score("multiple_choice", "Option C", item).passed
    assert not score("multiple_choice", "Option D", item).passed


def test_extract_json_object_prefers_fenced_block() -> None:
    answer = 'Note {not json}. ```json\n{"a": 1}\n``` and then {"b": 2}'
    assert extract_json_object(answer) == {"a": 1}
    assert extract_json_object("no object here [1, 2]") is None


def test_contains_accepts_a_single_string() -> None:
    assert score("contains", "refund issued", Item("Refund")).passed


@pytest.mark.parametrize(
    ("reply", "expected_score", "passed"),
    [
        ("The answer matches the reference.\nSCORE: 4/5", 0.8, True),
        ("Reason: incomplete.\n**Score:** 2 / 5", 0.4, False),
        ("SCORE: 5 out of 5", 1.0, True),
        ("Score: 3", 0.6, False),
        ("PASS", 1.0, True),
        ("Verdict: fail", 0.0, False),
        ("It mostly works... FAIL", 0.0, False),
    ],
)
def test_llm_judge_parses_verdicts(reply: str, expected_score: float, passed: bool) -> None:
    prompts: list[str] = []

    def judge(prompt: str) -> str:
        prompts.append(prompt)
        return reply

    item = Item("Paris is the capital of France.", {"rubric": "Names the right city."}, prompt="Capital of France?")
    result = score("llm_judge", "It's Paris.", item, judge=judge)
    assert result.score == pytest.approx(expected_score)
    assert result.passed is passed
    assert len(prompts) == 1
    for part in ("Names the right city.", "Capital of France?", "Paris is the capital of France.", "It's Paris."):
        assert part in prompts[0]


@pytest.mark.parametrize("reply", ["I think it is quite good overall.", "", "SCORE: 7/5", "SCORE: 9"])
def test_llm_judge_unparseable_reply_scores_zero_without_raising(reply: str) -> None:
    result = score("llm_judge", "It's Paris.", Item("Paris"), judge=lambda prompt: reply)
    assert result.score == 0.0
    assert not result.passed
    assert "judge" in result.detail


def test_llm_judge_honours_pass_threshold_and_requires_a_judge() -> None:
    item = Item("Paris", {"pass_threshold": 0.5})
    assert score("llm_judge", "Paris", item, judge=lambda prompt: "SCORE: 3/5").passed
    with pytest.raises(ValueError, match="judge"):
        score("llm_judge", "Paris", item)


def test_parse_verdict_takes_the_last_score() -> None:
    assert parse_verdict("An answer like SCORE: 1/5 would be wrong; this one earns SCORE: 5/5")[0] == 1.0
    assert parse_verdict("garbage")[0] is None


@pytest.mark.parametrize(
    ("answer", "letter"),
    [
        ("The intent is a refund request (D).", "D"),
        ("The answer is a: billing", "A"),
        ("Answer - (a)", "A"),
        ("I think the answer is C, not B.", "C"),
    ],
)
def test_extract_choice_does_not_mistake_articles_for_letters(answer: str, letter: str | None) -> None:
    assert extract_choice(answer, CHOICES)[0] == letter
