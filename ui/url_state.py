"""The view in the address: each control that changes a page's view is a query parameter, read into the widget
when a session opens a link and written back on every run, so a copied address reproduces the whole view.

A parameter is read only while its widget has no value in this session yet (a link opened, or the page opened
afresh), so the user's own changes always win over the address. A value that cannot be read is left out with a
sentence saying which parameter, what was wrong and what the control starts at instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from ui.navigation import PAGES

Parse = Callable[[list[str]], Any]  # the URL's values of one parameter -> the widget's value; ValueError says why


def choice(options: Sequence[str]) -> Parse:
    """One of `options`, spelled as the URL spells it."""

    def parse(values: list[str]) -> str:
        value = values[-1]
        if value not in options:
            shown = ", ".join(list(options)[:12]) + (", ..." if len(options) > 12 else "")
            raise ValueError(f"{value!r} is not one of {shown}")
        return value

    return parse


def items(options: Sequence[str]) -> Parse:
    """Several of `options` (the parameter repeated, or one value with commas); unknown ones are refused."""

    def parse(values: list[str]) -> list[str]:
        chosen = [v for value in values for v in value.split(",") if v]
        unknown = [v for v in chosen if v not in options]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} {'is' if len(unknown) == 1 else 'are'} not offered")
        return list(dict.fromkeys(chosen))

    return parse


def number(low: float | None = None, high: float | None = None, *, whole: bool = False) -> Parse:
    """A number from `low` to `high` (a whole one when `whole`); an empty value is none."""

    def parse(values: list[str]) -> float | int | None:
        text = values[-1].strip()
        if not text:
            return None
        what = "a whole number" if whole else "a number"
        bounds = (
            f" from {low:,g} to {high:,g}"
            if low is not None and high is not None
            else f" of at least {low:,g}"
            if low is not None
            else ""
        )
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not {what}{bounds}") from None
        if not math.isfinite(value) or (whole and value != int(value)):
            raise ValueError(f"{text!r} is not {what}{bounds}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{text} is outside{bounds}")
        return int(value) if whole else value

    return parse


def flag(values: list[str]) -> bool:
    """On (1) or off (0)."""
    value = values[-1].strip().lower()
    if value not in ("0", "1", "true", "false"):
        raise ValueError(f"{value!r} is neither 1 (on) nor 0 (off)")
    return value in ("1", "true")


def _text(value: object) -> list[str]:
    """A widget's value as the URL's values of its parameter (none for an empty value)."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return [str(int(value))]
    return [str(value)]


@dataclass
class ViewLink:
    """The query parameters of one page's view: `restore` each before its widget, `keep` each widget's value,
    then `publish` them all."""

    kept: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def restore(self, name: str, key: str, parse: Parse) -> None:
        """Put the URL's value of `name` into the widget keyed `key`, unless the widget already has a value in this
        session; a value that cannot be read is noted in `problems` and left out."""
        if key in st.session_state or name not in st.query_params:
            return
        values = st.query_params.get_all(name)
        try:
            st.session_state[key] = parse(values or [""])
        except ValueError as exc:
            self.problems.append(
                f"The link's {name}={','.join(values)} was not used: {exc}. The control starts at its default."
            )

    def keep(self, name: str, value: object, *, empty_is_none: bool = False) -> None:
        """Record a widget's value for the URL (an empty value leaves the parameter out). With `empty_is_none`, an
        empty selection is a choice of its own (`name=` in the URL: none chosen), for a control whose default is
        not empty, so that the link does not reopen on the default."""
        text = _text(value)
        self.kept[name] = [""] if empty_is_none and not text and isinstance(value, list | tuple) else text

    def publish(self) -> None:
        """Write every kept value to the URL; parameters this run did not keep are left as they are."""
        for name, values in self.kept.items():
            if not values:
                st.query_params.pop(name, None)
            elif st.query_params.get_all(name) != values:
                st.query_params[name] = values if len(values) > 1 else values[0]


PAGE_PATHS = frozenset(page.url_path for page in PAGES if page.url_path)


def page_address(url_path: str, params: Mapping[str, str]) -> str:
    """The whole address of one of the app's pages with these query parameters, as this browser reaches the app
    (its scheme, host and any path the app is served under)."""
    current = urlsplit(st.context.url or "http://localhost:8501/")
    segments = [segment for segment in current.path.split("/") if segment]
    if segments and segments[-1] in PAGE_PATHS:
        segments = segments[:-1]  # the page this session is on: the address names the one asked for
    path = "/" + "/".join([*segments, url_path])
    return urlunsplit((current.scheme, current.netloc, path, urlencode(params), ""))
