"""The app's pages, named once: the navigation (app.py) and the Home page's places are built from this list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    """One page: its script, title, icon, URL path (empty for the default page) and what a visitor finds there."""

    script: str
    title: str
    icon: str
    url_path: str
    what: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("views/home.py", "Home", ":material/home:", "", "What Frontier holds and the frontier at a glance."),
    PageSpec(
        "views/explorer.py",
        "Frontier explorer",
        ":material/scatter_plot:",
        "explorer",
        "Pick a benchmark and a cost basis, filter by provider, open weights or context, download the frontier.",
    ),
    PageSpec(
        "views/catalogue.py",
        "Catalogue",
        ":material/table_view:",
        "catalogue",
        "Search every model, price, score, GPU price and throughput measurement, with sources.",
    ),
    PageSpec(
        "views/costs.py",
        "Prices & self-hosting",
        ":material/payments:",
        "costs",
        "Upload a negotiated price sheet, price unpriced deployments, and cost a request or your own GPUs.",
    ),
    PageSpec(
        "views/projections.py",
        "Spend projections",
        ":material/trending_up:",
        "projections",
        "Upload usage and compare API, self-hosted and hybrid spend over 18-36 months, with break-even.",
    ),
    PageSpec(
        "views/portfolio.py",
        "Portfolio",
        ":material/account_tree:",
        "portfolio",
        "The cheapest model per workload that meets its quality floor and latency objective, GPUs included.",
    ),
    PageSpec(
        "views/quotes.py",
        "Quotes",
        ":material/request_quote:",
        "quotes",
        "Negotiated price sheets against the list for your usage, with their terms, tiers and commitments.",
    ),
    PageSpec(
        "views/shrink.py",
        "Shrink",
        ":material/compress:",
        "shrink",
        "What quantising, distilling or fine-tuning a smaller model costs and saves, and when it pays back.",
    ),
    PageSpec(
        "views/probes.py",
        "Live probes",
        ":material/speed:",
        "probes",
        "Measure your own NIM, vLLM or API endpoints: latency, throughput, quality on your tasks, cost.",
    ),
)
