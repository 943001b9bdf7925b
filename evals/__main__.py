"""Command line: `python -m evals probe --model NAME [...]`, `python -m evals import FILE --gpu GPU --gpu-count N`,
`python -m evals resume RUN_ID`, `python -m evals close RUN_ID` and `python -m evals suites`.

`probe` prints the run summary (the figures the Probes page shows) and stores the run; `import` stores a result
file of AIPerf, GenAI-Perf, vLLM's `vllm bench serve` or GuideLLM as a run measured on the GPUs named. A run whose
process was killed is found 'interrupted' by the next Frontier process: `resume` sends the requests it had not
measured, `close` finishes it with those it had. Exit code 2
on bad input (unknown suite, malformed settings, missing key variable, a result file that cannot be read); 0 when
the run completed, even with failed requests, which are counted in the output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import threading
from pathlib import Path

from evals.runner import (
    ConfigError,
    Endpoint,
    RunReport,
    close_run,
    endpoints_from_file,
    execute_run,
    resume_run,
)
from evals.suites import SuiteError, list_suites, load_suite, load_suite_file
from evals.summary import Objectives
from pricing import service
from pricing.limits import MAX_RESULT_MIB, read_capped
from pricing.store import Store, StoreError, resolve_db_path

EXIT_BAD_CONFIG = 2


def _levels(text: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"concurrency must be whole numbers separated by commas, e.g. 1,4,16 (got {text!r})"
        ) from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("concurrency levels must be at least 1")
    return levels


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_report(report: RunReport) -> None:
    """The run summary as a table."""
    print(f"Run {report.run_id}: {report.status}; endpoint {report.endpoint} ({report.model})")
    if report.estimated_cost_usd is not None:
        print(f"Estimated cost before the run: ${report.estimated_cost_usd:.4f}")
    print(f"Prices: {report.price_note}")
    header = (
        f"{'conc':>5} {'reqs':>5} {'ok':>5} {'TTFT p50/p90/p99 ms':>22} {'ITL p50 ms':>10} {'E2E p50 ms':>10} "
        f"{'tok/s/req p50':>13} {'sys tok/s':>10} {'goodput/s':>9} {'cost/ok $':>10}"
    )
    print(header)
    for level in report.levels:
        ttft = "/".join(_fmt(level.ttft_ms[p]) for p in ("p50", "p90", "p99"))
        print(
            f"{level.concurrency:>5} {level.requests:>5} {level.succeeded:>5} {ttft:>22} "
            f"{_fmt(level.itl_ms['p50'], 1):>10} "
            f"{_fmt(level.e2e_ms['p50']):>10} {_fmt(level.output_tokens_per_s_per_request['p50'], 1):>13} "
            f"{_fmt(level.system_output_tokens_per_s, 1):>10} {_fmt(level.goodput_rps, 2):>9} "
            f"{_fmt(level.cost_per_success_usd, 6):>10}"
        )
        for note in level.notes:
            print(f"      note: {note}")
        if level.errors:
            print("      errors: " + ", ".join(f"{k} {v}" for k, v in sorted(level.errors.items())))
    if report.knee is not None:
        knee = report.knee
        cost = (
            f"; self-hosted ${report.knee_usd_per_1m_output:.4g} per 1M output tokens there"
            if report.knee_usd_per_1m_output is not None
            else ""
        )
        print(
            f"Knee: concurrency {knee.concurrency}, {knee.output_tokens_per_s:,.0f} output tokens/s{cost} "
            f"({knee.reason})"
        )
    for note in report.notes:
        print(f"Note: {note}")
    failed = sum(report.errors.values())
    print(f"Requests measured: {report.requests}; failed: {failed}" + (f" ({report.errors})" if failed else ""))
    if report.quality:
        q = report.quality
        if q.get("mean_score") is not None:
            low, high = q["ci95"]
            print(
                f"Quality on {q['suite']} ({q['scorer']}): mean score {q['mean_score']:.3f}, pass rate "
                f"{q['pass_rate']:.1%} (95% CI {low:.1%}-{high:.1%}, Wilson) over {q['items']} items"
            )
    print(
        "Definitions: TTFT from sending to the first non-empty token; ITL = (E2E - TTFT) / (output tokens - 1); "
        "tok/s/req = 1000 / ITL; sys tok/s = all output tokens / level duration (GenAI-Perf)."
    )


def cmd_probe(args: argparse.Namespace) -> int:
    if args.endpoints_file:
        candidates = [e for e in endpoints_from_file(Path(args.endpoints_file)) if e.name == args.model]
        if not candidates:
            raise ConfigError(f"no endpoint named {args.model!r} in {args.endpoints_file}")
        endpoint = candidates[0]
    else:
        kind = args.kind or (
            "nim" if args.model.startswith("nvidia_nim/") else "openai-compatible" if args.api_base else "api"
        )
        endpoint = Endpoint(
            name=args.name or args.model,
            model=args.model,
            kind=kind,
            api_base=args.api_base,
            api_key_env=args.api_key_env,
            gpu=args.gpu,
            gpu_count=args.gpu_count,
            usd_per_gpu_hour=args.usd_per_gpu_hour,
        )
    suite = None
    if args.suite:
        suite = load_suite_file(Path(args.suite)) if args.suite.endswith(".jsonl") else load_suite(args.suite)
    from evals.probe import ProbeSettings, sweep_levels

    settings = ProbeSettings(
        requests_per_level=args.requests or (len(suite.items) if suite else 20),
        concurrency_levels=sweep_levels(args.sweep) if args.sweep else args.concurrency,
        sweep=bool(args.sweep),
        client=args.client,
        request_rate=args.request_rate,
        warmup_requests=args.warmup,
        input_tokens=args.input_tokens,
        max_output_tokens=args.output_tokens,
        timeout_s=args.timeout,
        workers=args.workers,
    )
    store = Store(resolve_db_path())
    sheet = service.default_sheet(store) if store.is_seeded() else "none"
    cancel = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: cancel.set())
    report = execute_run(
        store,
        endpoint,
        settings,
        sheet,
        suite=suite,
        objectives=Objectives(ttft_ms=args.slo_ttft_ms, e2e_ms=args.slo_e2e_ms, itl_ms=args.slo_itl_ms),
        cancel=cancel,
        measure_overhead=not args.no_overhead,
        judge_endpoint=Endpoint(
            name="judge",
            model=args.judge_model,
            kind="openai-compatible" if args.judge_api_base else "api",
            api_base=args.judge_api_base,
            api_key_env=args.judge_api_key_env,
        )
        if args.judge_model
        else None,
    )
    if args.json:
        print(json.dumps(report.as_json(), indent=2, default=str))
    else:
        print_report(report)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from evals.import_runs import ImportSetup, import_file

    path = Path(args.file)
    try:
        content = read_capped(path, path.name, MAX_RESULT_MIB, "Import the summary the tool writes beside it.")
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    setup = ImportSetup(
        gpu=args.gpu,
        gpu_count=args.gpu_count,
        precision=args.precision,
        engine=args.engine,
        model=args.model,
        name=args.name,
    )
    outcome = import_file(Store(resolve_db_path()), content, path.name, setup, file_modified=modified)
    if args.json:
        print(json.dumps(outcome.as_json(), indent=2, default=str))
        return 0
    print_report(outcome.report)
    gpus = f"{outcome.setup.gpu_count}x {outcome.setup.gpu}"
    print(
        f"Source: {outcome.source}, measured {outcome.measured_on} ({outcome.dated_by}). Stored as run "
        f"{outcome.run_id} for {outcome.model_id}; self-hosted cost and sizing on {gpus} now use its throughput."
    )
    if outcome.setup.precision is None:
        print("No --precision given: sizing at a chosen precision will not use this run until it is imported with one.")
    return 0


def _print_outcome(report: RunReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_json(), indent=2, default=str))
    else:
        print_report(report)


def cmd_resume(args: argparse.Namespace) -> int:
    suite = load_suite_file(Path(args.suite)) if args.suite else None
    cancel = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: cancel.set())
    report = resume_run(
        Store(resolve_db_path()), args.run_id, suite=suite, cancel=cancel, measure_overhead=not args.no_overhead
    )
    _print_outcome(report, args.json)
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    _print_outcome(close_run(Store(resolve_db_path()), args.run_id), args.json)
    return 0


def cmd_suites(args: argparse.Namespace) -> int:
    del args
    for name in list_suites():
        suite = load_suite(name)
        print(f"{name:<16} {suite.scorer:<16} {len(suite.items):>3} items  {suite.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe", help="probe one endpoint: latency, throughput, quality and cost")
    p.add_argument("--model", required=True, help="litellm model name, or an endpoint name with --endpoints-file")
    p.add_argument("--api-base", help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1")
    p.add_argument("--api-key-env", help="name of the environment variable (or secrets.toml entry) holding the key")
    p.add_argument("--kind", choices=["nim", "openai-compatible", "api"])
    p.add_argument("--name", help="endpoint name to store the run under")
    p.add_argument("--endpoints-file", help="TOML file with [[endpoint]] tables (see endpoints.toml.example)")
    p.add_argument("--suite", help=f"eval suite name ({', '.join(list_suites())}) or a .jsonl file")
    p.add_argument("--requests", type=int, help="requests per concurrency level (default: suite size, or 20)")
    p.add_argument("--concurrency", type=_levels, default=(1, 4, 16), help="levels, e.g. 1,4,16,64")
    p.add_argument("--warmup", type=int, default=2, help="warm-up requests, not measured")
    p.add_argument("--input-tokens", type=int, default=256, help="synthetic prompt length without a suite")
    p.add_argument("--output-tokens", type=int, default=128, help="output budget without a suite")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    p.add_argument(
        "--workers",
        type=int,
        help="client processes per level (default: one per core, for levels of 8 or more streams per process)",
    )
    p.add_argument(
        "--client",
        choices=["auto", "lean", "litellm"],
        default="auto",
        help="who reads the stream: auto = the lean aiohttp reader for OpenAI-compatible routes, else litellm",
    )
    p.add_argument("--request-rate", type=float, help="requests per second as Poisson arrivals (levels cap in-flight)")
    p.add_argument(
        "--sweep",
        type=int,
        metavar="MAX",
        help="concurrency 1, 2, 4, ... up to MAX, stopping where throughput stops rising or an objective fails; "
        "reports the knee (overrides --concurrency)",
    )
    p.add_argument("--slo-ttft-ms", type=float, help="latency objective (p90) for goodput and the knee")
    p.add_argument("--slo-itl-ms", type=float, help="inter-token latency objective (p90) for goodput and the knee")
    p.add_argument("--slo-e2e-ms", type=float, help="latency objective (p90) for goodput and the knee")
    p.add_argument("--gpu", help="GPU type of a self-hosted endpoint, e.g. 'H100 SXM'")
    p.add_argument("--gpu-count", type=int)
    p.add_argument("--usd-per-gpu-hour", type=float)
    p.add_argument("--judge-model", help="litellm model that grades answers for llm_judge suites")
    p.add_argument("--judge-api-base", help="api_base of the judge model, if self-hosted")
    p.add_argument("--judge-api-key-env", help="variable holding the judge model's key")
    p.add_argument("--no-overhead", action="store_true", help="skip measuring the client's own overhead")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_probe)
    p = sub.add_parser(
        "import",
        help="store a benchmark result (AIPerf, GenAI-Perf, vllm bench serve, GuideLLM) as a run on your GPUs",
        description="Store a result file of AIPerf or GenAI-Perf (profile_export_aiperf.json or .csv, "
        "profile_export.jsonl), vLLM (vllm bench serve --save-result JSON) or GuideLLM (its JSON report) as a probe "
        "run: its throughput joins self-hosted cost and sizing for that model on those GPUs, its latency the "
        "portfolio, and it appears in the probe history.",
    )
    p.add_argument("file", help="the result file; its kind is told from its content")
    p.add_argument("--gpu", required=True, help="GPU type the server ran on, e.g. 'H100 SXM'")
    p.add_argument("--gpu-count", type=int, required=True, help="GPUs serving the model (tensor x pipeline parallel)")
    p.add_argument("--precision", help="weight format served, e.g. fp8 or bf16 (sizing at a precision needs it)")
    p.add_argument("--engine", help="serving engine and version, e.g. 'vLLM 0.11' or 'NIM 1.8'")
    p.add_argument("--model", help="the model's name, when the file names none (CSV, JSONL) or names it oddly")
    p.add_argument("--name", help="endpoint name to store the run under (default: '<tool> import, <n>x <GPU>')")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser(
        "resume",
        help="send the requests an interrupted run had not measured, with its own settings, and finish it",
        description="A run whose process ended without finishing it (killed, or the machine stopped) is marked "
        "interrupted by the next Frontier process. Resuming sends each request it had not measured, under the "
        "number, prompt and suite item it had, then stores the summary of the whole run.",
    )
    p.add_argument("run_id", help="the run's id, as the Live probes page's history shows it")
    p.add_argument("--suite", help="the .jsonl file of the run's suite, when it was uploaded rather than shipped")
    p.add_argument("--no-overhead", action="store_true", help="skip measuring the client's own overhead")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_resume)
    p = sub.add_parser("close", help="finish an interrupted run with the requests it had measured")
    p.add_argument("run_id", help="the run's id, as the Live probes page's history shows it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_close)
    p = sub.add_parser("suites", help="list the shipped eval suites")
    p.set_defaults(func=cmd_suites)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, SuiteError, StoreError, LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG


if __name__ == "__main__":
    sys.exit(main())
