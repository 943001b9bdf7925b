"""The secrets file is read in one place, and no error about it ever shows a value from it."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from evals.runner import ConfigError, Endpoint, resolve_api_key
from pricing.config import SecretsFileError, read_secrets, secret_text
from pricing.store import StoreError, resolve_db_path

SECRET = "sk-live-0123456789abcdefSECRET"


def test_secrets_are_read_as_toml(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    assert read_secrets(path) == {} and secret_text("OPENAI_API_KEY", path) is None
    path.write_text(f'OPENAI_API_KEY = "{SECRET}"\nEMPTY = ""\nNUMBER = 3\n', encoding="utf-8")
    assert secret_text("OPENAI_API_KEY", path) == SECRET
    assert secret_text("EMPTY", path) is None and secret_text("NUMBER", path) is None


@pytest.mark.parametrize(
    "text",
    [
        f"OPENAI_API_KEY = {SECRET}\n",  # unquoted value
        f'OPENAI_API_KEY = "{SECRET}\n',  # unterminated string
        f'OPENAI_API_KEY = "{SECRET}\x01"\n',  # a control character inside the value
        f'OPENAI_API_KEY = "{SECRET}"\nOPENAI_API_KEY = "{SECRET}"\n',  # a key given twice
        f"['{SECRET}'\n",  # a broken table header
    ],
)
def test_bad_toml_is_reported_with_its_line_and_never_with_a_value(tmp_path: Path, text: str) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SecretsFileError) as caught:
        read_secrets(path)
    shown = "".join(traceback.format_exception(caught.value))
    assert f"{path} is not valid TOML" in shown and "line" in shown
    assert SECRET not in shown and "SECRET" not in shown and "\\x01" not in shown


def test_database_path_and_api_keys_share_the_secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(f'frontier_db = "{tmp_path / "x.duckdb"}"\nFRONTIER_TEST_KEY = "{SECRET}"\n', encoding="utf-8")
    monkeypatch.delenv("FRONTIER_TEST_KEY", raising=False)
    assert resolve_db_path({}, path) == tmp_path / "x.duckdb"
    assert resolve_api_key(Endpoint("e", "m", api_key_env="FRONTIER_TEST_KEY"), path) == SECRET

    path.write_text(f"FRONTIER_TEST_KEY = {SECRET}\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not valid TOML") as store_error:
        resolve_db_path({}, path)
    with pytest.raises(ConfigError, match="not valid TOML") as config_error:
        resolve_api_key(Endpoint("e", "m", api_key_env="FRONTIER_TEST_KEY"), path)
    for caught in (store_error, config_error):
        assert SECRET not in "".join(traceback.format_exception(caught.value))
