"""Command line: `python -m pricing {seed,cost,frontier,project,optimise,report,quotes,sheets,upload-sheet,refresh,
changes}`.

Bad input (a malformed file, an unknown model, metric or sheet) prints a clear message on stderr and
exits with code 2; a refresh whose sources did not all load exits 3 (the ones that did stay loaded); everything
else exits 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from pricing import service
from pricing.candidates import CandidateOptions
from pricing.cost import UnpricedModelError, WorkloadProfile
from pricing.exports import fmt_number, fmt_usd, to_csv_bytes
from pricing.limits import MAX_TABLE_MIB, read_capped
from pricing.metrics import DEFAULT_METRIC, UnknownMetricError
from pricing.offers import DEFAULT_OFFER_CHOICE, DEFAULT_RULE, FREE_TIER, OFFER_CHOICES
from pricing.planning import quotes as quote_planning
from pricing.planning import service as planning
from pricing.planning.staff import typical_ops_text, typical_ops_usd_per_month
from pricing.portfolio import service as portfolio_service
from pricing.portfolio.evidence import measured_cascade
from pricing.quotes import QuoteComparison, SheetTerms, terms_from_mapping
from pricing.sheets import SheetError, read_table
from pricing.shrink import service as shrink
from pricing.shrink.fine_tuning import read_fine_tuning_prices
from pricing.sizing import OwnershipCosts
from pricing.sources import refresh as refreshing
from pricing.sources.registry import SOURCE_NAMES
from pricing.sources.seed import seed
from pricing.store import Store, StoreError, resolve_db_path
from pricing.store.postgres import is_postgres_url
from pricing.store.transfer import copy_store
from pricing.usage import parse_requests, price_requests

EXIT_BAD_INPUT = 2
EXIT_SOURCE_FAILED = 3  # refresh: a source failed or was refused; the others are loaded


class BadInput(Exception):
    """Input the user must fix; printed without a traceback."""


def _open_store() -> Store:
    return Store(resolve_db_path())


def _seeded_store() -> Store:
    store = _open_store()
    if not store.is_seeded():
        seed(store)
    return store


def _json_default(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def cmd_seed(args: argparse.Namespace) -> int:
    store = _open_store()
    report = seed(store, only_if_needed=args.if_empty)
    if report.seeded:
        counts = ", ".join(f"{name} {count:,}" for name, count in report.rows.items())
        print(f"Seeded {store.name} in {report.seconds:.1f} s ({counts}).")
        for outcome in report.replays:  # what refreshes had loaded, loaded again from the contents the store kept
            print(f"  {outcome.status}: {outcome.message}", file=sys.stdout if outcome.ok else sys.stderr)
    else:
        print(f"{store.name} already holds this data (version {report.data_version}); nothing to do.")
    return EXIT_SOURCE_FAILED if report.replay_failures else 0


def _store_location(text: str) -> str:
    """A --from/--to/--db value: a postgresql:// URL as it is, a file path relative to the current folder."""
    return text if is_postgres_url(text) else str(Path(text).expanduser().resolve())


def cmd_migrate(args: argparse.Namespace) -> int:
    store = Store(_store_location(args.db) if args.db else resolve_db_path())
    applied = store.applied_on_open
    if applied:
        versions = ", ".join(map(str, applied))
        print(f"Upgraded {store.name} to schema version {store.schema_version()} (applied {versions}).")
    else:
        print(f"{store.name} is at schema version {store.schema_version()}, the current one; nothing to do.")
    store.close()
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    source_location, target_location = _store_location(args.source), _store_location(args.target)
    if source_location == target_location:
        raise BadInput("--from and --to name the same store; give two different ones")
    if not is_postgres_url(source_location) and not Path(source_location).exists():
        raise BadInput(f"--from: there is no database file {Path(source_location).name}")
    source = Store(source_location, read_only=True)
    target = Store(target_location)
    checks = copy_store(source, target, replace=args.replace)
    total = sum(check.target_rows for check in checks)
    print(f"Copied {source.name} to {target.name}: {total:,} rows in {len(checks)} tables, each checked.")
    for check in checks:
        print(f"  {check.table}: {check.target_rows:,} rows, sha256 {check.target_sha256[:16]}")
    source.close()
    target.close()
    return 0


def cmd_cost(args: argparse.Namespace) -> int:
    path = Path(args.requests)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    content = read_capped(path, path.name, MAX_TABLE_MIB, "Split the log, or aggregate it (see `project --usage`).")
    rows = parse_requests(read_table(content, path.name), path.name, not args.cache_reads_separate)
    store = _seeded_store()
    sheet = args.sheet or service.default_sheet(store)
    pricer, prices = service.pricer_for(store, sheet)
    priced = price_requests(rows, pricer, prices, path.name)
    total = sum(p.cost_usd for p in priced)
    resolved = {p.model: p.resolved for p in priced if p.resolved is not None}
    if args.json:
        payload = {
            "sheet": sheet,
            "currency": "USD",
            "rows": [
                {
                    "row": p.row,
                    "model": p.model,
                    "model_key": p.model_key,
                    "offer": p.resolved.offer_label if p.resolved else None,
                    "free_tier": p.free_tier,
                    "input_tokens": p.usage.input_tokens,
                    "output_tokens": p.usage.output_tokens,
                    "cached_input_tokens": p.usage.cached_input_tokens,
                    "cost_usd": p.cost_usd,
                }
                for p in priced
            ],
            "resolved": [dataclasses.asdict(r) for r in resolved.values()],
            "resolution_rule": DEFAULT_RULE,
            "total_cost_usd": total,
        }
        print(json.dumps(payload, indent=2, default=_json_default))
        return 0
    print(f"Price sheet: {sheet}")
    print(f"{'row':>5}  {'model':<48} {'input':>10} {'cached':>10} {'output':>10} {'cost_usd':>14}")
    for p in priced:
        label = p.model if p.model == p.model_key else f"{p.model} -> {p.model_key}"
        label = f"{label} [{FREE_TIER}]" if p.free_tier else label
        print(
            f"{p.row:>5}  {label[:48]:<48} {p.usage.input_tokens:>10,} {p.usage.cached_input_tokens:>10,} "
            f"{p.usage.output_tokens:>10,} {p.cost_usd:>14.6f}"
        )
    print(f"total_cost_usd {total:.6f} over {len(priced)} requests")
    print(f"Offers used (rule: {DEFAULT_RULE}):")
    for found in resolved.values():
        print(f"  {found.note}")
    return 0


def cmd_frontier(args: argparse.Namespace) -> int:
    store = _seeded_store()
    sheet = args.sheet or service.default_sheet(store)
    options = CandidateOptions(
        score_filter=args.scores,
        cost_kind=args.cost,
        input_output_ratio=args.ratio,
        cache_hit_rate=args.cache_hit,
        profile=WorkloadProfile(args.input_tokens, args.output_tokens, args.cache_hit),
        offers=args.offers,
        include_flagged=args.include_flagged,
    )
    result = service.frontier(
        store, args.metric, sheet, options, self_host=None if args.api_only else service.SelfHostSettings()
    )
    table = result.candidates
    columns = [
        "model_id",
        "provider",
        "model_key",
        "deployment",
        "offer_kind",
        "offer_label",
        "offer_basis",
        "cost_usd",
        "quality",
        "quality_source",
        "quality_date",
        "self_reported",
        "price_date",
        "price_stale",
        "price_flagged",
        "price_flag_reason",
        "on_frontier",
    ]
    left_off = result.left_off
    if args.json:
        payload = {
            "metric": result.metric.metric_id,
            "metric_unit": result.metric.unit,
            "higher_is_better": result.metric.higher_is_better,
            "cost": result.cost_metric.metric_id,
            "cost_unit": result.cost_metric.unit,
            "sheet": sheet,
            "offers": options.offers,
            "include_flagged": options.include_flagged,
            "candidates": [{c: _clean(row[c]) for c in columns} for _, row in table.iterrows()],
            "left_off": [{c: _clean(v) for c, v in row.items()} for row in left_off.to_dict("records")],
        }
        print(json.dumps(payload, indent=2, default=_json_default))
        return 0
    print(f"Metric: {result.metric.label}; cost: {result.cost_metric.label}; sheet: {sheet}")
    print(f"Offers: {OFFER_CHOICES[options.offers].lower()} per model ({options.offers})")
    print(f"{'':2}{'model':<38} {'offer':<34} {'cost':>12} {'quality':>9}  source")
    for _, row in table.iterrows():
        mark = "* " if row["on_frontier"] else "  "
        flag = "  [price flagged]" if bool(row["price_flagged"]) else ""
        print(
            f"{mark}{str(row['model_id'])[:38]:<38} {str(row['offer_label'])[:34]:<34} {fmt_usd(row['cost_usd']):>12} "
            f"{fmt_number(row['quality'], 4):>9}  {row['quality_source']} ({_json_default(row['quality_date'])}){flag}"
        )
    print(f"* = on the frontier ({int(table['on_frontier'].sum())} of {len(table)} candidates)")
    flagged_note = "added (--include-flagged)" if options.include_flagged else "left off (--include-flagged adds them)"
    print(
        f"{result.free_tier_left_off} {FREE_TIER} offers at $0 left off (usable only when named by key); "
        f"{result.flagged_left_off if not options.include_flagged else 0} offers with a flagged price {flagged_note}."
    )
    return 0


def cmd_sheets(args: argparse.Namespace) -> int:
    del args
    sheets = _seeded_store().price_sheets()
    print(sheets[["sheet_name", "kind", "models", "last_effective", "source"]].to_string(index=False))
    return 0


def cmd_upload_sheet(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    content = read_capped(path, path.name, MAX_TABLE_MIB, "A price sheet has one row per model and date.")
    terms = None
    if args.terms:  # read and checked before anything is written, so bad terms leave no sheet behind
        given = _read_terms(Path(args.terms))
        terms = given.get(args.name.strip())
        if terms is None or len(given) != 1:
            raise BadInput(f'{Path(args.terms).name}: give one table, named ["{args.name.strip()}"], for this sheet')
    store = _seeded_store()
    count = service.upload_price_sheet(store, args.name, path.name, content)
    print(f"Saved {count} prices to sheet '{args.name.strip()}'.")
    if terms is not None:
        service.save_sheet_terms(store, args.name.strip(), terms)
        print(f"Saved its terms from {Path(args.terms).name}.")
    return 0


DEFAULT_SELF_HOST = (f"{planning.DEFAULT_SELF_HOST_MODEL}@H100 SXM",)


def _decline(text: str | None) -> tuple[float, str | None]:
    """--decline: 'flat' (the default), 'capability', or a factor per year."""
    value = (text or "flat").strip().lower()
    if value == "flat":
        rate = planning.default_api_decline()
        return rate.value_per_year, rate.source
    if value == "capability":
        rate = planning.capability_decline()
        return rate.value_per_year, rate.source
    try:
        factor = float(value.rstrip("x"))
    except ValueError:
        raise BadInput(f"--decline takes flat, capability or a factor per year such as 10 (got {text!r})") from None
    if factor < 0:
        raise BadInput(f"--decline must not be negative (got {text!r}); 0 or flat holds list prices")
    return factor, None


def _options_for(
    args: argparse.Namespace, store: Store, usage: planning.UsageSummary | None
) -> tuple[tuple[Any, ...], list[str]]:
    """The scenario's options and, for defaults, why each was chosen."""
    sheet = args.sheet or service.default_sheet(store)
    decline, why = _decline(args.decline)
    notes: list[str] = []
    models = args.api
    if not models:
        defaults = planning.default_api_models(store, sheet, args.metric)
        models = [d.model_key for d in defaults]
        notes += [f"API option {d.model_key} (default): {d.reason}" for d in defaults]
    options: list[Any] = [planning.api_option(store, sheet, model, decline, why) for model in models]
    ratio = usage.input_output_ratio if usage else 3.0
    for spec in args.self_host or DEFAULT_SELF_HOST:
        model_id, _, gpu = spec.partition("@")
        if not gpu:
            raise BadInput(f"--self-host takes MODEL@GPU, e.g. llama-3.3-70b-instruct@H100 SXM (got {spec!r})")
        # Reserved GPUs take a stored reserved rate where one exists; else on-demand, and the plan says so.
        usd, _ = planning.gpu_hourly_price(store, gpu, args.mode)
        ownership = OwnershipCosts(
            mode=args.mode, usd_per_gpu_hour=usd, ops_usd_per_month=args.ops_usd_per_month or 0.0
        )
        options.append(planning.self_host_option(store, model_id, gpu, args.precision, ownership, ratio))
    if not args.self_host:
        notes.append(f"Self-hosted option {DEFAULT_SELF_HOST[0]} (default): the open model the API defaults match")
    if args.ops_usd_per_month is None:
        notes.append(OPS_NOT_GIVEN)
    return tuple(options), notes


OPS_NOT_GIVEN = (
    "Operations staff not given (--ops-usd-per-month): the self-hosted options count $0 for the people who run them, "
    "so they look cheaper than they are. " + typical_ops_text()
)


def _ops_argument(p: argparse.ArgumentParser, when: str) -> None:
    p.add_argument(
        "--ops-usd-per-month",
        type=float,
        metavar="USD",
        help=f"operations staff for self-hosting, USD a month, {when}; not given: $0, said in the output "
        f"(typical about {typical_ops_usd_per_month():,.0f}: a quarter of one engineer)",
    )


def _uncertainty(args: argparse.Namespace, base: planning.Uncertainty) -> planning.Uncertainty:
    """The scenario's spread with any of --paths, --seed and the --*-spread options put over it."""
    changes = {
        "n_paths": args.paths,
        "seed": args.seed,
        "growth_spread_per_month": args.growth_spread,
        "api_decline_spread": args.decline_spread,
        "gpu_decline_spread": args.gpu_decline_spread,
        "peak_to_average_spread": args.peak_spread,
    }
    return dataclasses.replace(base, **{k: v for k, v in changes.items() if v is not None})


def cmd_project(args: argparse.Namespace) -> int:
    store = _seeded_store()
    usage = None
    load = None
    if args.usage:
        path = Path(args.usage)
        if not path.exists():
            raise BadInput(f"{path}: no such file")
        load = planning.read_usage_file(path)
        usage = planning.summarise_usage(load.monthly, mix_months=args.mix_months)
    if args.scenario:
        scenario = planning.load_scenario(store, args.scenario)
        inputs = scenario.inputs
        if usage is not None:
            inputs = planning.build_inputs(
                usage,
                inputs.options,
                args.months or inputs.horizon_months,
                inputs.growth_model,
                inputs.monthly_growth,
                peak_to_average=args.peak_to_average or inputs.peak_to_average,
            )
            scenario = dataclasses.replace(scenario, upload_id=None, workload=None, mix_window=usage.mix_window)
        elif args.months or args.peak_to_average:
            inputs = dataclasses.replace(
                inputs,
                horizon_months=args.months or inputs.horizon_months,
                peak_to_average=args.peak_to_average or inputs.peak_to_average,
            )
        scenario = dataclasses.replace(scenario, inputs=inputs)
    else:
        if usage is None:
            raise BadInput("give --usage FILE (monthly aggregates or a request log), or --scenario NAME")
        options, notes = _options_for(args, store, usage)
        inputs = planning.build_inputs(
            usage,
            options,
            args.months or 36,
            args.growth,
            args.monthly_growth,
            peak_to_average=args.peak_to_average or 2.0,
        )
        scenario = planning.Scenario(
            args.save or "project (command line)", inputs, mix_window=usage.mix_window, notes=tuple(notes)
        )
    scenario = dataclasses.replace(scenario, uncertainty=_uncertainty(args, scenario.uncertainty))
    result = planning.outcome(inputs)
    mc = planning.run_monte_carlo(inputs, scenario.uncertainty)
    if args.save:
        upload_id = planning.save_upload(store, load) if load is not None else scenario.upload_id
        scenario = dataclasses.replace(scenario, name=args.save.strip(), upload_id=upload_id)
        planning.save_scenario(store, scenario)
    if args.json:
        payload = planning.projection_payload(scenario, result, mc)
        payload["saved_as"] = scenario.name if args.save else None
        print(json.dumps(payload, indent=2, default=_json_default))
        return 0
    _print_projection(scenario, result, mc)
    if args.save:
        print(f"Saved scenario '{scenario.name}'; its report: python -m pricing report --scenario NAME --out FILE.pdf")
    return 0


def _print_projection(scenario: planning.Scenario, result: planning.Outcome, mc: Any) -> None:
    inputs = scenario.inputs
    months = inputs.horizon_months
    print(f"Horizon {months} months; growth: {planning.growth_label(inputs)}")
    print(
        f"Mix: input:output {inputs.input_output_ratio:.2f}:1, {inputs.cached_share:.1%} of input from cache "
        f"({scenario.mix_window or 'set in the scenario'})"
    )
    for note in scenario.notes:
        print(note)
    for option in inputs.options:
        if isinstance(option, planning.ApiOption):
            why = option.price_decline_source or planning.describe_decline(option.price_decline_factor_per_year)
            print(f"API price of {option.name}: {why}; offer: {option.source}")
    monthly = result.result.monthly_usd
    names = list(monthly.columns)
    print("month  " + "  ".join(f"{n[:28]:>28}" for n in names))
    for month, row in monthly.iterrows():
        print(f"{month:>5}  " + "  ".join(f"{row[n]:>28,.2f}" for n in names))
    print("total  " + "  ".join(f"{result.result.total_usd[n]:>28,.2f}" for n in names))
    print(f"cheapest over {months} months: {result.cheapest} (USD {result.result.total_usd[result.cheapest]:,.2f})")
    print(
        f"Monte Carlo, {mc.n_paths:,} paths (seed {mc.seed}), centred on this scenario: "
        + "; ".join(f"{label.lower()}: {text}" for label, text in scenario.uncertainty.describe()[:4])
    )
    for name, band in mc.tco.iterrows():
        last = planning.paths_bands(mc, str(name)).iloc[-1]
        print(
            f"  {name}: {months}-month total P10/P50/P90 USD {band['p10']:,.0f} / {band['p50']:,.0f} / "
            f"{band['p90']:,.0f} (plan {result.result.total_usd[name]:,.0f}); month {months} P10/P50/P90 USD "
            f"{last['p10']:,.0f} / {last['p50']:,.0f} / {last['p90']:,.0f} (plan {monthly[name].iloc[-1]:,.0f})"
        )
    if result.head_to_head:
        print(f"Rule: {planning.BREAK_EVEN_RULE}.")
    for against in result.head_to_head.values():
        for h in against.values():
            print(planning.head_to_head_text(h))


def _cascade_spec(text: str, store: Store) -> portfolio_service.CascadeInput:
    parts = [p.strip() for p in text.split(",")]
    hint = (
        "--cascade takes SMALL,LARGE,RATE (e.g. gpt-4o-mini,gpt-4.1,0.2) or SMALL,LARGE,runs:SMALL_RUN:LARGE_RUN "
        f"(the escalation measured from two probe runs of one eval suite); got {text!r}"
    )
    if len(parts) != 3:
        raise BadInput(hint)
    if parts[2].startswith("runs:"):
        runs = parts[2].split(":")
        if len(runs) != 3:
            raise BadInput(hint)
        return parts[0], parts[1], measured_cascade(store, runs[1], runs[2])
    try:
        return parts[0], parts[1], float(parts[2])
    except ValueError:
        raise BadInput(hint) from None


def _growth(text: str) -> portfolio_service.Growth:
    value = text.strip().lower()
    if value in ("best", "linear", "exponential", "logistic"):
        return portfolio_service.Growth(model=value)
    try:
        rate = float(value.rstrip("%")) / 100
    except ValueError:
        raise BadInput(
            f"--growth takes a monthly rate in percent (e.g. 5 or 5%) or a fitted curve: best, linear, exponential, "
            f"logistic (got {text!r})"
        ) from None
    return portfolio_service.Growth(monthly_growth=rate)


def _shrink_spec(text: str, baseline: str) -> shrink.ShrinkRequest:
    """--shrink MODEL:PATH as a one-path request against the baseline (the first API option, as the page does)."""
    model, _, kind = text.strip().rpartition(":")
    if not model.strip() or kind.strip() not in shrink.PATH_KINDS:
        raise BadInput(
            f"--shrink takes MODEL:PATH with PATH one of {', '.join(shrink.PATH_KINDS)}, e.g. "
            f"llama-3.1-8b-instruct:distil (got {text!r})"
        )
    return shrink.ShrinkRequest(baseline, model.strip(), paths=(kind.strip(),))


def _portfolio_plan(args: argparse.Namespace, store: Store) -> portfolio_service.PortfolioPlan:
    """Usage + floors files and the store's options, optimised."""
    for label, name in (("--usage", args.usage), ("--floors", args.floors)):
        if not Path(name).exists():
            raise BadInput(f"{name}: no such file ({label})")
    monthly = planning.read_usage_file(Path(args.usage)).monthly
    floors = portfolio_service.read_floors(Path(args.floors), Path(args.floors).name)
    self_host = None
    if args.self_host:
        self_host = []
        for spec in args.self_host:
            model_id, _, gpu = spec.partition("@")
            if not gpu:
                raise BadInput(f"--self-host takes MODEL@GPU, e.g. llama-3.3-70b-instruct@H100 SXM (got {spec!r})")
            self_host.append((model_id.strip(), gpu.strip(), args.precision, args.mode))
    shrunk = None
    if args.shrink:
        sheet = args.sheet or service.default_sheet(store)
        first = args.api[0] if args.api else None
        if first is None:
            defaults = planning.default_api_models(store, sheet, args.metric)
            first = defaults[0].model_key if defaults else None
        if first is None:
            raise BadInput("--shrink needs an API option to shrink against: name one with --api")
        shrunk = _shrink_spec(args.shrink, first)
    request = portfolio_service.PortfolioRequest(
        monthly=monthly,
        floors=floors,
        months=args.months,
        growth=_growth(args.growth),
        default_metric=args.metric,
        sheet_name=args.sheet,
        api_models=args.api,
        self_host=self_host,
        cascades=[_cascade_spec(c, store) for c in args.cascade or []],
        api_decline_per_year=args.decline,
        gpu_decline_per_year=args.gpu_decline,
        allow_split=not args.no_split,
        peak_to_average=args.peak_to_average,
        time_limit_s=args.time_limit,
        shrink=shrunk,
        ops_usd_per_month=getattr(args, "ops_usd_per_month", None),
    )
    return portfolio_service.plan_portfolio(store, request)


def _versus(label: str, name: str | None, usd: float | None, total: float) -> str:
    if usd is None:
        return f"{label}: none"
    saving = usd - total
    share = saving / usd if usd else 0.0
    what = f"saving USD {saving:,.2f} ({share:.1%})" if saving >= 0 else f"costing USD {-saving:,.2f} more"
    return f"{label}{f' {name}' if name else ''}: USD {usd:,.2f}; the portfolio is {what}"


def cmd_optimise(args: argparse.Namespace) -> int:
    store = _seeded_store()
    plan = _portfolio_plan(args, store)
    result, workloads, candidates = plan.result, plan.workloads, plan.candidates
    if args.pdf:
        out = Path(args.pdf)
        if out.suffix.lower() != ".pdf":
            raise BadInput(f"--pdf needs a .pdf file name (got {out})")
        from pricing.report.pdf import portfolio_pdf  # kaleido and Chromium load only when a PDF is asked for

        section = portfolio_service.report_section(store, plan)
        out.write_bytes(portfolio_pdf(section, prepared_for=args.prepared_for))
    if args.json:
        payload = {
            "currency": "USD",
            "horizon_months": result.months,
            "allow_split": not args.no_split,
            "sheet": plan.sheet_name,
            "workloads": [dataclasses.asdict(w) for w in workloads],
            "candidates": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "gpu": c.gpu,
                    "usd_per_1m_input": c.usd_per_1m_input,
                    "usd_per_1m_output": c.usd_per_1m_output,
                    "usd_per_gpu_month": c.usd_per_gpu_month,
                    "ttft_ms": c.latency_ms,
                    "output_tokens_per_s": c.output_tokens_per_s,
                    "source": c.source,
                }
                for c in candidates
            ],
            "assignments": [{k: _clean(v) for k, v in row.items()} for row in result.assignments.to_dict("records")],
            "fleet": [{k: _clean(v) for k, v in row.items()} for row in result.fleet.to_dict("records")],
            "gpus_by_type": result.gpus_by_type(),
            "total_usd": result.total_usd,
            "monthly_usd": result.monthly_usd,
            "spend_by_month_usd": list(result.spend_by_month),
            "best_single_option": result.best_single_option,
            "best_single_usd": result.best_single_usd,
            "saving_vs_best_single_usd": result.saving_vs_best_single_usd,
            "current": plan.current,
            "current_usd": result.current_usd,
            "saving_vs_current_usd": result.saving_vs_current_usd,
            "current_problems": list(result.current_problems),
            "optimal": result.optimal,
            "optimality_gap": result.optimality_gap,
            "solve_seconds": result.solve_seconds,
            "notes": list(plan.notes),
        }
        print(json.dumps(payload, indent=2, default=_json_default))
        return 0
    print(f"Horizon {result.months} months; {'split' if not args.no_split else 'one option per workload'}; "
          f"quality metric: {args.metric} unless the floors file names another")  # fmt: skip
    print(f"{'workload':<28} {'option':<52} {'kind':<9} {'share':>7} {'USD/month':>14}")
    for row in result.assignments.itertuples():
        print(
            f"{str(row.workload)[:28]:<28} {str(row.candidate)[:52]:<52} {row.kind:<9} {row.share:>7.1%} "
            f"{row.monthly_usd:>14,.2f}"
        )
    for row in result.fleet.itertuples():
        print(
            f"fleet: {row.candidate}: {row.gpus_month_1} x {row.gpu} in month 1, {row.gpus} at the peak "
            f"({row.replicas} replica(s))"
        )
    gpus = result.gpus_by_type()
    print("GPUs per type (peak): " + (", ".join(f"{g} {n}" for g, n in gpus.items()) or "none (all on APIs)"))
    print(f"total over {result.months} months: USD {result.total_usd:,.2f} (USD {result.monthly_usd:,.2f} a month)")
    if result.best_single_option is None:
        print("best single option: none meets every workload's floor and objective")
    else:
        print(_versus("best single option", result.best_single_option, result.best_single_usd, result.total_usd))
    if result.current_usd is not None:
        print(_versus("current assignment", None, result.current_usd, result.total_usd))
        for problem in result.current_problems:
            print(f"  current assignment misses: {problem}")
    for note in plan.notes:
        print(f"note: {note}")
    for c in candidates:
        print(f"source of {c.name}: {c.source}")
    if args.pdf:
        print(f"Wrote {args.pdf}")
    return 0


def _scenario_ops(scenario: planning.Scenario) -> float | None:
    """The operations staff a scenario's self-hosted options carry (the largest), None when it has none."""
    staff = [
        option.plan.ownership.ops_usd_per_month
        for option in scenario.inputs.options
        if isinstance(option, planning.SelfHostOption)
    ]
    return max(staff) if staff else None


def cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise BadInput(f"--out must name a .pdf file (got {out})")
    if not out.parent.exists():
        raise BadInput(f"{out.parent}: no such directory")
    summary_csv = Path(args.summary_csv) if args.summary_csv else None
    if summary_csv is not None:
        if summary_csv.suffix.lower() != ".csv":
            raise BadInput(f"--summary-csv must name a .csv file (got {summary_csv})")
        if not summary_csv.parent.exists():
            raise BadInput(f"{summary_csv.parent}: no such directory (--summary-csv)")
    store = _seeded_store()
    scenario = planning.load_scenario(store, args.scenario)
    # The report loads plotly, fpdf2 and kaleido; imported here, not at the top,
    # so every other command runs without plotly or kaleido being loaded.
    from pricing.report.pdf import pdf_report_and_summary
    from pricing.report.request import ReportRequest

    portfolio = None
    if args.floors:
        if not Path(args.floors).exists():
            raise BadInput(f"{args.floors}: no such file (--floors)")
        if scenario.upload_id is None or store.usage_monthly(scenario.upload_id).empty:
            raise BadInput(
                f"scenario '{scenario.name}' has no usage upload, so it has no workloads to optimise; save it from "
                "an uploaded usage file, or use `optimise --usage FILE --floors FILE --pdf OUT` instead"
            )
        request = portfolio_service.PortfolioRequest(
            monthly=store.usage_monthly(scenario.upload_id),
            floors=portfolio_service.read_floors(Path(args.floors), Path(args.floors).name),
            months=scenario.inputs.horizon_months,
            growth=portfolio_service.Growth(monthly_growth=scenario.inputs.monthly_growth)
            if scenario.inputs.growth_model == "constant"
            else portfolio_service.Growth(model=scenario.inputs.growth_model),
            default_metric=args.metric,
            sheet_name=args.sheet,
            peak_to_average=scenario.inputs.peak_to_average,
            time_limit_s=120.0,
            ops_usd_per_month=args.ops_usd_per_month if args.ops_usd_per_month is not None else _scenario_ops(scenario),
        )
        portfolio = portfolio_service.portfolio_section(store, request)
    report_request = ReportRequest(
        scenario,
        prepared_for=args.prepared_for,
        sheet_name=args.sheet,
        metric_id=args.metric,
        quality_floor=args.quality_floor,
        current_option=args.current,
        portfolio=portfolio,
    )
    pdf, summary = pdf_report_and_summary(store, report_request)
    out.write_bytes(pdf)
    print(f"Wrote {out} ({len(pdf):,} bytes): report of scenario '{scenario.name}'.")
    if summary_csv is not None:
        summary_csv.write_bytes(to_csv_bytes(summary))
        print(f"Wrote {summary_csv}: the summary table, one row per option.")
    if args.quality_floor is None:
        print("No quality floor given (--floor): the report recommends no option and ranks them by cost only.")
    return 0


def _read_terms(path: Path) -> dict[str, SheetTerms]:
    """Terms per sheet from a TOML or JSON file: one table per sheet name."""
    if not path.exists():
        raise BadInput(f"{path}: no such file (--terms)")
    content = read_capped(path, path.name, 1, "A terms file holds a few lines per sheet.")
    try:
        text = content.decode("utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except UnicodeDecodeError:
        raise BadInput(f"{path.name}: not UTF-8 text; save it as UTF-8 TOML or JSON") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON (name the file .toml for TOML)"
        raise BadInput(f"{path.name}: not valid {kind}: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise BadInput(f'{path.name}: give one table per sheet, e.g. ["Vendor A"] valid_until = 2027-06-30')
    return {str(name): terms_from_mapping(values, f"{path.name}: [{name}]") for name, values in data.items()}


def _workload_models(specs: list[str], workloads: tuple[str, ...]) -> dict[str, str]:
    """--model MODEL (every workload) or WORKLOAD=MODEL (repeat), checked against the usage's workloads."""
    models: dict[str, str] = {}
    for spec in specs:
        workload, sep, model = spec.partition("=")
        if not sep:
            models.update({w: spec.strip() for w in workloads if w not in models})
            continue
        if workload.strip() not in workloads:
            raise BadInput(
                f"--model {spec}: no workload {workload.strip()!r} in the usage; workloads: {', '.join(workloads)}"
            )
        if not model.strip():
            raise BadInput(f"--model {spec}: give a model after '=', e.g. {workload.strip()}=gpt-4o")
        models[workload.strip()] = model.strip()
    missing = [w for w in workloads if w not in models]
    if missing:
        raise BadInput(f"no model for workload(s) {', '.join(missing)}; add --model WORKLOAD=MODEL or --model MODEL")
    return models


def cmd_quotes(args: argparse.Namespace) -> int:
    path = Path(args.usage)
    if not path.exists():
        raise BadInput(f"{path}: no such file (--usage)")
    terms = _read_terms(Path(args.terms)) if args.terms else {}
    unknown = sorted(set(terms) - set(args.sheet))
    if unknown:
        raise BadInput(f"--terms names sheet(s) not compared: {', '.join(unknown)}; compare them with --sheet")
    outputs = _quote_outputs(args)
    load = planning.read_usage_file(path)
    models = _workload_models(args.model or [], load.workloads)
    store = _seeded_store()
    result = quote_planning.compare_projected(
        store,
        load.monthly,
        models,
        args.sheet,
        horizon_months=args.months,
        monthly_growth=_quote_growth(args),
        terms=terms,
    )
    if args.save_terms:
        for name, sheet_terms in terms.items():
            service.save_sheet_terms(store, name, sheet_terms)
    written = _write_quote_outputs(store, result, path.name, outputs) if outputs else []
    if args.json:
        payload = {
            "currency": "USD",
            "horizon_months": result.horizon_months,
            "monthly_growth": result.monthly_growth,
            "growth": result.growth_label,
            "volumes": "each workload's latest month, moved month by month as growth says",
            "sheets": _records(result.sheets),
            "models": _records(result.models),
            "spend": _records(result.spend),
            "cheapest": _records(result.cheapest),
            "notes": list(result.notes),
            "terms_saved": sorted(terms) if args.save_terms else [],
            "written": written,
        }
        print(json.dumps(payload, indent=2, default=_json_default))
        return 0
    _print_quotes(result)
    for line in written:
        print(line)
    if args.save_terms and terms:
        print(f"Saved the terms of {', '.join(sorted(terms))} with their sheets.")
    return 0


def _quote_outputs(args: argparse.Namespace) -> dict[str, Path]:
    """--pdf, --xlsx and --csv files, checked (suffix, folder) before anything is computed."""
    outputs = {}
    for kind in ("pdf", "xlsx", "csv"):
        value = getattr(args, kind)
        if value is None:
            continue
        out = Path(value)
        if out.suffix.lower() != f".{kind}":
            raise BadInput(f"--{kind} must name a .{kind} file (got {out.name})")
        if not out.parent.exists():
            raise BadInput(f"--{kind} {out.name}: its folder does not exist; create it or pick another")
        outputs[kind] = out
    return outputs


def _write_quote_outputs(store: Store, result: QuoteComparison, usage_name: str, outputs: dict[str, Path]) -> list[str]:
    """The comparison as PDF, XLSX and CSV files; one line each saying what was written."""
    # fpdf2 and openpyxl load only when a file is asked for.
    from pricing.report.quotes_report import gather_quote_report, quotes_workbook, render_quote_pdf, spend_csv

    report = gather_quote_report(store, result, usage_name, dt.date.today())
    makers = {
        "pdf": (lambda: render_quote_pdf(report), "the quote comparison"),
        "xlsx": (lambda: quotes_workbook(report), "the comparison's tables, one sheet each"),
        "csv": (lambda: spend_csv(result), "spend per workload and sheet"),
    }
    lines = []
    for kind, out in outputs.items():
        make, what = makers[kind]
        content = make()
        out.write_bytes(content)
        lines.append(f"Wrote {out.name} ({len(content):,} bytes): {what}.")
    return lines


def _quote_growth(args: argparse.Namespace) -> float | None:
    """--growth PCT (or the older --monthly-growth FRACTION) by hand; neither: None, the fitted curve."""
    if args.growth is not None and args.monthly_growth is not None:
        raise BadInput("give --growth (percent a month) or --monthly-growth (a fraction), not both")
    if args.monthly_growth is not None:
        return float(args.monthly_growth)
    if args.growth is None:
        return None
    try:
        rate = float(args.growth.strip().rstrip("%")) / 100
    except ValueError:
        rate = math.nan
    if not -1 < rate <= 1:
        raise BadInput(
            f"--growth takes a monthly rate in percent above -100 and at most 100, e.g. 5 or 5% (got {args.growth!r}); "
            "leave it out to use the curve fitted to the usage"
        )
    return rate


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _money(value: float) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"${value:,.2f}"


def _print_quotes(result: QuoteComparison) -> None:
    print(f"Quotes over {result.horizon_months} months, USD. Volumes: each workload's latest month, then")
    print(f"growth: {result.growth_label}.")
    print(f"{'sheet':<40} {'status':<28} {'spend':>16} {'commitment shortfall':>22} {'next tier (gap/month)':>26}")
    for row in result.sheets.itertuples():
        gap = "-"
        if not math.isnan(row.next_tier_usd_per_month):
            at, short = _money(row.next_tier_usd_per_month), _money(row.next_tier_gap_usd_per_month)
            gap = f"{row.next_tier_discount_pct:g}% at {at} ({short}, {row.tier_mode})"
        print(
            f"{str(row.sheet_name)[:40]:<40} {row.status:<28} {_money(row.usd):>16} "
            f"{_money(row.commitment_shortfall_usd):>22} {gap:>26}"
        )
    print("Prices per 1M tokens (discount against the list):")
    for row in result.models.itertuples():
        if math.isnan(row.usd_per_1m_input):
            continue
        print(
            f"  {str(row.model_key)[:36]:<36} {str(row.sheet_name)[:32]:<32} in {fmt_usd(row.usd_per_1m_input)} "
            f"({row.discount_input_pct:.1f}%)  out {fmt_usd(row.usd_per_1m_output)} ({row.discount_output_pct:.1f}%)  "
            f"cached {fmt_usd(row.usd_per_1m_cached_input)} ({row.discount_cached_pct:.1f}%)"
        )
    print("Spend per workload and sheet over the horizon:")
    for row in result.spend.itertuples():
        print(f"  {row.workload:<24} {row.model_key:<28} {str(row.sheet_name)[:36]:<36} {_money(row.usd):>16}")
    print("Cheapest valid sheet per workload (usage only; a commitment's shortfall is the sheet's, above):")
    for row in result.cheapest.itertuples():
        print(f"  {row.workload:<24} {row.sheet_name} {_money(row.usd)} ({row.saving_pct:.1f}% below list)")
    for note in result.notes:
        print(f"Note: {note}")


def _print_outcome(outcome: refreshing.SourceOutcome) -> None:
    stream = sys.stdout if outcome.ok else sys.stderr
    print(f"[{outcome.status}] {outcome.message}", file=stream)
    shown = outcome.changes[outcome.changes["change"] != "new_source"]
    if outcome.status == refreshing.REFUSED:
        shown = shown.head(0)  # the refusal gives the counts; the rows of a broken file say nothing more
    for row in shown.head(40).itertuples(index=False):
        what = str(row.change).replace("_", " ")
        name = row.model_id if isinstance(row.model_id, str) else row.model_key
        if isinstance(row.field, str) and not pd.isna(row.old_value):
            money = str(row.field).startswith("usd_")
            old, new = (
                (fmt_usd(row.old_value), fmt_usd(row.new_value))
                if money
                else (fmt_number(row.old_value), fmt_number(row.new_value))
            )
            unit = " per 1M tokens" if money else ""
            print(f"  {what}: {name} {row.field} {old} -> {new}{unit} ({row.change_pct:+.1f}%)", file=stream)
        else:
            print(f"  {what}: {name}", file=stream)
    if len(shown) > 40:
        print(f"  ... and {len(shown) - 40:,} more (--json lists them all)", file=stream)
    if outcome.unjoined:
        names = ", ".join(outcome.unjoined[: refreshing.MAX_UNJOINED_SHOWN])
        more = len(outcome.unjoined) - refreshing.MAX_UNJOINED_SHOWN
        print(
            f"  {len(outcome.unjoined):,} rows join no canonical model (map them in data/model_aliases.csv): {names}"
            + (f" ... and {more:,} more" if more > 0 else ""),
            file=stream,
        )


def cmd_refresh(args: argparse.Namespace) -> int:
    files = {name: Path(path) for name, path in refreshing.parse_assignments(args.from_file, "--from-file").items()}
    request = refreshing.RefreshRequest(
        sources=tuple(args.source or ()),
        files=files,
        urls=refreshing.parse_assignments(args.url, "--url"),
        dry_run=args.dry_run,
        force=args.force,
    )
    refreshing.selected_sources(request)  # an unknown name fails before anything is fetched
    report = refreshing.refresh(_seeded_store(), request)
    if args.json:
        print(
            json.dumps(
                {"run_id": report.run_id, "ok": report.ok, "sources": [o.as_dict() for o in report.outcomes]},
                default=_json_default,
                indent=2,
            )
        )
    else:
        for outcome in report.outcomes:
            _print_outcome(outcome)
    if report.failed:
        names = ", ".join(o.source for o in report.failed)
        print(f"error: {len(report.failed)} source(s) not refreshed: {names} (the others are loaded)", file=sys.stderr)
        return EXIT_SOURCE_FAILED
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    try:
        since = dt.date.fromisoformat(args.since)
    except ValueError:
        raise BadInput(f"--since {args.since!r} is not a date; give YYYY-MM-DD, e.g. 2026-11-01") from None
    changes = refreshing.changes_since(_seeded_store(), since)
    if args.json:
        rows = changes.astype(object).where(changes.notna(), None).to_dict(orient="records")
        print(json.dumps({"since": since.isoformat(), "changes": rows}, default=_json_default, indent=2))
        return 0
    if changes.empty:
        print(f"No refresh has changed anything since {since.isoformat()}.")
        return 0
    for (source, fetched_at), group in changes.groupby(["source_name", "fetched_at"], sort=False):
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in group["change"].value_counts().items())
        print(f"{source}, refreshed {pd.Timestamp(fetched_at):%Y-%m-%d %H:%M} UTC: {counts}")
    return 0


def _measured(specs: list[str] | None) -> tuple[tuple[str, str, str], ...]:
    """--measured PATH=BASELINE_RUN,CANDIDATE_RUN (repeat)."""
    runs = []
    for spec in specs or []:
        kind, _, pair = spec.partition("=")
        baseline_run, _, candidate_run = pair.partition(",")
        if not kind or not baseline_run or not candidate_run:
            raise BadInput(f"--measured takes PATH=BASELINE_RUN,CANDIDATE_RUN, e.g. distil=ab12,cd34 (got {spec!r})")
        runs.append((kind.strip(), baseline_run.strip(), candidate_run.strip()))
    return tuple(runs)


def cmd_shrink(args: argparse.Namespace) -> int:
    pdf_out = Path(args.pdf) if args.pdf else None
    if pdf_out is not None and pdf_out.suffix.lower() != ".pdf":
        raise BadInput(f"--pdf must name a .pdf file (got {pdf_out.name})")
    if pdf_out is not None and not pdf_out.parent.exists():
        raise BadInput(f"--pdf {pdf_out.name}: its folder does not exist; create it or pick another")
    store = _seeded_store()
    path = Path(args.usage)
    if not path.exists():
        raise BadInput(f"{path.name}: no such file")
    load = planning.read_usage_file(path)
    workloads = sorted(load.monthly["workload"].astype(str).unique())
    if args.workload not in workloads:
        raise BadInput(f"no workload {args.workload!r} in {path.name}; it has {', '.join(workloads)}")
    usage = planning.summarise_usage(load.monthly, args.workload)
    prices = read_fine_tuning_prices()
    for extra in args.fine_tuning_prices or []:
        extra_path = Path(extra)
        if not extra_path.exists():
            raise BadInput(f"{extra_path.name}: no such file")
        prices += read_fine_tuning_prices(extra_path)
    request = shrink.ShrinkRequest(
        baseline=args.baseline,
        candidate=args.candidate,
        paths=(args.path,) if args.path else shrink.PATH_KINDS,
        months=args.months,
        sheet=args.sheet,
        gpu=args.gpu,
        mode=args.mode,
        quantised_precision=args.precision,
        examples=args.examples,
        epochs=args.epochs,
        lora_share=args.lora,
        training_utilisation=args.utilisation,
        retrain_every_months=args.retrain_months or None,
        required_quality=args.required_quality,
        measured_runs=_measured(args.measured),
    )
    uncertainty = planning.Uncertainty(n_paths=args.paths, seed=args.seed)
    comparison = shrink.compare(store, usage, request, fine_tuning_prices=prices, uncertainty=uncertainty)
    if pdf_out is not None:
        from pricing.report.shrink_report import ShrinkReport, render_shrink_pdf  # fpdf2 loads only for a PDF

        report = ShrinkReport(comparison, args.candidate, path.name, args.workload, dt.date.today())
        content = render_shrink_pdf(report)
        pdf_out.write_bytes(content)
        if not args.json:
            print(f"Wrote {pdf_out.name} ({len(content):,} bytes): the shrink comparison.")
    if args.json:
        print(json.dumps(shrink.payload(comparison), indent=2, default=_json_default))
        return 0
    months = comparison.result.months
    print(f"Shrink against {comparison.result.baseline} over {months} months (workload {args.workload})")
    for outcome in comparison.result.outcomes:
        savings = ", ".join(f"{fmt_usd(v)} at {h} months" for h, v in outcome.savings_usd.items())
        print(f"\n{outcome.kind}: {outcome.name}")
        print(f"  one-off {fmt_usd(outcome.one_off_usd)}; runs {fmt_usd(outcome.monthly_run_usd)} a month (month 1)")
        if outcome.retrain_every_months:
            print(f"  re-trained every {outcome.retrain_every_months} months at {fmt_usd(outcome.retrain_usd)} each")
        print(f"  payback {shrink.payback_text(outcome.payback_month, months)}; savings {savings}")
        print(f"  quality: {shrink.quality_text(outcome)}")
        for item in outcome.items:
            print(f"  - {item.what}: {fmt_usd(item.usd)} = {item.formula} [{item.source}]")
    for kind, reason in comparison.unavailable.items():
        print(f"\n{kind}: not costed: {reason}")
    for note in comparison.notes:
        print(f"Note: {note}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pricing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("migrate", help="upgrade the store's schema (a DuckDB file or the team's Postgres)")
    p.add_argument("--db", help="the store to upgrade: a file or a postgresql:// URL (default: FRONTIER_DB)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("copy", help="copy a whole store, e.g. a DuckDB file into Postgres, checked table by table")
    p.add_argument("--from", dest="source", required=True, help="a DuckDB file or a postgresql:// URL")
    p.add_argument("--to", dest="target", required=True, help="a DuckDB file or a postgresql:// URL (empty)")
    p.add_argument("--replace", action="store_true", help="delete what the target holds first (same transaction)")
    p.set_defaults(func=cmd_copy)

    p = sub.add_parser("seed", help="create and seed the database from the shipped data")
    p.add_argument("--if-empty", action="store_true", help="skip when this data was already seeded")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("cost", help="price a request log (model,input_tokens,output_tokens[,cached_input_tokens])")
    p.add_argument("--requests", required=True, help="CSV or XLSX file")
    p.add_argument("--sheet", help="price sheet name (default: the bundled litellm sheet)")
    p.add_argument(
        "--cache-reads-separate",
        action="store_true",
        help="input_tokens exclude cached tokens (Anthropic's convention)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cost)

    p = sub.add_parser("frontier", help="candidates for a quality metric with the frontier marked")
    p.add_argument("--metric", required=True, help="benchmark id, e.g. arena_elo, gpqa_diamond, mmlu_pro")
    p.add_argument("--sheet")
    p.add_argument("--cost", choices=["blended", "task"], default="blended")
    p.add_argument("--ratio", type=float, default=3.0, help="input:output tokens for the blended price")
    p.add_argument("--cache-hit", type=float, default=0.0, help="share of input served from cache, 0-1")
    p.add_argument("--input-tokens", type=float, default=1500.0, help="per task, with --cost task")
    p.add_argument("--output-tokens", type=float, default=500.0, help="per task, with --cost task")
    p.add_argument("--scores", choices=["any", "independent", "self-reported"], default="any")
    p.add_argument(
        "--offers",
        choices=list(OFFER_CHOICES),
        default=DEFAULT_OFFER_CHOICE,
        help="which offers stand for a model: the maker's list price (default; without one, the cheapest host of "
        "open weights or the median-priced reseller), the cheapest offer, or every offer",
    )
    p.add_argument("--all-offers", dest="offers", action="store_const", const="all", help="same as --offers all")
    p.add_argument("--include-flagged", action="store_true", help="keep offers whose price is flagged as an outlier")
    p.add_argument("--api-only", action="store_true", help="leave out self-hosted offers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_frontier)

    p = sub.add_parser("project", help="project monthly spend per option over 18-36 months from usage")
    p.add_argument("--usage", help="CSV, XLSX or Parquet: monthly aggregates or a raw request log")
    p.add_argument("--months", type=int, choices=range(1, 61), metavar="MONTHS", help="horizon (default 36)")
    p.add_argument("--scenario", help="a saved scenario's name (its options and assumptions)")
    p.add_argument("--sheet", help="price sheet for API options")
    p.add_argument(
        "--api",
        action="append",
        help="API model option (repeat); default: two models from the store's frontier on --metric, the cheapest "
        "scoring at least as well as the default self-hosted model and the best-scoring (each printed with why)",
    )
    p.add_argument("--metric", default=DEFAULT_METRIC, help="quality metric that picks the default --api")
    p.add_argument(
        "--self-host", action="append", help="MODEL@GPU option (repeat), e.g. llama-3.3-70b-instruct@H100 SXM"
    )
    p.add_argument(
        "--mode", choices=["on-demand", "reserved"], default="reserved", help="how self-host GPUs are rented"
    )
    p.add_argument("--precision", default="FP8")
    p.add_argument(
        "--decline",
        help="API price decline per year: flat (default: each named model's list price held, as list prices "
        "rarely move), capability (the cheapest model at this quality, re-chosen each year: 10x a year, a16z "
        "LLMflation; Epoch AI finds 9x-900x), or a factor such as 3",
    )
    p.add_argument("--growth", choices=["best", "linear", "exponential", "logistic", "constant"], default="best")
    p.add_argument("--monthly-growth", type=float, default=0.0, help="with --growth constant, e.g. 0.05")
    p.add_argument("--peak-to-average", type=float, help="peak-hour / average traffic, sizes fleets (default 2)")
    _ops_argument(p, "for every self-hosted option")
    p.add_argument(
        "--mix-months",
        type=int,
        default=1,
        help="months of history whose input:output and cache mix prices the projection (default 1: the latest)",
    )
    p.add_argument("--paths", type=int, help="Monte Carlo paths (default 10,000, or the scenario's)")
    p.add_argument("--seed", type=int, help="Monte Carlo seed (default 0, or the scenario's)")
    p.add_argument(
        "--growth-spread", type=float, help="extra monthly growth drawn from -X to +X around the plan (default 0.02)"
    )
    p.add_argument(
        "--decline-spread", type=float, help="API decline factor drawn x/÷ up to X around each option's (1.5)"
    )
    p.add_argument("--gpu-decline-spread", type=float, help="GPU rental price decline x/÷ up to X (default 1.25)")
    p.add_argument("--peak-spread", type=float, help="peak-to-average drawn x/÷ up to X around it (default 1.25)")
    p.add_argument("--save", metavar="NAME", help="save this scenario (inputs, usage upload, spread) under NAME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_project)

    p = sub.add_parser("optimise", help="cheapest mix of models per workload meeting quality floors and latency")
    p.add_argument("--usage", required=True, help="CSV, XLSX or Parquet: monthly aggregates or a raw request log")
    p.add_argument(
        "--floors",
        required=True,
        help="CSV or XLSX: workload, metric, quality_floor, latency_objective_ms, latency_metric (ttft or e2e), "
        "current (the option serving it today)",
    )
    p.add_argument("--months", type=int, choices=range(1, 61), metavar="MONTHS", default=36, help="horizon (36)")
    p.add_argument("--metric", default=DEFAULT_METRIC, help="metric of rows that name none")
    p.add_argument("--sheet", help="price sheet for API options (default: the bundled litellm sheet)")
    p.add_argument(
        "--api", action="append", help="API model option (repeat); default: the same two as `project` (on --metric)"
    )
    p.add_argument(
        "--self-host", action="append", help="MODEL@GPU option (repeat), e.g. llama-3.1-8b-instruct@H100 SXM"
    )
    p.add_argument("--cascade", action="append", help="SMALL,LARGE,RATE: a cascade of two API models (repeat)")
    p.add_argument(
        "--shrink",
        metavar="MODEL:PATH",
        help="a smaller model made by quantise, distil or fine-tune against the first API option (its baseline and "
        "teacher), weighed as one more candidate with its making cost, e.g. llama-3.1-8b-instruct:distil",
    )
    p.add_argument(
        "--mode", choices=["on-demand", "reserved"], default="reserved", help="how self-host GPUs are rented"
    )
    p.add_argument("--precision", default="FP8")
    p.add_argument("--decline", type=float, default=0.0, help="API price decline factor per year (default flat)")
    p.add_argument("--gpu-decline", type=float, default=0.0, help="GPU rental price decline factor per year")
    p.add_argument(
        "--growth",
        default="0",
        help="monthly volume growth in percent (default 0: the latest month, flat) or a curve fitted to each "
        "workload's history: best, linear, exponential, logistic",
    )
    p.add_argument("--peak-to-average", type=float, default=2.0, help="peak-hour / average traffic (sizes fleets)")
    _ops_argument(p, "paid every month once any workload is self-hosted (one team for every fleet)")
    p.add_argument("--no-split", action="store_true", help="one option per workload (no splitting by share)")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--time-limit",
        type=float,
        default=120.0,
        help="seconds the solver may take (120); past it the best portfolio found is printed with its proven gap",
    )
    p.add_argument("--pdf", help="also write the portfolio as a PDF report to this file")
    p.add_argument("--prepared-for", default="", help="who the PDF is for, printed on its title page")
    p.set_defaults(func=cmd_optimise)

    p = sub.add_parser("report", help="a saved scenario as a PDF comparison report")
    p.add_argument("--scenario", required=True, help="a saved scenario's name")
    p.add_argument("--out", required=True, help="the PDF file to write")
    p.add_argument("--prepared-for", default="", help="who the report is for, printed on the title page")
    p.add_argument(
        "--floor",
        "--quality-floor",
        dest="quality_floor",
        type=float,
        help="the least quality an option must reach on --metric; without it the report recommends no option",
    )
    p.add_argument("--metric", default=DEFAULT_METRIC, help="quality metric for the floor and the frontier")
    p.add_argument("--sheet", help="price sheet for the frontier (default: the bundled litellm sheet)")
    p.add_argument(
        "--current",
        metavar="MODEL",
        help="the option (or the model it serves) in use today; without it the report states no saving",
    )
    p.add_argument("--summary-csv", metavar="FILE", help="also write the one-page summary table as CSV")
    p.add_argument(
        "--floors",
        help="a floors file (as for optimise): adds the cheapest portfolio for the scenario's usage workloads, "
        "with the scenario's horizon and growth",
    )
    _ops_argument(p, "for the portfolio (with --floors; default: the scenario's self-hosted option's)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("quotes", help="price sheets side by side against the list, with their terms")
    p.add_argument("--usage", required=True, help="CSV, XLSX or Parquet: monthly aggregates or a raw request log")
    p.add_argument("--sheet", action="append", required=True, help="a quoted price sheet (repeat)")
    p.add_argument(
        "--model", action="append", help="MODEL for every workload, or WORKLOAD=MODEL (repeat), e.g. support=gpt-4o"
    )
    p.add_argument("--months", type=int, choices=range(1, 61), metavar="MONTHS", default=36, help="horizon (36)")
    p.add_argument(
        "--growth",
        help="volume growth per month in percent, by hand, e.g. 5 or 0 (default: the curve fitted to the usage's "
        "history, best by AICc, as Spend projections; flat when it has under 5 months)",
    )
    p.add_argument("--monthly-growth", type=float, help=argparse.SUPPRESS)  # the older spelling, as a fraction
    p.add_argument("--terms", help="TOML or JSON: one table of terms per sheet (validity, tiers, commitment, SLA)")
    p.add_argument("--save-terms", action="store_true", help="keep the --terms with their sheets")
    p.add_argument("--pdf", help="write the comparison as a PDF: summary, prices, spend, terms, sources")
    p.add_argument("--xlsx", help="write the comparison as a workbook, one sheet per table, totals as formulas")
    p.add_argument("--csv", help="write the spend per workload and sheet as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_quotes)

    p = sub.add_parser("refresh", help="fetch, check and load current prices and scores from their sources")
    p.add_argument("--source", action="append", help=f"a source (repeat; default all): {', '.join(SOURCE_NAMES)}")
    p.add_argument("--from-file", action="append", metavar="NAME=PATH", help="load a file downloaded elsewhere")
    p.add_argument("--url", action="append", metavar="NAME=URL", help="fetch a source from a mirror")
    p.add_argument("--dry-run", action="store_true", help="fetch, check and show the changes; write nothing")
    p.add_argument("--force", action="store_true", help="load even when it removes or moves many rows")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("changes", help="what refreshes changed since a date")
    p.add_argument("--since", required=True, help="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_changes)

    p = sub.add_parser("shrink", help="what quantising, distilling or fine-tuning a smaller model costs and saves")
    p.add_argument("--usage", required=True, help="CSV, XLSX or Parquet: monthly aggregates or a raw request log")
    p.add_argument("--workload", required=True, help="the workload of the usage file to shrink")
    p.add_argument("--baseline", required=True, help="the model serving the workload today (API or open model)")
    p.add_argument("--candidate", required=True, help="the smaller model: quantised, the student, or fine-tuned")
    p.add_argument("--path", choices=list(shrink.PATH_KINDS), help="one path (default: every path that applies)")
    p.add_argument("--months", type=int, choices=range(1, 61), metavar="MONTHS", default=36, help="horizon (36)")
    p.add_argument("--sheet", help="price sheet for API models (default: the bundled litellm sheet)")
    p.add_argument("--gpu", default="H100 SXM", help="GPU that serves and trains (default H100 SXM)")
    p.add_argument("--mode", choices=["on-demand", "reserved"], default="on-demand", help="how GPUs are rented")
    p.add_argument("--precision", default="fp8", help="quantised precision: fp8, int8 or int4 (default fp8)")
    p.add_argument("--examples", type=int, default=10_000, help="labelled examples to train on (10,000)")
    p.add_argument("--epochs", type=float, default=3.0, help="training epochs (3)")
    p.add_argument("--lora", type=float, help="train LoRA adapters of this share of the parameters, e.g. 0.01")
    p.add_argument("--utilisation", type=float, default=0.35, help="training share of peak GPU FLOPs (0.35)")
    p.add_argument("--retrain-months", type=int, default=6, help="re-train every K months (6; 0: never)")
    p.add_argument("--required-quality", type=float, default=0.9, help="share of the baseline's score to reach (0.9)")
    p.add_argument("--measured", action="append", help="PATH=BASELINE_RUN,CANDIDATE_RUN: two probe runs of one suite")
    p.add_argument("--fine-tuning-prices", action="append", help="your own fine-tuning price file (CSV, repeat)")
    p.add_argument("--paths", type=int, default=10_000, help="Monte Carlo paths (10,000)")
    p.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (0)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--pdf", help="also write the comparison as a short PDF to this .pdf file")
    p.set_defaults(func=cmd_shrink)

    p = sub.add_parser("sheets", help="list price sheets")
    p.set_defaults(func=cmd_sheets)

    p = sub.add_parser("upload-sheet", help="add a negotiated price sheet from CSV or XLSX")
    p.add_argument("--file", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--terms", help="TOML or JSON: the sheet's terms, one table named as the sheet (see `quotes`)")
    p.set_defaults(func=cmd_upload_sheet)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (
        BadInput,
        SheetError,
        UnpricedModelError,
        UnknownMetricError,
        StoreError,
        LookupError,
        ValueError,
        TimeoutError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
