"""Frontier: the Streamlit entry point. Sets the page config, the navigation and the shared sidebar."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch litellm's map at import
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import streamlit as st  # noqa: E402

from ui.common import KEY_SETTINGS, StoreError, get_store, reload_if_store_changed, sidebar  # noqa: E402
from ui.navigation import PAGES as NAVIGATION  # noqa: E402

st.set_page_config(page_title="Frontier: LLM cost vs quality", page_icon=":material/show_chart:", layout="wide")

PAGES = [
    st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path or None, default=not page.url_path)
    for page in NAVIGATION
]

navigation = st.navigation(PAGES)
try:
    get_store()
    reload_if_store_changed()  # another replica, the command line or a probe wrote: load afresh
    st.session_state[KEY_SETTINGS] = sidebar()
    navigation.run()
except StoreError as exc:  # the database is busy or unreadable: say what, which process and what to do
    st.error(str(exc))
