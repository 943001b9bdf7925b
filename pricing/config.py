"""Local settings in `.streamlit/secrets.toml`: the one module that reads that file.

The file holds the database location (`frontier_db`) and API keys under the names endpoints give in
`api_key_env`. Streamlit reads the same file for `st.secrets`; Frontier reads it here so the CLI and the
domain packages need no Streamlit. It is read at the moment of use, so an edit takes effect without a
restart. Because it holds keys, no message from this module ever quotes the file's contents.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"


class SecretsFileError(ValueError):
    """The secrets file exists but cannot be read as TOML."""


def read_secrets(path: Path = SECRETS_PATH) -> dict[str, Any]:
    """The secrets file as a dict (empty if there is none)."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretsFileError(f"cannot read {path}: {type(exc).__name__}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # `from None`: the parser's error may quote a character of the file, and a chained traceback shows it.
        raise SecretsFileError(f"{path} is not valid TOML: {_reason_without_content(exc)}") from None


def secret_text(name: str, path: Path = SECRETS_PATH) -> str | None:
    """The non-empty string stored under `name` in the secrets file, else None."""
    value = read_secrets(path).get(name)
    return value if isinstance(value, str) and value else None


def _reason_without_content(exc: tomllib.TOMLDecodeError) -> str:
    """The parser's reason and position, with any text it quotes from the file left out (it may be part of a secret).

    Only TOML's own punctuation is kept ("Expected ']' at the end of a table declaration").
    """
    message = str(exc.args[0]) if exc.args else "invalid TOML"
    quoted = re.compile(r"'[^']*'|\"[^\"]*\"")
    kept = {"'['", "']'", "']]'", "'='", "','", "'.'", "'{'", "'}'"}
    return quoted.sub(lambda m: m[0] if m[0] in kept else "...", message) + "; the file's values are not shown"
