"""How a page refuses an uploaded file: any reader's error (every one is a pricing.limits.InputError) as one message.

Each uploader catches InputError, shows it with `show_refusal` and writes nothing; the uploader itself is given its
reader's size cap (`max_upload_size`, in MiB), so the browser refuses a bigger file before sending it.
"""

from __future__ import annotations

import re

import streamlit as st

from pricing.limits import InputError

MAX_PROBLEMS_SHOWN = 50
MARKDOWN_MARKS = re.compile(r"([\\`*_{}\[\]<>#|$~])")


def refusal_lines(exc: InputError) -> list[str]:
    """Every problem an error lists ("file, row N, column 'c': what to fix"), or its message when it lists none."""
    problems = getattr(exc, "problems", None) or ()
    return [str(problem) for problem in problems] or [str(exc)]


def show_refusal(exc: InputError, file_name: str, outcome: str = "nothing was saved") -> None:
    """One error box for a refused file: what became of it, then each problem on its own line."""
    lines = refusal_lines(exc)
    shown = lines[:MAX_PROBLEMS_SHOWN]
    if len(lines) > MAX_PROBLEMS_SHOWN:
        shown.append(f"... and {len(lines) - MAX_PROBLEMS_SHOWN:,} more problems")
    fix = "Fix these and upload it again" if len(lines) > 1 else "Fix it and upload it again"
    st.error(
        f"{_plain(file_name)} was refused; {outcome}. {fix}:\n\n" + "\n".join(f"- {_plain(line)}" for line in shown)
    )


def _plain(text: str) -> str:
    """Text shown as typed: markdown's marks escaped (a '$5' in a cell would start LaTeX, a '*' emphasis)."""
    return MARKDOWN_MARKS.sub(r"\\\1", text)
