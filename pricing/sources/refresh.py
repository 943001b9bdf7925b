"""Refreshing the store from its sources on demand: fetch, validate, compare, guard, load, and record the diff.

Frontier is offline by default; this runs only when asked (`python -m pricing refresh`, Home's Update data panel).
Each source is done on its own: its file is fetched (or read from a file handed in), read and checked by its
registry reader, compared with what the store holds, refused when it would remove too much or move too many prices
by over 10x (unless forced), and written in one transaction with its snapshot (time, link, content hash) and its
changes. A source whose content is byte-for-byte what was loaded last writes nothing. A source that fails leaves
the store as it was for that source and the others go on.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import time
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pricing.config import SecretsFileError, secret_text
from pricing.identity import resolve_model
from pricing.limits import InputError
from pricing.sources import diff
from pricing.sources.fetch import Fetched, FetchError, fetch_url, read_file, timeout_s
from pricing.sources.registry import SOURCES, Parsed, ReadContext, RefreshSource, source_named, url_for
from pricing.store import TABLE_COLUMNS, PriceSheet, SnapshotLoad, Store, StoreError

# What each outcome means; "loaded" and "unchanged" (and a dry run's "checked") are successes.
LOADED, UNCHANGED, CHECKED, FAILED, REFUSED = "loaded", "unchanged", "checked", "failed", "refused"
SKIPPED = "skipped"  # a source that needs a key nobody set, when it was not asked for by name
SUCCESSES = frozenset({LOADED, UNCHANGED, CHECKED, SKIPPED})
MAX_UNJOINED_SHOWN = 20

Progress = Callable[[str, float, str], None]  # (source name, fraction done, what it is doing)


@dataclass(frozen=True)
class RefreshRequest:
    """What to refresh: named sources (none: all), files handed in and links per source, dry run, force."""

    sources: tuple[str, ...] = ()
    files: Mapping[str, Path] = field(default_factory=dict)
    urls: Mapping[str, str] = field(default_factory=dict)
    dry_run: bool = False
    force: bool = False


@dataclass(frozen=True)
class SourceOutcome:
    """How one source's refresh ended, what it would change or changed, and the spellings it could not join."""

    source: str
    status: str
    message: str
    origin: str | None = None
    sha256: str | None = None
    rows: int = 0
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(diff.CHANGE_COLUMNS)))
    unjoined: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether it succeeded (loaded, unchanged, or checked in a dry run)."""
        return self.status in SUCCESSES

    def as_dict(self) -> dict[str, object]:
        """The outcome as JSON-ready values."""
        changes = self.changes.astype(object).where(self.changes.notna(), None)
        return {
            "source": self.source,
            "status": self.status,
            "message": self.message,
            "origin": self.origin,
            "sha256": self.sha256,
            "rows": self.rows,
            "summary": diff.summary(self.changes),
            "changes": changes.to_dict(orient="records"),
            "unjoined": list(self.unjoined),
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class RefreshReport:
    """Every source's outcome in one refresh run."""

    run_id: str
    outcomes: tuple[SourceOutcome, ...]

    @property
    def ok(self) -> bool:
        """Whether every source succeeded."""
        return all(outcome.ok for outcome in self.outcomes)

    @property
    def failed(self) -> tuple[SourceOutcome, ...]:
        """The sources that failed or were refused."""
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)


def parse_assignments(values: Sequence[str] | None, what: str) -> dict[str, str]:
    """NAME=VALUE pairs from the command line, each NAME a known source; InputError says which is wrong."""
    pairs: dict[str, str] = {}
    for value in values or ():
        name, sep, rest = value.partition("=")
        if not sep or not rest.strip():
            raise InputError(f"{what} {value!r} is not NAME=VALUE; e.g. {what} openrouter=models.json")
        pairs[source_named(name).name] = rest.strip()
    return pairs


def _api_key(source: RefreshSource, env: Mapping[str, str]) -> str | None:
    if source.api_key_env is None:
        return None
    key = env.get(source.api_key_env, "").strip()
    if key:
        return key
    if source.api_key_secret:
        try:
            return secret_text(source.api_key_secret)
        except SecretsFileError:
            return None
    return None


def _obtain(source: RefreshSource, request: RefreshRequest, env: Mapping[str, str]) -> Fetched:
    if source.name in request.files:
        return read_file(Path(request.files[source.name]).expanduser())
    headers: dict[str, str] = {}
    if source.api_key_header is not None:
        key = _api_key(source, env)
        if key is None:
            raise FetchError(
                f"{source.title} needs a free API key: set {source.api_key_env} (or {source.api_key_secret} in "
                ".streamlit/secrets.toml), or hand in a downloaded file with --from-file"
            )
        headers[source.api_key_header] = key
    return fetch_url(url_for(source, env, request.urls.get(source.name)), headers=headers, timeout=timeout_s(env))


def _aliases(source: RefreshSource, spellings: Sequence[str], on: dt.date) -> tuple[pd.DataFrame, tuple[str, ...]]:
    resolved = [resolve_model(spelling, on) for spelling in spellings]
    frame = pd.DataFrame(
        {
            "alias": list(spellings),
            "source": source.name,
            "model_id": [r.model_id for r in resolved],
            "rule": [r.rule for r in resolved],
            "loose": [r.loose for r in resolved],
            "reason": [r.reason for r in resolved],
        },
        columns=list(TABLE_COLUMNS["model_aliases"]),
    )
    return frame, tuple(r.raw for r in resolved if r.model_id is None)


def _sheet(source: RefreshSource, fetched: Fetched, as_of: dt.date) -> PriceSheet:
    assert source.sheet_name is not None
    note = (
        f"Refreshed from {fetched.origin} on {as_of} (sha256 {fetched.sha256[:12]}); each price is dated by the "
        "refresh that first saw it, earlier prices stay as history."
    )
    return PriceSheet(
        sheet_name=source.sheet_name,
        kind=source.sheet_kind,
        source=f"{source.credit}; refreshed from {fetched.origin}",
        as_of=as_of,
        note=note + (f" {source.attribution}" if source.attribution else ""),
    )


def _compare(
    store: Store, source: RefreshSource, parsed: Parsed, known: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[diff.Guard], bool]:
    """(changes, the price rows to write, guards, whether the source is new to the store)."""
    changes: list[pd.DataFrame] = []
    guards: list[diff.Guard] = []
    to_write = None
    had_rows = False
    if parsed.prices is not None and source.sheet_name is not None:
        old = store.current_prices(source.sheet_name) if _has_sheet(store, source.sheet_name) else pd.DataFrame()
        had_rows = had_rows or not old.empty
        price_changes, to_write, guard = diff.price_diff(old, parsed.prices, known)
        changes.append(price_changes)
        guards.append(guard)
    if parsed.scores is not None and (source.score_source is not None or source.score_prefix is not None):
        old_scores = _held_scores(store, source)
        had_rows = had_rows or not old_scores.empty
        score_changes, guard = diff.score_diff(old_scores, parsed.scores, known)
        if parsed.prices is not None:  # a model new to a source with prices is already listed once
            listed = set(changes[0]["model_id"].dropna()) if changes else set()
            score_changes = score_changes[
                ~(score_changes["change"].isin(["new_model", "removed_model"]) & score_changes["model_id"].isin(listed))
            ]
        changes.append(score_changes)
        guards.append(guard)
    frames = [frame for frame in changes if not frame.empty]
    merged = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(diff.CHANGE_COLUMNS))
    return merged, to_write, guards, not had_rows


def _held_scores(store: Store, source: RefreshSource) -> pd.DataFrame:
    """The scores a source owns in the store: by its one source name, or by its prefix on its benchmarks."""
    if source.score_prefix is not None:
        return store.scores_with_prefix(source.score_prefix, source.score_benchmarks)
    assert source.score_source is not None
    return store.scores_of_source(source.score_source)


def _has_sheet(store: Store, sheet_name: str) -> bool:
    return sheet_name in set(store.price_sheets()["sheet_name"])


@dataclass(frozen=True)
class _Loading:
    """How one fetched content is loaded: by a refresh (its diff recorded) or replayed after a reseed (no diff)."""

    run_id: str
    fetched_at: dt.datetime
    as_of: dt.date  # the date its rows are given: the refresh's, also when a reseed replays it
    force: bool
    dry_run: bool = False
    replay_of: str | None = None  # the snapshot a replay loads again; None for a refresh


def _refresh_one(
    store: Store, source: RefreshSource, request: RefreshRequest, env: Mapping[str, str], run_id: str, tick: Progress
) -> SourceOutcome:
    started = time.perf_counter()
    tick(source.name, 0.1, "fetching")
    fetched = _obtain(source, request, env)
    if store.last_snapshot_hash(source.name) == fetched.sha256:  # even forced: the same bytes change nothing
        return SourceOutcome(
            source.name,
            UNCHANGED,
            f"{source.title}: same content as the last refresh (sha256 {fetched.sha256[:12]}); nothing written",
            fetched.origin,
            fetched.sha256,
            seconds=time.perf_counter() - started,
        )
    fetched_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    loading = _Loading(run_id, fetched_at, fetched_at.date(), request.force, request.dry_run)
    return _check_and_load(store, source, fetched, loading, tick, started)


def _check_and_load(
    store: Store, source: RefreshSource, fetched: Fetched, loading: _Loading, tick: Progress, started: float
) -> SourceOutcome:
    """Read, check, compare, guard and load one source's content: the path a refresh and a replay share."""
    replay = loading.replay_of is not None
    tick(source.name, 0.4, "checking")
    benchmark_ids = frozenset(str(b) for b in store.benchmarks()["benchmark_id"])
    file_name = fetched.origin.removeprefix("file:") if fetched.origin.startswith("file:") else source.file_name
    parsed = source.read(fetched.content, ReadContext(loading.as_of, fetched.origin, file_name, benchmark_ids))
    tick(source.name, 0.6, "comparing")
    known = store.known_model_ids()
    changes, to_write, guards, first = _compare(store, source, parsed, known)
    if first:
        changes = pd.concat([diff.new_source_change(source.title), changes], ignore_index=True)
    aliases, unjoined = _aliases(source, parsed.spellings, loading.as_of)
    rows = sum(len(f) for f in (parsed.prices, parsed.scores, parsed.api_performance) if f is not None)
    refusals = [why for why in (guard.refusal() for guard in guards) if why]
    common = {
        "origin": fetched.origin,
        "sha256": fetched.sha256,
        "rows": rows,
        "changes": changes,
        "unjoined": unjoined,
    }
    if refusals and not loading.force:
        return SourceOutcome(
            source.name,
            REFUSED,
            f"{source.title} refused: {'; '.join(refusals)}. Nothing was written; check the file, or load it with "
            "--force if the change is real",
            seconds=time.perf_counter() - started,
            **common,
        )
    if loading.dry_run:
        return SourceOutcome(
            source.name,
            CHECKED,
            f"{source.title}: checked {rows:,} rows (dry run, nothing written)",
            seconds=time.perf_counter() - started,
            **common,
        )
    tick(source.name, 0.8, "loading")
    fetched_at = loading.fetched_at
    snapshot_id = f"{source.name}-{fetched_at:%Y%m%dT%H%M%S}-{fetched.sha256[:8]}" + ("-replay" if replay else "")
    stamp = {"snapshot_id": snapshot_id, "source_name": source.name, "fetched_at": fetched_at}
    # A replay puts back what a reseed replaced: its difference from the shipped data is no news, so none is kept.
    recorded = changes.iloc[0:0] if replay else changes
    store.load_snapshot(
        SnapshotLoad(
            snapshot={
                **stamp,
                "run_id": loading.run_id,
                "url": fetched.origin,
                "content_sha256": fetched.sha256,
                "content_bytes": len(fetched.content),
                "rows_loaded": rows,
                "as_of": loading.as_of,
                "forced": loading.force,
            },
            changes=recorded.assign(**stamp)[list(TABLE_COLUMNS["refresh_changes"])],
            sheet=_sheet(source, fetched, loading.as_of) if to_write is not None else None,
            prices=to_write,
            score_source=source.score_source,
            scores=parsed.scores,
            score_prefix=source.score_prefix,
            score_benchmark_ids=source.score_benchmarks,
            performance_source=source.performance_source,
            api_performance=parsed.api_performance,
            models=parsed.models,
            aliases=aliases,
            benchmarks=parsed.benchmarks,
            # Kept once, by the snapshot that fetched it (deterministic bytes: no time in the gzip header).
            content_gzip=None if replay else gzip.compress(fetched.content, mtime=0),
            replay_of=loading.replay_of,
        )
    )
    if replay:
        return SourceOutcome(
            source.name,
            LOADED,
            f"{source.title}: loaded its refresh of {loading.as_of} again after the reseed ({rows:,} rows, "
            f"snapshot {loading.replay_of})",
            seconds=time.perf_counter() - started,
            **(common | {"changes": recorded}),
        )
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in diff.summary(changes).items()) or "no changes"
    return SourceOutcome(
        source.name,
        LOADED,
        f"{source.title}: loaded {rows:,} rows from {fetched.origin} ({counts})",
        seconds=time.perf_counter() - started,
        **common,
    )


def _replay_one(store: Store, source: RefreshSource, latest: pd.Series, run_id: str, tick: Progress) -> SourceOutcome:
    """Load a source's latest snapshot again from its kept content, forced (it was accepted once), with no diff."""
    started = time.perf_counter()
    original = str(latest["replay_of"]) if pd.notna(latest["replay_of"]) else str(latest["snapshot_id"])
    as_of = pd.Timestamp(latest["as_of"]).date()
    tick(source.name, 0.1, "reading its kept content")
    content_gzip = store.snapshot_content_gzip(original)
    if content_gzip is None:
        return SourceOutcome(
            source.name,
            SKIPPED,
            f"{source.title}: its refresh of {as_of} was loaded before Frontier kept contents, so the reseed's data "
            f"stands; run `python -m pricing refresh --source {source.name}` to load it again",
        )
    try:
        content = gzip.decompress(content_gzip)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"the kept content of snapshot {original} is not readable gzip ({exc})") from None
    sha256 = hashlib.sha256(content).hexdigest()
    if sha256 != latest["content_sha256"]:
        raise InputError(f"the kept content of snapshot {original} does not match its recorded SHA-256")
    fetched = Fetched(content=content, origin=str(latest["url"]), sha256=sha256)
    fetched_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    loading = _Loading(run_id, fetched_at, as_of, force=True, replay_of=original)
    return _check_and_load(store, source, fetched, loading, tick, started)


def replay_after_seed(store: Store, seeded_at: dt.datetime, progress: Progress | None = None) -> RefreshReport:
    """After a reseed, load each source's latest snapshot from before it again, from the content the store kept.

    In registry order, through the readers and load path of a refresh, forced and writing no diff; each replay is
    a snapshot of its own whose `replay_of` names the one it loads again. A replay that fails (a reader that no
    longer reads the content) writes nothing of that source, so the reseed's data stays, and says which and why.
    """
    tick: Progress = progress or (lambda _source, _done, _doing: None)
    latest = store.latest_snapshots_before(seeded_at).drop_duplicates("source_name").set_index("source_name")
    run_id = uuid.uuid4().hex[:12]
    outcomes: list[SourceOutcome] = []
    for source in SOURCES:
        if source.name not in latest.index:
            continue
        started = time.perf_counter()
        try:
            outcome = _replay_one(store, source, latest.loc[source.name], run_id, tick)
        except (InputError, StoreError) as exc:
            outcome = SourceOutcome(
                source.name, FAILED, _replay_failed(source, exc), seconds=time.perf_counter() - started
            )
        except Exception as exc:  # noqa: BLE001 - one source's surprise must not stop the others
            outcome = SourceOutcome(
                source.name,
                FAILED,
                _replay_failed(source, f"unexpected {type(exc).__name__}"),
                seconds=time.perf_counter() - started,
            )
        tick(source.name, 1.0, outcome.status)
        outcomes.append(outcome)
    return RefreshReport(run_id, tuple(outcomes))


def _replay_failed(source: RefreshSource, why: object) -> str:
    return (
        f"{source.title}: its last refresh could not be loaded again after the reseed: {why}. Nothing of it was "
        f"written, so the reseed's data stands; run `python -m pricing refresh --source {source.name}` to load it anew"
    )


def selected_sources(request: RefreshRequest) -> tuple[RefreshSource, ...]:
    """The registry entries a request names (every one when it names none); UnknownSourceError for a bad name."""
    names = [source_named(name).name for name in request.sources]
    for name in (*request.files, *request.urls):
        if name not in names:
            names.append(name)
    return tuple(source_named(name) for name in names) if names else SOURCES


def refresh(
    store: Store,
    request: RefreshRequest,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RefreshReport:
    """Refresh each requested source in turn; one failing never stops or undoes another."""
    env = dict(os.environ) if env is None else env
    tick: Progress = progress or (lambda _source, _done, _doing: None)
    run_id = uuid.uuid4().hex[:12]
    outcomes: list[SourceOutcome] = []
    named = {source_named(name).name for name in (*request.sources, *request.files, *request.urls)}
    for source in selected_sources(request):
        started = time.perf_counter()
        if source.api_key_env and source.name not in named and _api_key(source, env) is None:
            outcome = SourceOutcome(
                source.name, SKIPPED, f"{source.title} skipped: set {source.api_key_env} to refresh it (free key)"
            )
            tick(source.name, 1.0, outcome.status)
            outcomes.append(outcome)
            continue
        try:
            outcome = _refresh_one(store, source, request, env, run_id, tick)
        except (InputError, StoreError) as exc:
            outcome = SourceOutcome(
                source.name, FAILED, f"{source.title} failed: {exc}", seconds=time.perf_counter() - started
            )
        except Exception as exc:  # noqa: BLE001 - one source's surprise must not stop the others
            outcome = SourceOutcome(
                source.name,
                FAILED,
                f"{source.title} failed unexpectedly ({type(exc).__name__}); nothing of it was written",
                seconds=time.perf_counter() - started,
            )
        tick(source.name, 1.0, outcome.status)
        outcomes.append(outcome)
    return RefreshReport(run_id, tuple(outcomes))


def changes_since(store: Store, since: dt.date) -> pd.DataFrame:
    """Every change refreshes recorded from a date on, newest first."""
    return store.refresh_changes(dt.datetime.combine(since, dt.time()))


def source_status(store: Store, today: dt.date | None = None) -> pd.DataFrame:
    """Each refreshable source with the date of its newest data, its age in days and its last refresh."""
    today = today or dt.date.today()
    held = store.sources()
    snapshots = store.source_snapshots()
    rows = []
    for source in SOURCES:
        labels = [label for label in (source.sheet_name, source.score_source) if label]
        dated = held[held["source"].isin(labels)]["as_of"]
        if source.score_prefix is not None:  # its benchmarks' rows only: the prefix is shared with other files
            dated = _held_scores(store, source)["as_of"]
        dates = pd.to_datetime(dated, errors="coerce").dropna()
        # A reseed's replay loads an earlier refresh again: the refresh's own time is when it was last refreshed.
        mine = snapshots[(snapshots["source_name"] == source.name) & snapshots["replay_of"].isna()]
        last = mine.iloc[0] if not mine.empty else None
        as_of = dates.max().date() if len(dates) else None
        rows.append(
            {
                "source": source.name,
                "title": source.title,
                "as_of": as_of,
                "age_days": (today - as_of).days if as_of is not None else None,
                "last_refreshed": None if last is None else pd.Timestamp(last["fetched_at"]).to_pydatetime(),
                "last_url": None if last is None else str(last["url"]),
                "needs_key": source.api_key_env,
                "credit": source.credit,
            }
        )
    return pd.DataFrame(rows)
