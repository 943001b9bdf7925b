"""Quotes: the list price sheet and negotiated ones side by side for a kept usage upload, with each sheet's terms."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pricing import service
from pricing.quotes import TIER_MODES, SheetTerms, Tier
from ui.common import current_settings, load_sheets, load_table, load_usage_monthly
from ui.quotes import load_quotes, load_terms, quote_downloads, quote_table, save_terms

KEY_UPLOAD = "quotes_upload"
KEY_SHEETS = "quotes_sheets"
KEY_MONTHS = "quotes_months"
KEY_GROWTH = "quotes_growth_pct"
KEY_GROWTH_MODE = "quotes_growth_mode"
GROWTH_FITTED = "Fitted to the usage"
GROWTH_CONSTANT = "Constant rate"
GROWTH_MODES = (GROWTH_FITTED, GROWTH_CONSTANT)
KEY_MODEL = "quotes_model_{}"
KEY_TERMS_SHEET = "quotes_terms_sheet"

current_settings()
st.title("Quotes")
st.caption(
    "Negotiated price sheets against the list (the bundled price map), for the same usage: prices per 1M tokens, "
    "discount against list, projected spend per workload over the horizon, and each quote's terms. Volumes are each "
    "workload's latest month, grown as Spend projections grows it (the curve fitted to the usage) or at your own "
    "constant rate. USD."
)

sheets = load_sheets()
names = list(sheets["sheet_name"])
list_name = service.default_sheet_name(names)
quoted = [name for name in names if name != list_name]
uploads = load_table("usage_uploads")
if not quoted:
    st.info("No negotiated sheet yet: upload one on **Prices & self-hosting**, then compare it here.")
    st.stop()
if uploads.empty:
    st.info("No kept usage yet: upload monthly volumes or a request log on **Spend projections**, then come back.")
    st.stop()

labels = {str(row.upload_id): f"{row.file_name} ({row.workloads})" for row in uploads.itertuples()}
file_names = {str(row.upload_id): str(row.file_name) for row in uploads.itertuples()}
upload_id = st.selectbox("Usage", list(labels), format_func=labels.get, key=KEY_UPLOAD)
chosen = st.multiselect(f"Quotes to compare with {list_name}", quoted, default=quoted[:2], key=KEY_SHEETS)
col_months, col_mode, col_growth = st.columns(3)
months = int(col_months.number_input("Horizon (months)", 1, 60, 36, key=KEY_MONTHS))
growth_mode = col_mode.radio(
    "Volume growth",
    GROWTH_MODES,
    key=KEY_GROWTH_MODE,
    help="Fitted: the curve Spend projections fits to the usage's total output tokens (best by AICc), flat when "
    "the usage has under 5 months. Constant: your own monthly rate.",
)
growth_pct = float(
    col_growth.number_input(
        "Growth per month (%)", -50.0, 100.0, 0.0, key=KEY_GROWTH, disabled=growth_mode != GROWTH_CONSTANT
    )
)

monthly = load_usage_monthly(str(upload_id))
workloads = sorted(monthly["workload"].unique())
st.subheader("Model per workload")
models = {}
for column, workload in zip(st.columns(min(len(workloads), 4) or 1), workloads, strict=False):
    models[workload] = column.text_input(workload, "gpt-4o", key=KEY_MODEL.format(workload)).strip()
for workload in workloads[4:]:
    models[workload] = st.text_input(workload, "gpt-4o", key=KEY_MODEL.format(workload)).strip()

if not chosen:
    st.info("Pick at least one quote to compare.")
    st.stop()
try:
    result = load_quotes(
        str(upload_id),
        tuple(sorted(models.items())),
        tuple(chosen),
        months,
        growth_pct / 100 if growth_mode == GROWTH_CONSTANT else None,
    )
except (LookupError, ValueError) as exc:
    st.error(f"{exc}")
    st.stop()

st.caption(f"Volumes over the {months} months: {result.growth_label}.")
st.subheader("Sheets")
quote_table(result.sheets.drop(columns=["is_list"]), "quotes_sheets_table")
for note in result.notes:
    st.warning(note)
st.subheader("Cheapest valid sheet per workload")
quote_table(result.cheapest, "quotes_cheapest_table")
st.subheader("Spend per workload and sheet")
quote_table(result.spend.sort_values(["workload", "sheet_name"], kind="stable"), "quotes_spend_table")
st.subheader("Prices per 1M tokens and discount against the list")
quote_table(result.models.dropna(subset=["usd_per_1m_input"]), "quotes_models_table")
quote_downloads(result, file_names[str(upload_id)], "quotes_dl")

st.subheader("Terms")
terms = load_terms()
sheet = st.selectbox("Sheet", quoted, key=KEY_TERMS_SHEET)
old = terms.get(str(sheet), SheetTerms())
with st.form("quotes_terms_form"):
    c1, c2, c3 = st.columns(3)
    valid_from = c1.date_input("Valid from", old.valid_from, key="quotes_valid_from")
    valid_until = c2.date_input("Valid until", old.valid_until, key="quotes_valid_until")
    committed = c3.number_input(
        "Committed spend (USD/month, 0: none)", 0.0, value=old.committed_usd_per_month or 0.0, key="quotes_committed"
    )
    t1, t2 = st.columns([3, 1])
    tiers_text = t1.text_input(
        "Volume tiers (USD per month:discount %, comma-separated, e.g. 1000:5, 5000:10)",
        ", ".join(f"{t.min_usd_per_month:g}:{t.discount_pct:g}" for t in old.tiers),
        key="quotes_tiers",
    )
    tier_mode = t2.selectbox(
        "Tier mode",
        TIER_MODES,
        TIER_MODES.index(old.tier_mode),
        key="quotes_tier_mode",
        help="all-units: a month that reaches a tier gets its discount on all of its spend. graduated: each tier's "
        "discount applies only to the spend between its threshold and the next tier's.",
    )
    c4, c5, c6, c7 = st.columns(4)
    rpm = c4.number_input(
        "Requests per minute (0: not stated)", 0, value=old.requests_per_minute or 0, key="quotes_rpm"
    )
    tpm = c5.number_input("Tokens per minute (0: not stated)", 0, value=old.tokens_per_minute or 0, key="quotes_tpm")
    uptime = c6.number_input("Uptime SLA (%, 0: none)", 0.0, 100.0, old.uptime_pct or 0.0, key="quotes_uptime")
    support = c7.text_input("Support tier", old.support_tier or "", key="quotes_support")
    c8, c9 = st.columns(2)
    retention = c8.text_input("Data retention", old.data_retention or "", key="quotes_retention")
    residency = c9.text_input("Data residency", old.residency or "", key="quotes_residency")
    notes = st.text_area("Notes", old.notes or "", key="quotes_notes")
    if st.form_submit_button("Save terms"):
        try:
            tiers = []
            for part in filter(None, (p.strip() for p in tiers_text.split(","))):
                usd, sep, pct = part.partition(":")
                if not sep:
                    raise ValueError(f"tier {part!r}: write USD per month:discount %, e.g. 1000:5")
                try:
                    tiers.append(Tier(float(usd), float(pct)))
                except ValueError as exc:
                    raise ValueError(f"tier {part!r}: {exc}; write USD per month:discount %, e.g. 1000:5") from None
            new = SheetTerms(
                valid_from=valid_from if isinstance(valid_from, dt.date) else None,
                valid_until=valid_until if isinstance(valid_until, dt.date) else None,
                committed_usd_per_month=float(committed) or None,
                tiers=tuple(tiers),
                tier_mode=str(tier_mode),
                requests_per_minute=int(rpm) or None,
                tokens_per_minute=int(tpm) or None,
                uptime_pct=float(uptime) or None,
                support_tier=support.strip() or None,
                data_retention=retention.strip() or None,
                residency=residency.strip() or None,
                notes=notes.strip() or None,
            )
        except ValueError as exc:
            st.error(f"The terms were not saved: {exc}")
        else:
            save_terms(str(sheet), new)
            st.toast(f"Saved the terms of {sheet}.")
            st.rerun()
