"""The Shrink page's loader: a comparison of shrink paths for a kept usage upload, cached by every input."""

from __future__ import annotations

import streamlit as st

from pricing.shrink import service as shrink
from pricing.store import resolve_db_path
from ui.common import get_store


def load_shrink(upload_id: str, workload: str, request: shrink.ShrinkRequest, n_paths: int) -> shrink.ShrinkComparison:
    """The paths of `request` costed for one workload of a kept upload."""
    return _load_shrink(str(resolve_db_path()), upload_id, workload, request, n_paths)


@st.cache_data(show_spinner="Costing the shrink paths...", max_entries=16)
def _load_shrink(
    db_path: str, upload_id: str, workload: str, request: shrink.ShrinkRequest, n_paths: int
) -> shrink.ShrinkComparison:
    del db_path  # a key only: results differ between database files
    return shrink.compare_upload(get_store(), upload_id, workload, request, n_paths)
