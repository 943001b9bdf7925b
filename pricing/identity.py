"""Canonical identities for language models and GPUs, so that every source's spelling meets, and only meets
the spellings of the same model.

Price lists (litellm, provider catalogues), leaderboards (llm-stats, LMArena, Open LLM Leaderboard, Epoch
AI) and serving benchmarks (TensorRT-LLM, NIM) each spell the same model differently: provider and host
prefixes, date snapshots, quantisation tags, marketing suffixes, "3-5" versus "3.5". `resolve_model` turns
any spelling into a `Resolution`: the canonical id (lowercase, hyphen-separated, dots kept in version
numbers), the names of the rules that joined it, whether any of them is a loose rule, and a sentence
saying why. `canonical_model_id` is its id alone ("" when the spelling is refused).

What counts as "the same model" (a score must belong to the model that is priced):
- Reviewed first. `data/model_aliases.csv` is a curated list of spellings (the most used models of the
  main makers, each line checked) and of names no rule can derive; a listed spelling resolves as listed.
- Dated snapshots stay apart when the maker has shipped more than one: `data/model_snapshots.csv` lists
  the snapshots of those models (gpt-4o-2024-05-13 and gpt-4o-2024-08-06 are different models) and a
  spelling's date or version tag picks one. A snapshot suffix on a model with a single known release is
  dropped (rule `snapshot`: the maker's bare name points at it).
- Moving names (`-latest`, and a bare name whose maker moved it between snapshots, such as `gpt-4o`)
  resolve through `data/model_pointers.csv`, a dated table with its source, on the date the caller
  gives (default today). A moving name with no dated target is refused, not guessed.
- Reasoning-effort and thinking variants are their own models, `base:variant` (`o3-mini:high`,
  `claude-3.7-sonnet:thinking-32k`): scored as themselves; `pricing.variants` prices them as their base.
- An id that would name a whole family or several models (a bare vendor word such as `claude`, `glm`,
  `kimi`) is refused.
- Loose rules join different builds of the same weights (quantisation tags, a host's marketing name such
  as groq's "-instant", a bare Llama size read as the instruct model); the catalogue flags them.
- Base and instruct stay distinct. A bare Llama 3.x size ("llama-3.3-70b") is read as the instruct model
  when it is a provider's API name, and as the base model when it is a Hugging Face repository name with
  the org ("meta-llama/Llama-3.1-8B"), because APIs serve instruct models.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ALIASES_FILE = "model_aliases.csv"
SNAPSHOTS_FILE = "model_snapshots.csv"
POINTERS_FILE = "model_pointers.csv"

# Rule names recorded with every join; the loose ones are flagged in the catalogue.
RULES: dict[str, tuple[str, bool]] = {
    "curated": ("listed in data/model_aliases.csv (reviewed)", False),
    "pointer": ("a moving name resolved through data/model_pointers.csv on its date", False),
    "snapshot-table": ("a dated snapshot listed in data/model_snapshots.csv", False),
    "exact": ("the spelling is the canonical id", False),
    "provider-path": ("host, router or region prefix dropped", False),
    "spelling": ("case, separators and version punctuation", False),
    "reorder": ("size and suffix order", False),
    "variant": ("reasoning-effort or thinking variant kept as its own model", False),
    "snapshot": ("date or version tag dropped: the only release of this model known", False),
    "latest-of-version": ("'-latest' on a versioned name with a single release", False),
    "unlisted-snapshot": ("a snapshot tag not in data/model_snapshots.csv: kept apart", False),
    "quantisation": ("precision or file-format tag dropped (same weights, another precision)", True),
    "provider-name": ("a host's marketing name for the same weights", True),
    "instruct-assumed": ("a bare size read as the instruct model an API serves", True),
}
LOOSE_RULES = frozenset(name for name, (_, loose) in RULES.items() if loose)

# Ids that name a family or a vendor, not a model: refused rather than joined to any one model.
_FAMILY_WORDS = frozenset(
    {
        *("claude", "gpt", "chatgpt", "gemini", "gemma", "llama", "meta", "qwen", "qwq", "mistral", "mixtral"),
        *("ministral", "magistral", "devstral", "codestral", "pixtral", "deepseek", "kimi", "moonshot", "glm"),
        *("zai", "grok", "phi", "nemotron", "nvidia", "command", "cohere", "jamba", "nova", "titan", "yi"),
        *("granite", "minimax", "doubao", "seed", "ernie", "hunyuan", "o"),
    }
)


@dataclass(frozen=True)
class Resolution:
    """How one spelling resolved: its canonical id (None when refused), the rules used and why."""

    raw: str
    model_id: str | None
    rules: tuple[str, ...]
    reason: str
    variant: str | None = None

    @property
    def rule(self) -> str:
        """The rules as one label ("curated", "provider-path+snapshot", "refused")."""
        return "+".join(self.rules) if self.rules else ("refused" if self.model_id is None else "exact")

    @property
    def loose(self) -> bool:
        """Whether a loose rule (quantisation, a host's marketing name, an assumed instruct) made the join."""
        return any(rule in LOOSE_RULES for rule in self.rules)

    @property
    def base_id(self) -> str | None:
        """The model a variant is a variant of (the id itself when it is not a variant)."""
        return None if self.model_id is None else self.model_id.split(":", 1)[0]


@dataclass(frozen=True)
class Snapshot:
    """One dated release of a model with several."""

    base: str
    model_id: str
    tags: tuple[str, ...]  # suffix spellings that name it ("2024-08-06", "preview-05-06", "001"); "" = bare
    released: dt.date | None
    source_url: str


@dataclass(frozen=True)
class Pointer:
    """A moving name and the model it pointed at from one date to another."""

    alias: str
    provider: str  # "" = any host; else only spellings with this host prefix (or none)
    model_id: str | None  # None: this host's target is unknown (refused)
    valid_from: dt.date | None
    valid_until: dt.date | None
    source_url: str
    note: str


@dataclass(frozen=True)
class Registry:
    """The reviewed identity data: curated spellings, snapshots and dated pointers."""

    curated: dict[str, tuple[str | None, str, tuple[str, ...]]]  # spelling -> (model_id or None, note, loose rules)
    snapshots: dict[str, tuple[Snapshot, ...]]  # base -> its snapshots
    pointers: dict[str, tuple[Pointer, ...]]  # alias -> its dated targets


def _date_or_none(text: str) -> dt.date | None:
    text = text.strip()
    return dt.date.fromisoformat(text) if text else None


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a reviewed CSV (lines starting with '#' are comments); a malformed line is an error."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = []
    for number, row in enumerate(csv.DictReader(lines), start=2):
        if None in row or any(value is None for value in row.values()):
            raise ValueError(f"{path.name}: data row {number} has the wrong number of fields: {row}")
        rows.append({key: value.strip() for key, value in row.items()})
    return rows


def load_registry(data_dir: Path = DATA_DIR) -> Registry:
    """Read the three reviewed identity files from a data folder."""
    curated: dict[str, tuple[str | None, str, tuple[str, ...]]] = {}
    for row in _rows(data_dir / ALIASES_FILE):
        kinds = tuple(k for k in row.get("kind", "").split("+") if k)
        unknown = [k for k in kinds if k not in LOOSE_RULES]
        if unknown:
            raise ValueError(f"{ALIASES_FILE}: {row['spelling']}: unknown kind {unknown}; use {sorted(LOOSE_RULES)}")
        curated[row["spelling"].lower()] = (row["model_id"] or None, row.get("note", ""), kinds)
    snapshots: dict[str, list[Snapshot]] = {}
    for row in _rows(data_dir / SNAPSHOTS_FILE):
        tags = tuple(t.strip().lower() for t in row["tags"].split("|"))
        snapshot = Snapshot(row["base"], row["model_id"], tags, _date_or_none(row["released"]), row["source_url"])
        snapshots.setdefault(row["base"], []).append(snapshot)
    pointers: dict[str, list[Pointer]] = {}
    for row in _rows(data_dir / POINTERS_FILE):
        pointer = Pointer(
            alias=row["alias"],
            provider=row["provider"],
            model_id=row["model_id"] or None,
            valid_from=_date_or_none(row["valid_from"]),
            valid_until=_date_or_none(row["valid_until"]),
            source_url=row["source_url"],
            note=row["note"],
        )
        pointers.setdefault(row["alias"], []).append(pointer)
    return Registry(
        curated=curated,
        snapshots={base: tuple(rows) for base, rows in snapshots.items()},
        pointers={alias: tuple(rows) for alias, rows in pointers.items()},
    )


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The shipped identity data (read once)."""
    return load_registry()


# Reasoning effort / thinking budget variants, as Epoch (_high, _16K, _thinking), LMArena ("(thinking-16k)",
# "-no-thinking", "o3-mini-high") and xAI ("-non-reasoning") spell them.
_EFFORTS = "minimal|low|medium|high|xhigh"
_VARIANT_UNDERSCORE = re.compile(rf"_((?:{_EFFORTS})|\d+k|thinking|no[-_]thinking)$", re.IGNORECASE)
_VARIANT_PAREN = re.compile(r"\s*\(([^)]*(?:thinking|reasoning)[^)]*)\)\s*$", re.IGNORECASE)
_VARIANT_HYPHEN = re.compile(rf"-((?:{_EFFORTS})|no-thinking|non-reasoning|reasoning)$", re.IGNORECASE)
# Our own canonical form, "base:variant"
_VARIANT_COLON = re.compile(
    rf":((?:{_EFFORTS})|thinking(?:-\d+k)?|no-thinking|non-reasoning|reasoning)$", re.IGNORECASE
)


def split_variant(raw: str) -> tuple[str, str | None]:
    """Split a reasoning-effort or thinking variant off a model spelling: (spelling, variant or None)."""
    text = raw.strip()
    for pattern in (_VARIANT_COLON, _VARIANT_PAREN, _VARIANT_UNDERSCORE):
        match = pattern.search(text)
        if match:
            return text[: match.start()].strip(), match.group(1).lower()
    if re.match(r"^(?:.*/)?claude-.*-thinking$", text, re.IGNORECASE):
        return text[: -len("-thinking")], "thinking"
    match = _VARIANT_HYPHEN.search(text)
    # "-high"/"-low" only mark an effort on reasoning models (o-series, gpt-5, grok); "-no-thinking" and
    # "-(non-)reasoning" always mark a mode.
    if match and (
        match.group(1).lower() in ("no-thinking", "non-reasoning", "reasoning")
        or re.match(r"^(?:.*/)?(o\d|gpt-5|grok-\d)", text, re.IGNORECASE)
    ):
        return text[: match.start()], match.group(1).lower()
    return text, None


def _variant_label(variant: str) -> str:
    """One spelling per variant: '16K' and '16k thinking' -> 'thinking-16k', 'no_thinking' -> 'no-thinking'."""
    text = re.sub(r"[\s_]+", "-", variant.strip().lower())
    budget = re.fullmatch(r"(?:thinking-)?(\d+k)(?:-thinking)?", text)
    if budget:
        return f"thinking-{budget.group(1)}"
    return text


_BEDROCK_VENDOR = re.compile(
    r"^(?:(?:us|eu|apac|au|jp|ca|global|in|us-gov)\.)?"
    r"(anthropic|meta|mistral|amazon|ai21|cohere|deepseek|qwen|google|openai|xai|moonshot|moonshotai|"
    r"minimax|nvidia|zai|writer|twelvelabs|stability)\.(?=[a-z0-9])"
)
_VENDOR_WORD_PREFIXES = (
    "databricks-",
    "meta-llama-",
    "anthropic-",
    "openai-",
    "nvidia-llama",
    "amazon-",
    "c4ai-",
    "zai-",
    "open-",
)
_QUANT_SUFFIX = re.compile(
    r"-(?:fp8|fp16|bf16|fp4|nvfp4|mxfp4?|int4|int8|awq|gptq|gguf|q[2-8](?:-k)?(?:-[a-z0-9]+)?|mlx|tput)$"
)
# Date and version tags of a snapshot, longest first; each match is kept as the snapshot's tag.
_SNAPSHOT_SUFFIXES = (
    re.compile(r"-((?:preview|exp|experimental)-\d{2}-\d{2,4})$"),  # -preview-05-06, -preview-09-2025
    re.compile(r"-((?:preview|exp)-\d{4})$"),  # -exp-0827, -preview-0514
    re.compile(r"-(20\d{2}-[01]\d-[0-3]\d)$"),  # -2024-08-06
    re.compile(r"-(20\d{6})$"),  # -20241022
    re.compile(r"-([01]\d-[0-3]\d-20\d{2})$"),  # -03-27-2025
    re.compile(r"-(20\d{2}-[01]\d)$"),  # -2024-05 (Artificial Analysis)
    re.compile(r"-([01]\d-20\d{2})$"),  # -08-2024, -09-2025
    re.compile(r"-(2[3-7][01]\d[0-3]\d)$"),  # -251104 (YYMMDD)
    re.compile(r"-([01]\d-[0-3]\d)$"),  # -05-06 (MM-DD)
    re.compile(r"-(\d{4})$"),  # -0613 (MMDD) or -2407 (Mistral's YYMM)
    re.compile(r"-(00\d)$"),  # -001 (Google's stable versions)
)
# DeepSeek and Kimi name distinct releases by date (deepseek-v3-0324, kimi-k2-0905): the date is the name.
_KEEPS_MMDD = re.compile(r"^(deepseek-(?:chat-)?v3|deepseek-r1|kimi-k2)$")
_CLAUDE = re.compile(
    r"^claude-(?:(\d)(?:[.-](\d))?-)?(opus|sonnet|haiku|instant|fable|mythos)(?:-(\d)(?:[.-](\d))?)?(?=-|$)(.*)$"
)
_LLAMA_VERSION = re.compile(r"(?<![a-z])llama-?v?(\d)(?:[.-](\d))?(?=-|$)")
_SIZE = r"\d+(?:\.\d+)?b"
_REORDER = re.compile(rf"^(.*?)-(instruct|chat|it)-({_SIZE})$")
_LLAMA_BARE = re.compile(rf"^llama-(?:3(?:\.\d)?|4)-{_SIZE}$")
_HF_META_ORG = re.compile(r"(?:^|/)meta-llama/[^/]+$", re.IGNORECASE)
_OPEN_WEIGHT = re.compile(r"^(llama-|qwen\d|qwq|deepseek-|mistral-\d|mixtral-|gemma-)")
# A version written with hyphens after a name ("claude-3-5", "dolphin-2-9-2", "seed-2-0", "grok-4-20"):
# components of one or two digits, the first not zero-padded (so "-05-06" dates are never read as one).
_HYPHEN_VERSION = re.compile(r"(?<=[a-z])-([1-9]\d?)((?:-\d{1,2})+)(?=-|$)")
_VERSIONED = re.compile(r"(?:^|-)v?\d+(?:\.\d+)*(?=-|$)|[a-z]\d+(?:\.\d+)?(?=-|$)")
_LATEST = re.compile(r"[-@_:\s]latest$", re.IGNORECASE)


class _Trace:
    """A spelling on its way to an id, with the names of the rules that changed it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.rules: list[str] = []

    def set(self, rule: str, text: str) -> None:
        if text != self.text:
            self.text = text
            if rule not in self.rules:
                self.rules.append(rule)

    def sub(self, rule: str, pattern: str | re.Pattern[str], repl: object, count: int = 0) -> None:
        self.set(rule, re.sub(pattern, repl, self.text, count=count))  # type: ignore[call-overload]


def _host_of(raw: str) -> str | None:
    """The host prefix of a provider path ("azure_ai/mistral-large-latest" -> "azure_ai"), if any."""
    parts = raw.strip().split("/")
    return parts[0].lower() if len(parts) > 1 and parts[0] else None


def _spelling_key(raw: str) -> tuple[str, bool]:
    """The model part of a spelling in key form (lowercase, hyphens) and whether a path or prefix was dropped."""
    text = raw.strip()
    segment = text.rsplit("/", 1)[-1]
    if re.match(r"^\d", segment) and "/" in text:
        segment = f"{text.rsplit('/', 2)[-2]}-{segment}"  # "CausalLM/14B": a bare size names nothing without its org
    dropped = segment != text
    lowered = segment.lower()
    match = _BEDROCK_VENDOR.match(lowered)
    if match:
        dropped = True
        lowered = lowered[match.end() :]
        # bedrock writes "deepseek.v3.2" and "deepseek.r1-v1:0": the vendor word is part of the name
        if match.group(1) == "deepseek" and re.match(r"^[vr]\d", lowered):
            lowered = "deepseek-" + lowered
        # bedrock's API version ("-v1:0", "-v2:0"); "claude-v2:1" is a model version, kept
        if not re.fullmatch(r"claude(?:-instant)?-v\d+(?::\d+)?", lowered):
            lowered = re.sub(r"-v\d+:\d+$", "", lowered)
    # "Claude Opus 4 (20250514)", "Qwen1.5 (72B)", "Command R+ (08-2024)": parentheses become tokens
    lowered = re.sub(r"\(\s*\d+-shot\s*\)", " ", lowered)
    lowered = lowered.replace("+", "-plus").replace("(", " ").replace(")", " ").replace("@", "-")
    lowered = re.sub(r"[\s_:]+", "-", lowered).strip("-")
    return re.sub(r"-+", "-", lowered), dropped


def _normalise(key: str, has_meta_org: bool, has_google_org: bool) -> tuple[_Trace, list[str]]:
    """Apply the spelling rules to a key; returns the trace and the snapshot tags stripped (outermost last)."""
    t = _Trace(key)
    t.sub("spelling", r"(\d)p(\d)", r"\1.\2")  # fireworks: v3p1, qwen2p5, 1p5b
    t.sub("spelling", r"^gpt-35-", "gpt-3.5-")  # Azure's gpt-35-turbo
    for prefix in _VENDOR_WORD_PREFIXES:
        if t.text.startswith(prefix):
            head = {"nvidia-llama": "llama", "meta-llama-": "llama-"}.get(prefix, "")
            t.set("spelling", head + t.text[len(prefix) :])
    t.sub("spelling", r"^meta-(?=llama)", "")
    t.sub("spelling", r"^gemini-(?=gemma)", "")
    t.sub("spelling", r"^code-?llama", "codellama")
    t.sub("spelling", r"^code-?qwen-?(?=\d)", "codeqwen")
    t.sub("spelling", r"^(?:fw|nvidia|qwen)-(?=deepseek|glm|kimi|gpt-oss|minimax|nemotron|qwq|llama)", "")
    makers = r"^(?:nvidia|deepseek-ai|qwen|mistralai|google|microsoft)-(?=llama|qwen|deepseek|mistral|gemma|phi)"
    t.sub("spelling", makers, "")
    tags = _strip_suffixes(t)
    # version spellings
    t.sub("spelling", _HYPHEN_VERSION, lambda m: "-" + m.group(1) + m.group(2).replace("-", "."))
    t.sub("spelling", _LLAMA_VERSION, lambda m: f"llama-{m.group(1)}" + (f".{m.group(2)}" if m.group(2) else ""))
    t.sub(
        "spelling",
        r"^qwen-?v?(\d)(?:\.(\d))?(?=-|$)",
        lambda m: "qwen" + m.group(1) + (f".{m.group(2)}" if m.group(2) else ""),
    )
    t.sub("spelling", r"^qwen25(?=-)", "qwen2.5")
    t.sub(
        "spelling",
        r"^gemma-?(\d)(?:\.(\d))?(?=-|n|$)",
        lambda m: "gemma-" + m.group(1) + (f".{m.group(2)}" if m.group(2) else ""),
    )
    t.sub(
        "spelling",
        r"^phi-?(\d)(?:[.-](\d))?(?=-|$)",
        lambda m: "phi-" + m.group(1) + (f".{m.group(2)}" if m.group(2) else ""),
    )
    t.sub("spelling", r"^deepseek-v(\d)-(\d)(?=-|$)", r"deepseek-v\1.\2")
    t.sub("spelling", r"^(kimi-k|minimax-m)-(?=\d\.\d)", r"\1")
    t.sub("spelling", r"^(kimi-k|minimax-m)(\d)-(\d)(?=-|$)", r"\1\2.\3")
    t.sub("spelling", r"^qwen(\d)-(\d)(?=-|$)", r"qwen\1.\2")
    t.sub("spelling", r"^(jamba|granite|glm|mistral-(?:small|medium|large))(\d)(?=[.-]|$)", r"\1-\2")
    if t.text.startswith("claude-"):
        t.set("spelling", _canonical_claude(t.text))
    # same weights under a host's marketing name
    t.sub("provider-name", r"^(llama-3\.1-8b)-instant$", r"\1-instruct")
    t.sub("provider-name", r"^(llama-3\.[13]-70b)-(?:versatile|specdec)$", r"\1-instruct")
    t.sub("provider-name", r"^deepseek-(v3|r1)-turbo$", r"deepseek-\1")
    if _OPEN_WEIGHT.match(t.text):
        t.sub("provider-name", r"-turbo(?=-|$)", "")
    t.sub("provider-name", r"-(?:original|basic)$", "")
    t.sub("reorder", _REORDER, r"\1-\3-\2")
    t.sub("spelling", r"^(llama-3\.2-(?:11|90)b)-vision", r"\1")
    t.sub("spelling", r"^llama-4-(maverick|scout)(?:-17b)?(?:-\d+e)?(?:-instruct)?(?:-basic)?$", r"llama-4-\1")
    t.sub("spelling", r"^llama-(\d(?:\.\d)?-\d+b)-chat-hf$", r"llama-\1-chat")
    t.sub("spelling", r"^llama-(\d(?:\.\d)?-\d+b)-hf$", r"llama-\1")
    t.sub("spelling", r"^(mixtral-8x\d+b-instruct)-v0\.1$", r"\1")
    t.sub("spelling", r"^(mixtral-8x\d+b)-v0\.1$", r"\1-base")
    t.sub("spelling", r"^(gemma-[\d.]+n?-[\w.]+?)-instruct$", r"\1-it")
    if _LLAMA_BARE.match(t.text) and not has_meta_org:
        t.set("instruct-assumed", t.text + "-instruct")
    if re.match(rf"^gemma-\d(?:\.\d)?-{_SIZE}$", t.text) and not has_google_org:
        t.set("instruct-assumed", t.text + "-it")
    t.sub("spelling", r"^(qwen2(?:\.5)?-vl-\d+b)-instruct$", r"\1")
    t.sub("spelling", r"^(qwen3-(?:235b|30b))$", lambda m: m.group(1) + ("-a22b" if "235" in m.group(1) else "-a3b"))
    t.sub("spelling", r"^qwen3-coder-480b(?:-a35b)?(?:-instruct)?$", "qwen3-coder-480b-a35b-instruct")
    t.sub("spelling", r"^(nova-(?:lite|micro|pro|premier))-(?:v1|1\.0)$", r"\1")
    t.sub("spelling", r"-+", "-")
    return t, tags


def _strip_suffixes(t: _Trace) -> list[str]:
    """Drop format tags (quantisation, host channels) and collect snapshot tags, repeatedly, from the end."""
    tags: list[str] = []
    while True:
        before = t.text
        t.sub("provider-path", r"(?:-v\d+-\d|-maas|-cloud)$", "")
        t.sub("quantisation", _QUANT_SUFFIX, "")
        t.sub("spelling", r"-hf$", "")
        if t.text.startswith("grok-"):
            t.sub("snapshot", r"-beta$", "")
        for pattern in _SNAPSHOT_SUFFIXES:
            match = pattern.search(t.text)
            if not match:
                continue
            stem = t.text[: match.start()]
            if _KEEPS_MMDD.match(stem) and re.fullmatch(r"\d{4}|2[3-7]\d{4}", match.group(1)):
                if len(match.group(1)) == 6:  # volcengine's YYMMDD of a dated DeepSeek release: its MMDD
                    t.set("spelling", f"{stem}-{match.group(1)[2:]}")
                break
            if stem in _FAMILY_WORDS or not stem:
                break  # "gemini-exp-1206": the tag is the whole name
            tags.insert(0, match.group(1))
            t.text = stem  # kept as a snapshot tag; what it means is decided once the base is known
            break
        gemini_exp = re.search(r"-(exp|experimental|preview)$", t.text)
        if gemini_exp and t.text.startswith("gemini-"):
            tags.insert(0, gemini_exp.group(1))
            t.text = t.text[: gemini_exp.start()]
        elif t.text.endswith("-preview") and not re.match(r"^(o1|qwq-32b|qvq-72b)-preview$", t.text):
            tags.insert(0, "preview")
            t.text = t.text[: -len("-preview")]
        if t.text == before:
            return tags


def _canonical_claude(text: str) -> str:
    """Anthropic's own order: version first up to 3.x (claude-3.5-sonnet), tier first from 4 on."""
    match = _CLAUDE.match(text)
    if not match:
        return text
    major_a, minor_a, tier, major_b, minor_b, rest = match.groups()
    major, minor = (major_a, minor_a) if major_a else (major_b, minor_b)
    if not major:
        return text
    version = f"{major}.{minor}" if minor else major
    if tier in ("instant",):
        return f"claude-instant-{version}{rest}"
    return (f"claude-{tier}-{version}" if int(major) >= 4 else f"claude-{version}-{tier}") + rest


def _tag_date(tag: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) a snapshot tag names, any part None when the tag does not give it."""
    digits = re.sub(r"^(?:preview|exp|experimental)-", "", tag)
    patterns: tuple[tuple[str, tuple[str, ...]], ...] = (
        (r"(20\d{2})-?([01]\d)-?([0-3]\d)", ("y", "m", "d")),
        (r"([01]\d)-([0-3]\d)-(20\d{2})", ("m", "d", "y")),
        (r"(20\d{2})-([01]\d)", ("y", "m")),
        (r"([01]\d)-(20\d{2})", ("m", "y")),
        (r"(2[3-7])([01]\d)([0-3]\d)", ("yy", "m", "d")),
        (r"([01]\d)-?([0-3]\d)", ("m", "d")),
    )
    for pattern, names in patterns:
        match = re.fullmatch(pattern, digits)
        if match:
            parts = dict(zip(names, (int(g) for g in match.groups()), strict=True))
            year = parts.get("y") or (2000 + parts["yy"] if "yy" in parts else None)
            return year, parts.get("m"), parts.get("d")
    return None, None, None


def _match_snapshot(snapshots: tuple[Snapshot, ...], tags: list[str]) -> Snapshot | None:
    """The listed snapshot a tag names: by its spelling, else by the release date it gives (if unique)."""
    while tags and re.fullmatch(r"00\d", tags[-1]) and "-".join(tags) not in {t for s in snapshots for t in s.tags}:
        tags = tags[:-1]  # Vertex's "@2411-001": the -001 is the platform's revision of that snapshot
    tag = "-".join(tags)
    for snapshot in snapshots:
        if tag in snapshot.tags:
            return snapshot
    year, month, day = _tag_date(tag)
    if month is None:
        return None
    hits = [
        s
        for s in snapshots
        if s.released is not None
        and s.released.month == month
        and (year is None or s.released.year == year)
        and (day is None or s.released.day == day)
    ]
    if len(hits) > 1:  # a month with a preview and a release: a date alone names the release
        hits = [s for s in hits if not any(re.match(r"(?:preview|exp)", t) for t in s.tags if t)]
    return hits[0] if len(hits) == 1 else None


def _pointer_target(alias: str, host: str | None, on: dt.date) -> tuple[Pointer | None, bool]:
    """(the pointer in force on `on` for this host, whether the alias is a listed moving name at all)."""
    rows = registry().pointers.get(alias)
    if not rows:
        return None, False
    for row in rows:
        if row.provider and row.provider != host and not (host is None and row.model_id is not None):
            continue
        if (row.valid_from is None or row.valid_from <= on) and (row.valid_until is None or on <= row.valid_until):
            return row, True
    return None, True


def spelling_key(raw: str) -> str:
    """The form a spelling is listed under in the reviewed alias file: the model part, lowercase, hyphens,
    without its variant ("Claude 3.7 Sonnet (thinking-32k)" -> "claude-3.7-sonnet")."""
    spelling, _ = split_variant(raw.strip())
    latest = bool(_LATEST.search(spelling))
    key, _ = _spelling_key(_LATEST.sub("", spelling))
    return key + ("-latest" if latest else "")


def _curated(raw: str, spelling: str, rules: tuple[str, ...]) -> Resolution:
    """A spelling listed in the reviewed alias file: its model, or a refusal the file gives a reason for."""
    model_id, note, kinds = registry().curated[spelling]
    if model_id is None:
        return _refused(raw, f"refused in {ALIASES_FILE}: {note}")
    # A reviewed join of another build of the same weights (an FP8 file, a host's name) stays flagged as loose.
    reason = f"listed in {ALIASES_FILE}" + (f": {note}" if note else "")
    return Resolution(raw, model_id, (*rules, "curated", *kinds), reason)


def _refused(raw: str, reason: str) -> Resolution:
    return Resolution(raw, None, ("refused",), reason)


def _with_variant(resolution: Resolution, variant: str | None) -> Resolution:
    if variant is None or resolution.model_id is None:
        return resolution
    label = _variant_label(variant)
    return Resolution(
        resolution.raw,
        f"{resolution.model_id}:{label}",
        (*resolution.rules, "variant"),
        f"{resolution.reason}; variant '{label}' kept as its own model",
        label,
    )


@lru_cache(maxsize=131072)
def resolve_model(raw: str, on: dt.date | None = None) -> Resolution:
    """The canonical id of a model spelled any source's way, the rules that joined it and why."""
    text = raw.strip()
    if not text:
        return _refused(raw, "empty model name")
    day = on or dt.date.today()
    reg = registry()
    host = _host_of(text)
    if text.lower() in reg.curated:
        return _curated(raw, text.lower(), ())
    spelling, variant = split_variant(text)
    latest = bool(_LATEST.search(spelling))
    if latest:
        spelling = _LATEST.sub("", spelling)
    has_meta_org = bool(_HF_META_ORG.search(spelling))
    has_google_org = bool(re.search(r"(?:^|/)google/[^/]+$", spelling, re.IGNORECASE))
    key, dropped = _spelling_key(spelling)
    lookup = key + ("-latest" if latest else "")  # = spelling_key(raw)
    # A Hugging Face repository name with its maker's org decides base versus instruct itself.
    hf_repo = has_meta_org or has_google_org
    if lookup in reg.curated and not (hf_repo and "instruct-assumed" in reg.curated[lookup][2]):
        listed = _curated(raw, lookup, ("provider-path",) if dropped else ())
        return listed if listed.model_id is None else _with_variant(listed, variant)
    trace, tags = _normalise(key, has_meta_org, has_google_org)
    respelled = key != spelling.rsplit("/", 1)[-1].strip()
    rules = (["provider-path"] if dropped else []) + (["spelling"] if respelled and not dropped else [])
    rules += [rule for rule in trace.rules if rule not in rules]
    base = trace.text
    if not base:
        return _refused(raw, "nothing of a model name is left once host and tags are removed")
    if base in reg.curated and not tags and not latest and not (hf_repo and "instruct-assumed" in reg.curated[base][2]):
        listed = _curated(raw, base, tuple(rules))
        return listed if listed.model_id is None else _with_variant(listed, variant)
    return _with_variant(_resolve_base(raw, base, tags, latest, host, day, rules), variant)


def _resolve_base(
    raw: str, base: str, tags: list[str], latest: bool, host: str | None, day: dt.date, rules: list[str]
) -> Resolution:
    """Turn a normalised base plus its snapshot tags and '-latest' marker into a resolution."""
    reg = registry()
    if latest:
        pointer, listed = _pointer_target(f"{base}-latest", host, day)
        if pointer is not None and pointer.model_id is not None:
            return _pointed(raw, pointer, rules, day)
        if listed:
            return _refused(raw, f"'{base}-latest' has no dated target for this host on {day} in {POINTERS_FILE}")
        if base in reg.snapshots or not _VERSIONED.search(base):
            return _refused(raw, f"'{base}-latest' moves between models and {POINTERS_FILE} gives it no dated target")
        return Resolution(raw, base, (*rules, "latest-of-version"), f"'-latest' of the single known release of {base}")
    snapshots = reg.snapshots.get(base)
    if snapshots is not None:
        if tags:
            snapshot = _match_snapshot(snapshots, tags)
            if snapshot is not None:
                reason = f"snapshot {'-'.join(tags)} of {base} listed in {SNAPSHOTS_FILE}"
                return Resolution(raw, snapshot.model_id, (*rules, "snapshot-table"), reason)
            kept = f"{base}-{'-'.join(tags)}"
            return Resolution(
                raw, kept, (*rules, "unlisted-snapshot"), f"{kept}: a snapshot of {base} not listed, kept apart"
            )
        bare = [s for s in snapshots if "" in s.tags]
        if bare:
            return Resolution(raw, bare[0].model_id, (*rules, "snapshot-table"), f"{base} is itself a listed release")
        pointer, listed = _pointer_target(base, host, day)
        if pointer is not None and pointer.model_id is not None:
            return _pointed(raw, pointer, rules, day)
        names = ", ".join(s.model_id for s in snapshots)
        return _refused(raw, f"'{base}' names several snapshots ({names}) and none for this host on {day}")
    if base in _FAMILY_WORDS:
        return _refused(raw, f"'{base}' names a family or a maker, not one model")
    pointer, listed = _pointer_target(base, host, day)
    if listed:
        if pointer is not None and pointer.model_id is not None and not tags:
            return _pointed(raw, pointer, rules, day)
        if pointer is None or pointer.model_id is None:
            return _refused(raw, f"'{base}' moves between models and has no dated target for this host on {day}")
    if tags and re.fullmatch(r"(?:preview|exp|experimental)-(?:\d{2}-\d{2}|\d{4})", "-".join(tags)):
        # a dated preview is a checkpoint of its own (LMArena scores them apart), unless listed as the release
        kept = f"{base}-{'-'.join(tags)}"
        return Resolution(raw, kept, (*rules, "unlisted-snapshot"), f"{kept}: a dated preview of {base}, kept apart")
    if tags:
        return Resolution(raw, base, (*rules, "snapshot"), f"tag {'-'.join(tags)} dropped: one release of {base} known")
    if not rules:
        return Resolution(raw, base, (), "the spelling is the canonical id")
    described = "; ".join(RULES[r][0] for r in rules if r in RULES)
    return Resolution(raw, base, tuple(rules), described)


def _pointed(raw: str, pointer: Pointer, rules: list[str], day: dt.date) -> Resolution:
    assert pointer.model_id is not None
    since = f" since {pointer.valid_from}" if pointer.valid_from else ""
    reason = f"'{pointer.alias}' points at {pointer.model_id}{since} (as of {day}; {pointer.source_url})"
    return Resolution(raw, pointer.model_id, (*rules, "pointer"), reason)


def canonical_model_id(raw: str) -> str:
    """The canonical id of a model spelled any source's way; "" when the spelling is refused (see module doc)."""
    return resolve_model(raw).model_id or ""


_ORG_RULES: tuple[tuple[str, str], ...] = (
    (r"^(gpt|o\d|chatgpt|text-davinci|davinci|babbage|codex|computer-use)", "OpenAI"),
    (r"^claude", "Anthropic"),
    (r"^(gemini|gemma|palm|learnlm|medgemma|codegemma|recurrentgemma|flan|t5)", "Google"),
    (r"^(llama-[\d.]+-nemotron|nemotron|nvidia|minitron|acemath|aceinstruct|hymba)", "NVIDIA"),
    (r"^(llama|codellama)", "Meta"),
    (r"^(qwen|qwq|qvq|codeqwen)", "Alibaba/Qwen"),
    (r"^(mistral|mixtral|ministral|codestral|magistral|devstral|pixtral|mathstral|voxtral)", "Mistral"),
    (r"^(phi|orca)", "Microsoft"),
    (r"^deepseek", "DeepSeek"),
    (r"^grok", "xAI"),
    (r"^(kimi|moonshot)", "Moonshot AI"),
    (r"^glm", "Z.ai"),
    (r"^(nova|titan)", "Amazon"),
    (r"^(command|aya|c4ai)", "Cohere"),
    (r"^(jamba|j2)", "AI21"),
    (r"^(yi-|yi$)", "01.AI"),
    (r"^granite", "IBM"),
    (r"^minimax", "MiniMax"),
    (r"^(falcon)", "TII"),
    (r"^(olmo|tulu|llama-[\d.]+-tulu)", "Ai2"),
)


def organisation_of(model_id: str) -> str | None:
    """The organisation that made a canonical model id, when a rule knows it."""
    for pattern, organisation in _ORG_RULES:
        if re.match(pattern, model_id):
            return organisation
    return None


def family_of(model_id: str) -> str:
    """The model family of a canonical id (llama-3.1, qwen2.5, gpt-4o, claude-3.5, gemini-2.5, ...)."""
    rules: tuple[tuple[str, str], ...] = (
        (r"^llama-[\d.]+-nemotron|^nemotron|^nvidia-nemotron", "nemotron"),
        (r"^deepseek-r1-distill", "deepseek-r1-distill"),
        (r"^(deepseek-v\d|deepseek-r\d)", r"\1"),
        (r"^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-oss|gpt-3\.5|gpt-4|gpt-5(?:\.\d)?|gpt-\d(?:\.\d)?)", r"\1"),
        (r"^chatgpt-4o", "gpt-4o"),
        (r"^(o\d)(?=-|:|$)", r"\1"),
        (r"^claude-(\d(?:\.\d)?)-", r"claude-\1"),
        (r"^claude-[a-z]+-(\d(?:\.\d)?)", r"claude-\1"),
        (r"^(gemini-\d(?:\.\d)?)", r"\1"),
        (r"^(gemma-\d(?:\.\d)?n?)", r"\1"),
        (r"^(llama-\d(?:\.\d)?)", r"\1"),
        (r"^(qwen\d(?:\.\d)?)", r"\1"),
        (r"^(phi-\d(?:\.\d)?)", r"\1"),
        (r"^(mistral|ministral)", "mistral"),
        (r"^(mixtral|codestral|magistral|devstral|pixtral|qwq|qvq)", r"\1"),
        (r"^(grok-\d(?:\.\d)?)", r"\1"),
        (r"^(kimi-k\d(?:\.\d)?)", r"\1"),
        (r"^(glm-\d(?:\.\d)?)", r"\1"),
        (r"^([a-z]+-?\d+(?:\.\d+)?)", r"\1"),
    )
    for pattern, replacement in rules:
        match = re.match(pattern, model_id)
        if match:
            return match.expand(replacement) if "\\" in replacement else replacement
    return model_id.split("-", 1)[0].split(":", 1)[0]


_GPU_RULES: tuple[tuple[str, str], ...] = (
    (r"gb200", "GB200"),
    (r"gh200", "GH200"),
    (r"b200", "B200"),
    (r"b300", "B300"),
    (r"h200", "H200"),
    (r"h100.*(pcie|nvl)", "H100 PCIe"),
    (r"h100", "H100 SXM"),
    (r"a100.*40", "A100 40GB"),
    (r"a100.*pcie", "A100 80GB PCIe"),
    (r"a100", "A100 80GB SXM"),
    (r"l40s", "L40S"),
    (r"l40", "L40"),
    (r"l4\b", "L4"),
    (r"rtx\s*pro\s*6000", "RTX PRO 6000"),
    (r"rtx\s*a6000|^a6000", "RTX A6000"),
    (r"rtx\s*4090", "RTX 4090"),
    (r"rtx\s*5090", "RTX 5090"),
    (r"a10g", "A10G"),
    (r"a10\b", "A10"),
    (r"t4\b", "T4"),
    (r"v100", "V100"),
    (r"mi300x", "MI300X"),
)


def canonical_gpu(raw: str) -> str:
    """The canonical GPU name: H100 SXM, H100 PCIe, A100 80GB SXM, A100 80GB PCIe, H200, B200, GB200, ..."""
    text = re.sub(r"[_\s]+", " ", raw.strip().lower())
    for pattern, name in _GPU_RULES:
        if re.search(pattern, text):
            return name
    return raw.strip()
