"""Frontier: the Streamlit entry point. Sets the page config, the navigation and the shared sidebar."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch litellm's map at import
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import streamlit as st  # noqa: E402

from ui.common import KEY_SETTINGS, get_store, sidebar  # noqa: E402

st.set_page_config(page_title="Frontier: LLM cost vs quality", page_icon=":material/show_chart:", layout="wide")

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/explorer.py", title="Frontier explorer", icon=":material/scatter_plot:", url_path="explorer"),
    st.Page("views/catalogue.py", title="Catalogue", icon=":material/table_view:", url_path="catalogue"),
    st.Page("views/costs.py", title="Prices & self-hosting", icon=":material/payments:", url_path="costs"),
    st.Page("views/projections.py", title="Spend projections", icon=":material/trending_up:", url_path="projections"),
    st.Page("views/portfolio.py", title="Portfolio", icon=":material/account_tree:", url_path="portfolio"),
    st.Page("views/probes.py", title="Live probes", icon=":material/speed:", url_path="probes"),
]

navigation = st.navigation(PAGES)
get_store()
st.session_state[KEY_SETTINGS] = sidebar()
navigation.run()
