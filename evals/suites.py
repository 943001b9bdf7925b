"""Eval suites: the JSONL file format, its validation, the registry of shipped suites, and confidence intervals.

A suite file's first line is a header object naming the suite and its scorer; every later non-empty line is one item.
``parse_suite`` checks the whole file and raises one ``SuiteError`` listing every problem as "file, line N: message",
so a user who uploads a suite sees all mistakes at once. Scoring itself lives in ``evals.scorers``; running prompts
against models lives elsewhere. No Streamlit, no network, no litellm.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import stats

from evals.scorers import get_scorer, scorer_names
from pricing.limits import MAX_JSON_KEYS, MAX_JSON_LINE_BYTES, MAX_SUITE_MIB, InputError, LimitError, check_size

SUITES_DIR = Path(__file__).resolve().parent / "suites"
SUITE_SUFFIX = ".jsonl"
DEFAULT_MAX_OUTPUT_TOKENS = 256
HEADER_FIELDS = ("suite", "scorer", "description", "version", "system_prompt", "max_output_tokens")
ITEM_CORE_FIELDS = ("id", "prompt", "expected")


class SuiteError(InputError):
    """A suite file that cannot be used; ``problems`` holds every "file, line N: message"."""

    def __init__(self, file_name: str, problems: Sequence[str]) -> None:
        """Build the message from all problems."""
        self.file_name = file_name
        self.problems = tuple(problems)
        count = len(self.problems)
        super().__init__(f"{file_name}: {count} problem{'s' if count != 1 else ''}\n" + "\n".join(self.problems))


@dataclass(frozen=True)
class SuiteItem:
    """One eval item: its id, the prompt sent to the model, the expected answer, and scorer-specific fields."""

    id: str
    prompt: str
    expected: Any
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    line: int = 0


@dataclass(frozen=True)
class Suite:
    """A named, versioned set of items graded by one scorer."""

    name: str
    scorer: str
    description: str
    version: int
    system_prompt: str
    max_output_tokens: int
    items: tuple[SuiteItem, ...]

    def __len__(self) -> int:
        """Number of items."""
        return len(self.items)


class _DuplicateKeyError(ValueError):
    """Raised by the JSON object hook when a line repeats a key (json would silently keep the last)."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object hook that rejects repeated keys."""
    if len(pairs) > MAX_JSON_KEYS:
        raise _DuplicateKeyError(
            f"an object with {len(pairs):,} fields; a suite's objects have at most {MAX_JSON_KEYS}"
        )
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"key {key!r} appears twice")
        result[key] = value
    return result


def _parse_line(raw: str) -> tuple[Any, str | None]:
    """The JSON value on one line, or None with the error (message and column)."""
    if len(raw) > MAX_JSON_LINE_BYTES:  # characters, at most as many as bytes; a cheap bound before parsing
        return None, (
            f"the line is longer than {MAX_JSON_LINE_BYTES // 2**20} MiB ({len(raw):,} characters); one item is one "
            "line of JSON: check the file is JSON lines, not one long line"
        )
    try:
        return json.loads(raw, object_pairs_hook=_no_duplicate_keys), None
    except RecursionError:
        return None, "invalid JSON: arrays or objects nested hundreds deep; an item is a flat object"
    except _DuplicateKeyError as error:
        return None, f"invalid JSON: {error}"
    except json.JSONDecodeError as error:
        return None, f"invalid JSON: {error.msg} (column {error.colno})"


def _is_int(value: Any) -> bool:
    """True for int but not bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _header_problems(header: dict[str, Any]) -> list[str]:
    """What is wrong with a header object."""
    problems = []
    name = header.get("suite")
    if not isinstance(name, str) or not name.strip():
        problems.append('header: "suite" must be a non-empty string')
    scorer = header.get("scorer")
    if not isinstance(scorer, str) or not scorer:
        problems.append(f'header: "scorer" is required; known scorers: {", ".join(scorer_names())}')
    elif scorer not in scorer_names():
        problems.append(f"header: unknown scorer {scorer!r}; known scorers: {', '.join(scorer_names())}")
    for key in ("description", "system_prompt"):
        if key in header and not isinstance(header[key], str):
            problems.append(f'header: "{key}" must be a string')
    version = header.get("version", 1)
    if not _is_int(version) or version < 1:
        problems.append(f'header: "version" must be a positive integer, got {version!r}')
    tokens = header.get("max_output_tokens", DEFAULT_MAX_OUTPUT_TOKENS)
    if not _is_int(tokens) or tokens < 1:
        problems.append(f'header: "max_output_tokens" must be a positive integer, got {tokens!r}')
    unknown = sorted(set(header) - set(HEADER_FIELDS))
    if unknown:
        problems.append(f"header: unknown fields {', '.join(unknown)}; allowed: {', '.join(HEADER_FIELDS)}")
    return problems


def _item_problems(raw: dict[str, Any]) -> list[str]:
    """What is wrong with an item's id, prompt and expected."""
    problems = []
    item_id = raw.get("id")
    if "id" not in raw:
        problems.append('missing "id"')
    elif not (isinstance(item_id, str) and item_id.strip()) and not _is_int(item_id):
        problems.append('"id" must be a non-empty string')
    if "prompt" not in raw:
        problems.append('missing "prompt"')
    elif not isinstance(raw["prompt"], str) or not raw["prompt"].strip():
        problems.append('"prompt" must be a non-empty string')
    if "expected" not in raw or raw["expected"] is None:
        problems.append('missing "expected"')
    return problems


def parse_suite(text: str, file_name: str) -> Suite:
    """Parse and validate a whole suite file; raise SuiteError listing every problem with its line number."""
    problems: list[str] = []

    def report(line: int, message: str) -> None:
        """Record one problem."""
        problems.append(f"{file_name}, line {line}: {message}")

    lines = [(number, raw) for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1) if raw.strip()]
    if not lines:
        raise SuiteError(file_name, [f"{file_name}, line 1: empty suite: no header and no items"])

    header_line, header_raw = lines[0]
    header, error = _parse_line(header_raw)
    item_lines = lines[1:]
    if error is not None:
        report(header_line, f"header: {error}")
        header = {}
    elif not isinstance(header, dict):
        report(header_line, "header: must be a JSON object")
        header = {}
    elif "suite" not in header and "scorer" not in header:
        report(header_line, 'missing header: the first line must be {"suite": "<name>", "scorer": "<scorer>", ...}')
        # The first line is probably an item; still check it so its own mistakes are reported too.
        item_lines = lines
        header = {}
    else:
        for message in _header_problems(header):
            report(header_line, message)

    scorer_name = header.get("scorer")
    scorer = get_scorer(scorer_name) if isinstance(scorer_name, str) and scorer_name in scorer_names() else None

    items: list[SuiteItem] = []
    first_seen: dict[str, int] = {}
    for number, raw_line in item_lines:
        raw, error = _parse_line(raw_line)
        if error is not None:
            report(number, error)
            continue
        if not isinstance(raw, dict):
            report(number, f"item must be a JSON object, got {type(raw).__name__}")
            continue
        basic = _item_problems(raw)
        for message in basic:
            report(number, message)
        item_id = raw.get("id")
        if isinstance(item_id, str | int) and not isinstance(item_id, bool) and str(item_id).strip():
            key = str(item_id).strip()
            if key in first_seen:
                report(number, f"duplicate id {key!r} (first on line {first_seen[key]})")
            else:
                first_seen[key] = number
        if basic:
            continue
        extra = {key: value for key, value in raw.items() if key not in ITEM_CORE_FIELDS}
        item = SuiteItem(str(raw["id"]).strip(), raw["prompt"], raw["expected"], MappingProxyType(extra), number)
        if scorer is not None:
            for message in scorer.check(item):
                report(number, message)
        items.append(item)

    if not item_lines:
        report(header_line, "empty suite: no items after the header")
    if problems:
        raise SuiteError(file_name, problems)
    return Suite(
        name=str(header["suite"]).strip(),
        scorer=str(header["scorer"]),
        description=header.get("description", ""),
        version=header.get("version", 1),
        system_prompt=header.get("system_prompt", ""),
        max_output_tokens=header.get("max_output_tokens", DEFAULT_MAX_OUTPUT_TOKENS),
        items=tuple(items),
    )


def read_suite(content: bytes, file_name: str) -> Suite:
    """Parse an uploaded suite file's bytes (UTF-8); SuiteError says what is wrong, also for a file too big."""
    try:
        check_size(len(content), file_name, MAX_SUITE_MIB, "Split it into several suites.")
    except LimitError as exc:
        raise SuiteError(file_name, [f"{file_name}: {exc.limit.message}"]) from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        raise SuiteError(
            file_name, [f"{file_name}, line {line}: not UTF-8 text ({error.reason}); save the file as UTF-8"]
        ) from None
    return parse_suite(text, file_name)


def load_suite_file(path: str | Path) -> Suite:
    """Parse a suite file from disk (UTF-8)."""
    path = Path(path)
    try:
        check_size(path.stat().st_size, path.name, MAX_SUITE_MIB, "Split it into several suites.")
    except LimitError as exc:
        raise SuiteError(path.name, [f"{path.name}: {exc.limit.message}"]) from None
    return read_suite(path.read_bytes(), path.name)


def list_suites() -> list[str]:
    """Names of the shipped suites (file names without .jsonl), sorted."""
    return sorted(path.name.removesuffix(SUITE_SUFFIX) for path in SUITES_DIR.glob(f"*{SUITE_SUFFIX}"))


def load_suite(name: str) -> Suite:
    """A shipped suite by name; an unknown name raises LookupError listing the known ones."""
    if name not in list_suites():
        raise LookupError(f"unknown suite {name!r}; known suites: {', '.join(list_suites())}")
    return load_suite_file(SUITES_DIR / f"{name}{SUITE_SUFFIX}")


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a pass rate; (0.0, 1.0) when there are no trials."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    interval = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return (max(0.0, float(interval.low)), min(1.0, float(interval.high)))


def bootstrap_interval(
    scores: Sequence[float], confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Bootstrap (BCa) interval for the mean of 0..1 partial-credit scores, deterministic for a given seed."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    values = np.asarray(scores, dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("scores must be finite numbers")
    # Fewer than two scores say nothing about spread, so the honest interval is the whole score range.
    if values.size < 2:
        return (0.0, 1.0)
    low, high = float(values.min()), float(values.max())
    if low == high:
        # Resampling identical values gives a zero-width interval; for all-pass or all-fail that is overconfident,
        # so binary outcomes fall back to Wilson, which still widens with small n.
        if low in (0.0, 1.0):
            return wilson_interval(int(low) * values.size, values.size, confidence)
        return (low, high)
    result = stats.bootstrap(
        (values,), np.mean, confidence_level=confidence, n_resamples=n_resamples, method="BCa", rng=seed
    )
    interval_low, interval_high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if math.isnan(interval_low) or math.isnan(interval_high):
        result = stats.bootstrap(
            (values,), np.mean, confidence_level=confidence, n_resamples=n_resamples, method="percentile", rng=seed
        )
        interval_low, interval_high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    return (max(low, interval_low), min(high, interval_high))
