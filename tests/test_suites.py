"""Suites: the shipped suites load and grade their own references as correct; malformed files name every bad line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.scorers import get_scorer, scorer_names
from evals.suites import (
    Suite,
    SuiteError,
    SuiteItem,
    bootstrap_interval,
    list_suites,
    load_suite,
    load_suite_file,
    parse_suite,
    wilson_interval,
)

SHIPPED = ["arithmetic", "extraction", "intent", "summary_facts"]
HEADER = {"suite": "demo", "scorer": "exact", "description": "d", "version": 1, "max_output_tokens": 8}


def suite_text(header: dict[str, Any] | str | None, *lines: dict[str, Any] | str) -> str:
    """A suite file from a header and item lines; strings are written verbatim."""
    rows = [] if header is None else [header]
    return "\n".join(row if isinstance(row, str) else json.dumps(row) for row in [*rows, *lines]) + "\n"


def problems_of(text: str, file_name: str = "mine.jsonl") -> tuple[str, ...]:
    """The problems parse_suite reports for text."""
    with pytest.raises(SuiteError) as caught:
        parse_suite(text, file_name)
    assert str(caught.value).startswith(f"{file_name}: ")
    return caught.value.problems


def reference_answer(suite: Suite, item: SuiteItem) -> str:
    """The answer that must score 1.0 for an item: its own expected value in the form the scorer reads."""
    if suite.scorer == "json_schema":
        return json.dumps(item.expected)
    if suite.scorer == "contains":
        return str(item.fields["reference_summary"])
    return str(item.expected)


def test_list_suites_names_the_shipped_suites() -> None:
    assert list_suites() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_suite_loads_with_30_to_50_unique_items(name: str) -> None:
    suite = load_suite(name)
    assert suite.name == name
    assert suite.scorer in scorer_names()
    assert 30 <= len(suite.items) <= 50
    assert len({item.id for item in suite.items}) == len(suite.items)
    assert suite.description and suite.system_prompt
    assert 1 <= suite.max_output_tokens <= 256


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_item_scores_full_marks_on_its_own_reference(name: str) -> None:
    suite = load_suite(name)
    scorer = get_scorer(suite.scorer)
    for item in suite.items:
        result = scorer.score(reference_answer(suite, item), item)
        assert result.score == 1.0 and result.passed, (item.id, result)


def test_shipped_contains_items_all_have_reference_summaries() -> None:
    suite = load_suite("summary_facts")
    for item in suite.items:
        assert 2 <= len(item.expected) <= 4, item.id
        assert isinstance(item.fields.get("reference_summary"), str), item.id


def test_shipped_intent_items_list_their_choices_in_the_prompt() -> None:
    for item in load_suite("intent").items:
        assert 4 <= len(item.fields["choices"]) <= 6
        for choice in item.fields["choices"]:
            assert choice in item.prompt, item.id


def test_shipped_arithmetic_wrong_answers_fail() -> None:
    suite = load_suite("arithmetic")
    scorer = get_scorer(suite.scorer)
    for item in suite.items:
        assert not scorer.score(str(float(item.expected) + 1), item).passed, item.id


def test_unknown_suite_lists_known_ones() -> None:
    with pytest.raises(LookupError, match="known suites: arithmetic, extraction, intent, summary_facts"):
        load_suite("trivia")


def test_load_suite_file_reads_an_uploaded_file(tmp_path: Path) -> None:
    path = tmp_path / "upload.jsonl"
    path.write_text(suite_text(HEADER, {"id": "q1", "prompt": "Say hi", "expected": "hi"}), encoding="utf-8")
    suite = load_suite_file(path)
    assert suite == Suite("demo", "exact", "d", 1, "", 8, suite.items)
    assert suite.items[0].id == "q1" and suite.items[0].line == 2


def test_load_suite_file_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SuiteError, match="latin.jsonl, line 1: not UTF-8"):
        load_suite_file(path)


def test_scorer_fields_are_kept_and_read_only() -> None:
    header = {**HEADER, "scorer": "numeric"}
    suite = parse_suite(suite_text(header, {"id": 1, "prompt": "p", "expected": 2, "tolerance": 0.5}), "x.jsonl")
    item = suite.items[0]
    assert item.id == "1" and item.fields == {"tolerance": 0.5}
    with pytest.raises(TypeError):
        item.fields["tolerance"] = 1  # type: ignore[index]


def test_blank_lines_and_a_byte_order_mark_are_tolerated() -> None:
    text = "\ufeff" + suite_text(HEADER, "", {"id": "a", "prompt": "p", "expected": "x"}, "   ")
    assert len(parse_suite(text, "x.jsonl").items) == 1


def test_every_problem_is_reported_with_its_line_number() -> None:
    text = suite_text(
        HEADER,
        {"id": "a", "prompt": "p", "expected": "x"},
        '{"id": "b", "prompt": "p" "expected": "x"}',
        {"prompt": "p", "expected": "x"},
        {"id": "a", "prompt": "p", "expected": "y"},
        "[1, 2]",
        {"id": "c", "expected": "x"},
        {"id": "d", "prompt": "p"},
        '{"id": "e", "id": "f", "prompt": "p", "expected": "x"}',
    )
    problems = problems_of(text)
    assert problems == (
        "mine.jsonl, line 3: invalid JSON: Expecting ',' delimiter (column 27)",
        'mine.jsonl, line 4: missing "id"',
        "mine.jsonl, line 5: duplicate id 'a' (first on line 2)",
        "mine.jsonl, line 6: item must be a JSON object, got list",
        'mine.jsonl, line 7: missing "prompt"',
        'mine.jsonl, line 8: missing "expected"',
        "mine.jsonl, line 9: invalid JSON: key 'id' appears twice",
    )


def test_missing_header_is_reported_and_items_still_checked() -> None:
    problems = problems_of(suite_text(None, {"id": "a", "prompt": "p", "expected": "x"}, {"id": "a", "prompt": "p"}))
    assert problems[0].startswith("mine.jsonl, line 1: missing header")
    assert "mine.jsonl, line 2: duplicate id 'a' (first on line 1)" in problems
    assert 'mine.jsonl, line 2: missing "expected"' in problems


def test_bad_header_fields_are_reported() -> None:
    header = {"suite": "", "scorer": "fuzzy", "version": 0, "max_output_tokens": "many", "temperature": 0}
    problems = problems_of(suite_text(header, {"id": "a", "prompt": "p", "expected": "x"}))
    assert all(problem.startswith("mine.jsonl, line 1: header:") for problem in problems)
    text = "\n".join(problems)
    assert '"suite" must be a non-empty string' in text
    assert "unknown scorer 'fuzzy'; known scorers: contains, exact, json_schema, llm_judge" in text
    assert '"version" must be a positive integer' in text
    assert '"max_output_tokens" must be a positive integer' in text
    assert "unknown fields temperature" in text


def test_header_that_is_not_json_is_reported() -> None:
    assert problems_of("{suite: demo}\n") == (
        "mine.jsonl, line 1: header: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        "mine.jsonl, line 1: empty suite: no items after the header",
    )


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_empty_file_is_rejected(text: str) -> None:
    assert problems_of(text) == ("mine.jsonl, line 1: empty suite: no header and no items",)


def test_header_without_items_is_an_empty_suite() -> None:
    assert problems_of(suite_text(HEADER)) == ("mine.jsonl, line 1: empty suite: no items after the header",)


def test_json_schema_items_need_a_valid_schema_and_matching_expected() -> None:
    header = {**HEADER, "scorer": "json_schema"}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    problems = problems_of(
        suite_text(
            header,
            {"id": "ok", "prompt": "p", "expected": {"n": 1}, "schema": schema},
            {"id": "no-schema", "prompt": "p", "expected": {"n": 1}},
            {"id": "bad-schema", "prompt": "p", "expected": {"n": 1}, "schema": {"type": "objekt"}},
            {"id": "bad-expected", "prompt": "p", "expected": {"n": "one"}, "schema": schema},
            {"id": "not-object", "prompt": "p", "expected": 1, "schema": schema},
            {"id": "bad-compare", "prompt": "p", "expected": {"n": 1}, "schema": schema, "compare": ["m"]},
        )
    )
    assert problems[0] == "mine.jsonl, line 3: json_schema: item has no schema"
    assert problems[1].startswith("mine.jsonl, line 4: json_schema: invalid schema:")
    assert problems[2].startswith("mine.jsonl, line 5: json_schema: expected does not satisfy the schema")
    assert problems[3] == "mine.jsonl, line 6: json_schema: expected must be a JSON object of field values"
    assert problems[4] == "mine.jsonl, line 7: json_schema: compare names 'm' but expected has no such field"
    assert len(problems) == 5


def test_multiple_choice_expected_must_be_among_choices() -> None:
    header = {**HEADER, "scorer": "multiple_choice"}
    problems = problems_of(
        suite_text(
            header,
            {"id": "ok", "prompt": "p", "expected": "b", "choices": ["A) x", "B) y"]},
            {"id": "by-text", "prompt": "p", "expected": "y", "choices": ["A) x", "B) y"]},
            {"id": "bad", "prompt": "p", "expected": "E", "choices": ["A) x", "B) y", "C) z", "D) w"]},
            {"id": "none", "prompt": "p", "expected": "A"},
            {"id": "dupe", "prompt": "p", "expected": "A", "choices": ["A) x", "A) y"]},
        )
    )
    assert problems == (
        "mine.jsonl, line 4: multiple_choice: expected 'E' is not among choices A, B, C, D",
        "mine.jsonl, line 5: multiple_choice: choices must be a list of 2 to 26 options",
        "mine.jsonl, line 6: multiple_choice: choice labels repeat: A, A",
    )


def test_other_scorer_field_checks() -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("numeric", {"expected": "lots"}, "numeric: expected must be a number"),
        ("numeric", {"expected": 3, "tolerance": -1}, "numeric: tolerance must be a non-negative number"),
        ("regex", {"expected": "x"}, "regex: item has no pattern"),
        ("regex", {"expected": "x", "pattern": "("}, "regex: pattern does not compile"),
        ("regex", {"expected": "abc", "pattern": "^z"}, "regex: pattern does not match the item's expected example"),
        ("contains", {"expected": []}, "contains: expected must be a non-empty string"),
        ("contains", {"expected": ["Leeds"], "reference_summary": "Derby"}, "reference_summary lacks facts: 'Leeds'"),
        ("exact", {"expected": {"a": 1}}, "exact: expected must be a string"),
        ("llm_judge", {"expected": "x", "pass_threshold": 2}, "llm_judge: pass_threshold must be a number in 0..1"),
    ]
    for scorer, fields, message in cases:
        problems = problems_of(suite_text({**HEADER, "scorer": scorer}, {"id": "a", "prompt": "p", **fields}))
        assert len(problems) == 1 and problems[0].startswith("mine.jsonl, line 2: ") and message in problems[0], (
            scorer,
            problems,
        )


def test_suite_error_lists_every_problem_in_its_message() -> None:
    text = suite_text(HEADER, "nope", "also nope")
    with pytest.raises(SuiteError) as caught:
        parse_suite(text, "two.jsonl")
    message = str(caught.value)
    assert message.startswith("two.jsonl: 2 problems\n")
    assert "two.jsonl, line 2: invalid JSON" in message and "two.jsonl, line 3: invalid JSON" in message


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(8, 10, 0.490, 0.943), (0, 10, 0.0, 0.278), (10, 10, 0.722, 1.0), (50, 100, 0.404, 0.596)],
)
def test_wilson_interval_known_values(successes: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, n)
    assert interval == pytest.approx((low, high), abs=1e-3)
    assert 0.0 <= interval[0] <= successes / n <= interval[1] <= 1.0


def test_wilson_interval_edges_and_confidence() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    narrow, wide = wilson_interval(8, 10, 0.8), wilson_interval(8, 10, 0.99)
    assert wide[0] < narrow[0] and narrow[1] < wide[1]
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(1, 10, confidence=1.0)


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible() -> None:
    scores = [1.0, 0.5, 0.0, 1.0, 0.75, 1.0, 0.25, 1.0, 0.5, 1.0]
    low, high = bootstrap_interval(scores)
    assert 0.0 <= low < sum(scores) / len(scores) < high <= 1.0
    assert bootstrap_interval(scores) == (low, high)
    assert bootstrap_interval(scores, seed=1) != (low, high)


def test_bootstrap_interval_degenerate_inputs() -> None:
    assert bootstrap_interval([]) == (0.0, 1.0)
    assert bootstrap_interval([0.7]) == (0.0, 1.0)
    assert bootstrap_interval([0.5, 0.5, 0.5]) == (0.5, 0.5)
    assert bootstrap_interval([1.0] * 10) == wilson_interval(10, 10)
    assert bootstrap_interval([0.0] * 10) == wilson_interval(0, 10)
    with pytest.raises(ValueError):
        bootstrap_interval([0.5, float("nan")])
