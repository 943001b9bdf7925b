"""Canonical identities for language models and GPUs, so that every source's spelling meets.

Price lists (litellm, provider catalogues), leaderboards (llm-stats, LMArena, Open LLM Leaderboard,
Epoch AI) and serving benchmarks (TensorRT-LLM, NIM) each spell the same model differently: provider
and host prefixes, date snapshots, quantisation tags, marketing suffixes, "3-5" versus "3.5". The
functions here are pure string rules: `canonical_model_id` turns any of these spellings into one id
(lowercase, hyphen-separated, dots kept in version numbers), `split_variant` separates a
reasoning-effort or thinking-budget variant, and `canonical_gpu` does the same for GPU names.

Decisions about what counts as "the same model":
- Date snapshots collapse (gpt-4o-2024-08-06 -> gpt-4o, claude-3-5-sonnet-20241022 -> claude-3.5-sonnet),
  except where the vendor uses the date as the name of a distinct release with its own weights:
  DeepSeek (deepseek-v3-0324, deepseek-r1-0528) and Kimi (kimi-k2-0905) keep their suffix.
- Mistral's YYMM suffixes are mapped to the version they name where versions differ
  (mistral-small-2501 -> mistral-small-3); Mistral Large 2402/2407/2411 collapse to mistral-large.
- Base and instruct stay distinct. A bare Llama 3.x size without a suffix ("llama-3.3-70b") is read as
  the instruct model when it is a provider's API name, and as the base model when it is a Hugging Face
  repository name with the org ("meta-llama/Llama-3.1-8B"), because APIs serve instruct models.
- Provider tags for the same weights are dropped: "-turbo" on open-weight models, groq's "-instant" /
  "-versatile", quantisation (-fp8, -bf16, q8_0, -gguf), "-hf", bedrock "-v1:0".
"""

from __future__ import annotations

import re
from functools import lru_cache

# Reasoning effort / thinking budget variants, as Epoch (_high, _16K, _thinking) and LMArena
# ("(thinking-16k)", "-no-thinking", "o3-mini-high") spell them.
_EFFORTS = "minimal|low|medium|high|xhigh"
_VARIANT_UNDERSCORE = re.compile(rf"_((?:{_EFFORTS})|\d+k|thinking|no[-_]thinking)$", re.IGNORECASE)
_VARIANT_PAREN = re.compile(r"\s*\(([^)]*(?:thinking|reasoning)[^)]*)\)\s*$", re.IGNORECASE)
_VARIANT_HYPHEN = re.compile(rf"-((?:{_EFFORTS})|no-thinking|non-reasoning|reasoning)$", re.IGNORECASE)

# Hosts and routers that prefix a model path ("together_ai/meta-llama/...").
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
    r"-(?:fp8|fp16|bf16|fp4|nvfp4|mxfp4?|int4|int8|awq|gptq|gguf|q[2-8](?:-k)?(?:-[a-z0-9]+)?|"
    r"mlx|hf|tput)$"
)
_DATE_SUFFIXES = (
    re.compile(r"-20\d{2}-[01]\d-[0-3]\d$"),  # -2024-08-06
    re.compile(r"-20\d{6}$"),  # -20241022
    re.compile(r"-[01]\d-[0-3]\d-20\d{2}$"),  # -03-27-2025
    re.compile(r"-20\d{2}-[01]\d$"),  # -2024-05 (Artificial Analysis)
    re.compile(r"-[01]\d-20\d{2}$"),  # -08-2024, -09-2025
    re.compile(r"-2[3-7][01]\d[0-3]\d$"),  # -251104 (YYMMDD)
    re.compile(r"-[01]\d-[0-3]\d$"),  # -05-06 (MM-DD)
)
_FOUR_DIGIT = re.compile(r"-(\d{4})$")
_KEEPS_MMDD = re.compile(r"^(deepseek|kimi|gemini-exp)")
_MISTRAL_YYMM: dict[str, dict[str, str]] = {
    "mistral-small": {"2501": "mistral-small-3", "2503": "mistral-small-3.1", "2506": "mistral-small-3.2"},
    "mistral-medium": {"2505": "mistral-medium-3", "2508": "mistral-medium-3.1"},
    "ministral-8b": {"2512": "ministral-3-8b"},
    "ministral-3b": {"2512": "ministral-3-3b"},
}

# Whole-id aliases, applied after normalisation, for names that no rule can derive.
_ALIASES: dict[str, str] = {
    "gpt-35-turbo": "gpt-3.5-turbo",
    "gpt-4-1106-preview": "gpt-4-turbo",
    "gpt-4-0125-preview": "gpt-4-turbo",
    "gpt-4-turbo-preview": "gpt-4-turbo",
    "gpt-4-1106-vision-preview": "gpt-4-turbo",
    "gpt-4-turbo-vision-preview": "gpt-4-turbo",
    "gpt-4.5-preview": "gpt-4.5",
    "chatgpt-4o-latest": "chatgpt-4o",
    "mistral-large-2": "mistral-large",
    "mistral-large-instruct": "mistral-large",
    "mistral-large-2-instruct": "mistral-large",
    "mistral-8x22": "mixtral-8x22b-instruct",
    "mistral-nemo-instruct": "mistral-nemo",
    "mistral-small-24b-instruct": "mistral-small-3",
    "mistral-small-24b-base": "mistral-small-3-base",
    "mistral-small-3.1-24b-instruct": "mistral-small-3.1",
    "mistral-small-3.1-24b-base": "mistral-small-3.1-base",
    "mistral-small-3.2-24b-instruct": "mistral-small-3.2",
    "mistral-small-instruct": "mistral-small",
    "mistral-tiny": "mistral-7b",
    "mixtral-8x7b": "mixtral-8x7b-instruct",
    "mixtral-8x22b": "mixtral-8x22b-instruct",
    "ministral-8b-instruct": "ministral-8b",
    "codestral-22b-v0.1": "codestral-22b",
    "pixtral-12b": "pixtral-12b",
    "deepseek-r1-671b": "deepseek-r1",
    "deepseek-r1-basic": "deepseek-r1",
    "deepseek-v3-671b": "deepseek-v3",
    "deepseek-v2.5-1210": "deepseek-v2.5-1210",
    "kimi-k2-instruct": "kimi-k2",
    "kimi-k2-instruct-0905": "kimi-k2-0905",
    "kimi-k2-0711": "kimi-k2",
    "phi-4-14b": "phi-4",
    "phi-4-mini-instruct": "phi-4-mini",
    "nova-lite-v1": "nova-lite",
    "nova-micro-v1": "nova-micro",
    "nova-pro-v1": "nova-pro",
    "nova-premier-v1": "nova-premier",
    "nova-lite-1.0": "nova-lite",
    "nova-micro-1.0": "nova-micro",
    "nova-pro-1.0": "nova-pro",
    "command-r-plus-v01": "command-r-plus",
    "command-r-v01": "command-r",
    "llama-4-maverick-instruct-basic": "llama-4-maverick",
    "llama-4-scout-instruct-basic": "llama-4-scout",
    "llama-3.1-nemotron-70b-instruct-hf": "llama-3.1-nemotron-70b-instruct",
    "llama-3.1-nemotron-70b": "llama-3.1-nemotron-70b-instruct",
    "qwen2.5-7b-instruct-1m": "qwen2.5-7b-instruct-1m",
    "grok-2-vision": "grok-2-vision",
    "claude-2": "claude-2.0",
    "claude-v2": "claude-2.0",
    "claude-v2.1": "claude-2.1",
    "claude-v1": "claude-1",
    "claude-instant-v1": "claude-instant-1.2",
    "claude-instant": "claude-instant-1.2",
    "claude-instant-1": "claude-instant-1.2",
    "gemini-pro": "gemini-1.0-pro",
    "gemini-1.0-pro-vision": "gemini-1.0-pro-vision",
    "gpt-4-turbo-2024": "gpt-4-turbo",
    "gpt-3.5-turbo-2023": "gpt-3.5-turbo",
    "qwen25-coder-32b-instruct": "qwen2.5-coder-32b-instruct",
}

_CLAUDE = re.compile(
    r"^claude-(?:(\d)(?:[.-](\d))?-)?(opus|sonnet|haiku|instant|fable|mythos)(?:-(\d)(?:[.-](\d))?)?(?=-|$)(.*)$"
)
_LLAMA_VERSION = re.compile(r"(?<![a-z])llama-?v?(\d)(?:[.-](\d))?(?=-|$)")
_SIZE = r"\d+(?:\.\d+)?b"
_REORDER = re.compile(rf"^(.*?)-(instruct|chat|it)-({_SIZE})$")
_LLAMA_BARE = re.compile(rf"^llama-(?:3(?:\.\d)?|4)-{_SIZE}$")
_HF_META_ORG = re.compile(r"(?:^|/)meta-llama/[^/]+$", re.IGNORECASE)
_OPEN_WEIGHT = re.compile(r"^(llama-|qwen\d|qwq|deepseek-|mistral-\d|mixtral-|gemma-)")


def split_variant(raw: str) -> tuple[str, str | None]:
    """Split a reasoning-effort or thinking variant off a model spelling: (spelling, variant or None)."""
    text = raw.strip()
    for pattern in (_VARIANT_PAREN, _VARIANT_UNDERSCORE):
        match = pattern.search(text)
        if match:
            return text[: match.start()].strip(), match.group(1).lower()
    if re.match(r"^(?:.*/)?claude-.*-thinking$", text, re.IGNORECASE):
        return text[: -len("-thinking")], "thinking"
    match = _VARIANT_HYPHEN.search(text)
    # "-high"/"-low" only mark an effort on reasoning models (o-series, gpt-5, grok mini); "-no-thinking"
    # always marks a mode.
    if match and (
        match.group(1).lower() in ("no-thinking", "non-reasoning", "reasoning")
        or re.match(r"^(?:.*/)?(o\d|gpt-5|grok-\d)", text, re.IGNORECASE)
    ):
        return text[: match.start()], match.group(1).lower()
    return text, None


def _strip_path(text: str) -> str:
    """The model part of a provider path: the last '/'-separated segment, with bedrock vendor dots removed."""
    segment = text.rsplit("/", 1)[-1]
    match = _BEDROCK_VENDOR.match(segment)
    if match:
        segment = segment[match.end() :]
        # bedrock writes "deepseek.v3.2" and "deepseek.r1-v1:0": the vendor word is part of the name
        if match.group(1) == "deepseek" and re.match(r"^[vr]\d", segment):
            segment = "deepseek-" + segment
        segment = re.sub(r"-v(?:1|\d+:\d+)$", "", segment)
    return segment


def _strip_suffixes(text: str) -> str:
    """Remove snapshot dates, quantisation tags and release-channel words from the end, repeatedly."""
    while True:
        before = text
        text = re.sub(r"(?::\d+|@[\w.-]*|-v\d+:\d+|-v\d-\d|-maas|-cloud)$", "", text)
        text = _QUANT_SUFFIX.sub("", text)
        for pattern in _DATE_SUFFIXES:
            text = pattern.sub("", text)
        match = _FOUR_DIGIT.search(text)
        if match and not _KEEPS_MMDD.match(text):
            stem, digits = text[: match.start()], match.group(1)
            text = _MISTRAL_YYMM.get(stem, {}).get(digits, stem)
        if text.startswith("gemini-"):
            text = re.sub(r"-(?:00\d|exp|experimental)$", "", text)
        if text.startswith("grok-"):
            text = re.sub(r"-beta$", "", text)
        text = re.sub(r"-latest$", "", text)
        if not re.match(r"^(o1-preview|qwq-32b-preview|qvq-72b-preview)$", text):
            text = re.sub(r"-preview$", "", text)
        if text == before:
            return text


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


@lru_cache(maxsize=65536)
def canonical_model_id(raw: str) -> str:
    """The canonical id of a model spelled any source's way (see the module docstring for the rules)."""
    spelling, _ = split_variant(raw)
    has_meta_org = bool(_HF_META_ORG.search(spelling.strip()))
    has_google_org = bool(re.search(r"(?:^|/)google/[^/]+$", spelling.strip(), re.IGNORECASE))
    text = _strip_path(spelling.strip()).lower()
    # "Claude Opus 4 (20250514)", "Qwen1.5 (72B)", "Command R+ (08-2024)": parentheses become tokens
    text = re.sub(r"\(\s*\d+-shot\s*\)", " ", text)
    text = re.sub(r"@[\w.-]*$", "", text)
    text = text.replace("+", "-plus").replace("(", " ").replace(")", " ")
    text = re.sub(r"[\s_:]+", "-", text).strip("-")
    text = re.sub(r"-+", "-", text)
    text = re.sub(r"(\d)p(\d)", r"\1.\2", text)  # fireworks: v3p1, qwen2p5, 1p5b
    for prefix in _VENDOR_WORD_PREFIXES:
        if text.startswith(prefix):
            text = ("llama" if prefix == "nvidia-llama" else "") + text[len(prefix) :]
            if prefix == "meta-llama-":
                text = "llama-" + text
    text = re.sub(r"^meta-(?=llama)", "", text)
    text = re.sub(r"^gemini-(?=gemma)", "", text)
    text = re.sub(r"^code-llama", "codellama", text)
    text = re.sub(r"^(?:fw|nvidia|qwen)-(?=deepseek|glm|kimi|gpt-oss|minimax|nemotron|qwq|llama)", "", text)
    text = _ALIASES.get(text, text)
    text = re.sub(
        r"^(?:nvidia|deepseek-ai|qwen|mistralai|google|microsoft)-(?=llama|qwen|deepseek|mistral|gemma|phi)", "", text
    )
    text = _strip_suffixes(text)

    # version spellings
    text = _LLAMA_VERSION.sub(lambda m: f"llama-{m.group(1)}" + (f".{m.group(2)}" if m.group(2) else ""), text)
    text = re.sub(
        r"^qwen-?v?(\d)(?:\.(\d))?(?=-|$)",
        lambda m: "qwen" + m.group(1) + (f".{m.group(2)}" if m.group(2) else ""),
        text,
    )
    text = re.sub(r"^qwen25(?=-)", "qwen2.5", text)
    text = re.sub(
        r"^gemma-?(\d)(?:\.(\d))?(?=-|n|$)",
        lambda m: "gemma-" + m.group(1) + (f".{m.group(2)}" if m.group(2) else ""),
        text,
    )
    text = re.sub(
        r"^phi-?(\d)(?:[.-](\d))?(?=-|$)",
        lambda m: "phi-" + m.group(1) + (f".{m.group(2)}" if m.group(2) else ""),
        text,
    )
    text = re.sub(r"^gemini-(\d)-(\d)(?=-|$)", r"gemini-\1.\2", text)
    text = re.sub(r"^gpt-(\d)-(\d)(?=-|$)", r"gpt-\1.\2", text)
    text = re.sub(r"^deepseek-v(\d)-(\d)(?=-|$)", r"deepseek-v\1.\2", text)
    text = re.sub(r"^grok-(\d)-(\d)(?=-|$)", r"grok-\1.\2", text)
    text = re.sub(
        r"^(jamba|granite|glm|kimi-k|minimax-m|mistral-(?:small|medium|large))-?(\d)-(\d)(?=-|$)",
        r"\1-\2.\3",
        text,
    )
    text = re.sub(r"^(kimi-k|minimax-m)-(?=\d\.\d)", r"\1", text)
    text = re.sub(r"^qwen(\d)-(\d)(?=-|$)", r"qwen\1.\2", text)
    text = re.sub(r"^deepseek-(?:v3|r1)-(?:turbo)$", lambda m: m.group(0)[: -len("-turbo")], text)
    if text.startswith("claude-"):
        text = _canonical_claude(text)

    # same weights under a provider's marketing name
    text = re.sub(r"^(llama-3\.1-8b)-instant$", r"\1-instruct", text)
    text = re.sub(r"^(llama-3\.[13]-70b)-(?:versatile|specdec)$", r"\1-instruct", text)
    if _OPEN_WEIGHT.match(text):
        text = re.sub(r"-turbo(?=-|$)", "", text)
    text = re.sub(r"-(?:original|basic)$", "", text)
    text = _REORDER.sub(r"\1-\3-\2", text)
    text = re.sub(r"^(llama-3\.2-(?:11|90)b)-vision", r"\1", text)
    text = re.sub(r"^llama-4-(maverick|scout)(?:-17b)?(?:-\d+e)?(?:-instruct)?(?:-basic)?$", r"llama-4-\1", text)
    text = re.sub(r"^llama-(\d(?:\.\d)?-\d+b)-chat-hf$", r"llama-\1-chat", text)
    text = re.sub(r"^llama-(\d(?:\.\d)?-\d+b)-hf$", r"llama-\1", text)
    text = re.sub(r"^(mixtral-8x\d+b-instruct)-v0\.1$", r"\1", text)
    text = re.sub(r"^(mixtral-8x\d+b)-v0\.1$", r"\1-base", text)
    text = re.sub(r"^(gemma-[\d.]+n?-[\w.]+?)-instruct$", r"\1-it", text)
    if _LLAMA_BARE.match(text) and not has_meta_org:
        text += "-instruct"
    if re.match(rf"^gemma-\d(?:\.\d)?-{_SIZE}$", text) and not has_google_org:
        text += "-it"
    text = re.sub(r"^(qwen2(?:\.5)?-vl-\d+b)-instruct$", r"\1", text)
    text = re.sub(r"^(qwen3-(?:235b|30b))$", lambda m: m.group(1) + ("-a22b" if "235" in m.group(1) else "-a3b"), text)
    text = re.sub(r"^qwen3-coder-480b(?:-a35b)?(?:-instruct)?$", "qwen3-coder-480b-a35b-instruct", text)
    text = re.sub(r"^(nova-(?:lite|micro|pro|premier))-1[.-]0$", r"\1", text)
    text = re.sub(r"-+", "-", text).strip("-")
    return _ALIASES.get(text, text)


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
        (r"^(o\d)(?=-|$)", r"\1"),
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
    return model_id.split("-", 1)[0]


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
