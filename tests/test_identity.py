"""Different sources' spellings of one model meet at one canonical id; different models stay apart."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from pricing.identity import canonical_gpu, canonical_model_id, family_of, organisation_of, split_variant

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

SAME_MODEL: dict[str, list[str]] = {
    # gpt-4o moved from the 2024-05-13 snapshot to 2024-08-06 on 2024-10-02 (model_pointers.csv)
    "gpt-4o-2024-08-06": ["gpt-4o-2024-08-06", "azure/gpt-4o", "openai/gpt-4o", "GPT-4o-2024-08", "gpt-4o"],
    "gpt-4o-2024-05-13": ["GPT-4o-2024-05-13", "gpt-4o-2024-05-13", "GPT-4o-2024-05"],
    "gpt-4o-mini": ["gpt-4o-mini-2024-07-18", "GPT-4o-mini", "azure/eu/gpt-4o-mini"],
    "gpt-4.1": ["GPT-4.1-2025-04-14", "gpt-4.1-2025-04-14", "azure/gpt-4.1"],
    "gpt-4.1-mini": ["gpt-4.1-mini-2025-04-14", "GPT-4.1-mini-2025-04-14"],
    "gpt-5": ["gpt-5", "azure/gpt-5-2025-08-07", "gpt-5-2025-08-07"],
    "gpt-5:high": ["gpt-5-2025-08-07_high", "gpt-5-high"],
    "gpt-4-turbo-2024-04-09": ["gpt-4-turbo-2024-04-09", "GPT-4 Turbo", "gpt-4-turbo"],
    "gpt-4-1106-preview": ["gpt-4-1106-preview", "GPT-4-1106-preview"],
    "o3-mini": ["o3-mini", "o3-mini-2025-01-31", "gradient_ai/openai-o3-mini"],
    "o3-mini:high": ["o3-mini-2025-01-31_high", "o3-mini-high"],
    "o3": ["azure/o3-2025-04-16", "o3-2025-04-16"],
    "o3:low": ["o3-2025-04-16_low"],
    "claude-3.5-sonnet-20241022": [
        "claude-3-5-sonnet-20241022",
        "bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        "Claude 3.5 Sonnet (20241022)",
        "Claude-3.5-Sonnet-2024-10",
        "claude-3-5-sonnet-latest",
    ],
    "claude-3.5-sonnet-20240620": [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "Claude-3.5-Sonnet-2024-06",
        "vertex_ai/claude-3-5-sonnet@20240620",
    ],
    "claude-sonnet-4.5": ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    "claude-sonnet-4.5:thinking-32k": ["claude-sonnet-4-5-20250929_32K"],
    "claude-opus-4": ["Claude Opus 4 (20250514)", "claude-opus-4-20250514"],
    "claude-opus-4:thinking-16k": ["Claude Opus 4 (thinking-16k)"],
    "claude-opus-4.1": ["claude-opus-4-1-20250805", "anthropic.claude-opus-4-1-20250805-v1:0"],
    "claude-3.7-sonnet": ["claude-3-7-sonnet-20250219", "Claude 3.7 Sonnet", "claude-3-7-sonnet-latest"],
    "claude-3.7-sonnet:thinking-32k": ["Claude 3.7 Sonnet (thinking-32k)", "claude-3-7-sonnet-20250219_32K"],
    "gemini-2.5-pro": [
        "vertex_ai/gemini-2.5-pro",
        "gemini/gemini-2.5-pro",
        "Gemini-2.5-Pro",
        "databricks/databricks-gemini-2-5-pro",
    ],
    "gemini-2.5-pro-preview-05-06": ["Gemini-2.5-Pro-Preview-05-06", "gemini/gemini-2.5-pro-preview-05-06"],
    "gemini-2.0-flash": ["gemini-2.0-flash-001", "Gemini 2.0 Flash", "Gemini-2.0-Flash-001"],
    "gemini-2.0-flash-exp": ["gemini-2.0-flash-exp", "Gemini-2.0-Flash-Exp"],
    "llama-3.1-8b-instruct": [
        "together_ai/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
        "fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct",
        "groq/llama-3.1-8b-instant",
        "meta-llama/Llama-3.1-8B-Instruct",
        "meta.llama3-1-8b-instruct-v1:0",
        "Llama-3.1-Instruct-8B",
        "Meta-Llama-3.1-8B-Instruct",
        "meta/llama-3.1-8b-instruct",
        "cerebras/llama3.1-8b",
    ],
    "llama-3.3-70b-instruct": [
        "meta-llama/Llama-3.3-70B-Instruct",
        "groq/llama-3.3-70b-versatile",
        "Llama-3.3-70B-Instruct",
        "meta/llama-3.3-70b-instruct",
        "llama-3.3-70b-instruct",
        "cerebras/llama-3.3-70b",
        "databricks/databricks-meta-llama-3-3-70b-instruct",
        "lambda_ai/llama3.3-70b-instruct-fp8",
    ],
    "llama-3.1-405b-instruct": ["Meta-Llama-3.1-405B-Instruct-bf16", "Llama 3.1 Instruct Turbo (405B)"],
    "llama-4-maverick": [
        "llama-4-maverick",
        "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
        "Llama-4-Maverick-17B-128E-Instruct-FP8",
        "meta.llama4-maverick-17b-instruct-v1:0",
        "fireworks_ai/accounts/fireworks/models/llama4-maverick-instruct-basic",
    ],
    "llama-4-scout": ["llama-4-scout", "meta-llama/Llama-4-Scout-17B-16E-Instruct"],
    "qwen2.5-72b-instruct": [
        "deepinfra/Qwen/Qwen2.5-72B-Instruct",
        "qwen2.5-72b-instruct",
        "qwen-2.5-72b-instruct",
        "Qwen/Qwen2.5-72B-Instruct",
        "fireworks_ai/accounts/fireworks/models/qwen2p5-72b-instruct",
        "Qwen2.5 Instruct Turbo (72B)",
    ],
    "qwen3-235b-a22b": ["Qwen3-235B-A22B", "qwen3-235b-a22b", "gmi/Qwen/Qwen3-235B-A22B-FP8", "Qwen/Qwen3-235B-A22B"],
    "qwen3-32b": ["Qwen3-32B", "cerebras/qwen-3-32b", "deepinfra/Qwen/Qwen3-32B"],
    "mistral-large-2407": ["mistral-large-2407", "Mistral-Large-2-2024-07", "mistral-large-2-2407", "Mistral Large 2"],
    "mistral-large-2402": ["mistral.mistral-large-2402-v1:0", "Mistral-Large-2402", "Mistral-Large-2024-02"],
    "mistral-large-2411": ["Mistral-Large-Instruct-2411", "vertex_ai/mistral-large@2411-001"],
    "mistral-large-3": ["mistral/mistral-large-2512", "mistral/mistral-large-latest", "mistral-large-3"],
    "mistral-small-3": [
        "mistral-small-24b-instruct-2501",
        "mistral-small-2501",
        "Mistral Small 3",
        "deepinfra/mistralai/Mistral-Small-24B-Instruct-2501",
    ],
    "mistral-nemo": [
        "Mistral-NeMo",
        "vertex_ai/mistral-nemo@latest",
        "open-mistral-nemo-2407",
        "mistral-nemo-instruct-2407",
        "mistralai/Mistral-Nemo-Instruct-2407",
    ],
    "mixtral-8x7b-instruct": [
        "Mixtral-8x7B-Instruct-v0.1",
        "open-mixtral-8x7b",
        "mistral.mixtral-8x7b-instruct-v0:1",
        "mistralai/Mixtral-8x7B-Instruct-v0.1",
    ],
    "gemma-2-9b-it": [
        "gemma-2-9b-it",
        "gemma2-9b-it",
        "gemini/gemini-gemma-2-9b-it",
        "Gemma-2-9B-it",
        "Gemma 2 Instruct (9B)",
        "google/gemma-2-9b-it",
    ],
    "gemma-3-27b-it": ["Gemma-3-27B-it", "gemini/gemma-3-27b-it", "google.gemma-3-27b-it"],
    "phi-4": ["Phi-4", "Phi 4", "microsoft/phi-4", "azure_ai/Phi-4", "deepinfra/microsoft/phi-4"],
    "deepseek-v3": ["DeepSeek-V3", "deepseek-v3", "fireworks_ai/accounts/fireworks/models/deepseek-v3"],
    "deepseek-v3-0324": ["deepseek-v3-0324", "DeepSeek-V3-0324", "azure_ai/deepseek-v3-0324"],
    "deepseek-r1": ["DeepSeek-R1", "deepseek-r1", "deepinfra/deepseek-ai/DeepSeek-R1-Turbo"],
    "deepseek-v3.1": [
        "DeepSeek-V3.1",
        "fireworks_ai/accounts/fireworks/models/deepseek-v3p1",
    ],
    "deepseek-v3.1:thinking": ["DeepSeek-V3.1_thinking"],
    "llama-3.1-nemotron-70b-instruct": [
        "llama-3.1-nemotron-70b-instruct",
        "nvidia/Llama-3.1-Nemotron-70B-Instruct-HF",
        "Llama-3.1-Nemotron-70B-Instruct",
        "lambda_ai/llama3.1-nemotron-70b-instruct-fp8",
        "fireworks_ai/accounts/fireworks/models/llama-v3p1-nemotron-70b-instruct",
    ],
    "llama-3.3-nemotron-super-49b-v1.5": [
        "Nvidia-Llama-3.3-Nemotron-Super-49B-v1.5",
        "deepinfra/nvidia/Llama-3.3-Nemotron-Super-49B-v1.5",
    ],
    "nemotron-nano-9b-v2": ["nvidia-nemotron-nano-9b-v2", "deepinfra/nvidia/NVIDIA-Nemotron-Nano-9B-v2"],
    "grok-4": ["grok-4-0709", "Grok-4-0709", "xai/grok-4"],
    "nova-pro": ["amazon.nova-pro-v1:0", "Amazon Nova Pro 1.0", "nova-pro"],
}

DISTINCT: list[tuple[str, str]] = [
    ("gpt-4o", "gpt-4o-mini"),
    ("gpt-4o-2024-05-13", "gpt-4o-2024-08-06"),
    ("claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20241022"),
    ("Claude 3.7 Sonnet", "Claude 3.7 Sonnet (thinking-32k)"),
    ("o3-mini", "o3-mini-high"),
    ("gemini-2.0-flash-001", "gemini-2.0-flash-exp"),
    ("Gemini-2.5-Pro", "Gemini-2.5-Pro-Preview-05-06"),
    ("mistral-large-2407", "mistral-large-2411"),
    ("mistral-large-2411", "mistral/mistral-large-2512"),
    ("Qwen-Max-0919", "qwen-max"),
    ("Grok-3-Preview-02-24", "grok-3"),
    ("DeepSeek-V2.5", "Deepseek-v2.5-1210"),
    ("qwen.qwen3-235b-a22b-2507-v1:0", "Qwen3-235B-A22B"),
    ("gpt-4.1", "gpt-4.1-mini"),
    ("gpt-5", "gpt-5-mini"),
    ("o1", "o1-preview"),
    ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct"),
    ("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B-Instruct"),
    ("Qwen/Qwen2.5-72B", "Qwen/Qwen2.5-72B-Instruct"),
    ("google/gemma-2-9b", "google/gemma-2-9b-it"),
    ("claude-sonnet-4-20250514", "claude-opus-4-20250514"),
    ("claude-3-5-sonnet-20241022", "claude-3-5-haiku-20241022"),
    ("claude-sonnet-4-20250514", "claude-sonnet-4-5-20250929"),
    ("deepseek-v3", "deepseek-v3-0324"),
    ("deepseek-r1", "deepseek-r1-0528"),
    ("deepseek-r1", "deepseek-r1-distill-llama-70b"),
    ("Qwen3-235B-A22B", "Qwen3-235B-A22B-Instruct-2507"),
    ("Qwen3-235B-A22B-Instruct-2507", "Qwen3-235B-A22B-Thinking-2507"),
    ("qwq-32b", "QwQ-32B-Preview"),
    ("gemini-2.5-flash", "gemini-2.5-flash-lite"),
    ("gemini-2.5-pro", "gemini-2.5-flash"),
    ("mistral-small-2501", "mistral-small-2503"),
    ("Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x7B-v0.1"),
    ("phi-4", "phi-4-mini"),
    ("gpt-3.5-turbo", "qwen-turbo"),
    ("grok-3", "grok-3-mini"),
    ("Llama-4-Maverick-17B-128E-Instruct", "Llama-4-Maverick-03-26-Experimental"),
]


@pytest.mark.parametrize(
    ("expected", "spelling"), [(expected, s) for expected, spellings in SAME_MODEL.items() for s in spellings]
)
def test_spellings_meet(expected: str, spelling: str) -> None:
    assert canonical_model_id(spelling) == expected


@pytest.mark.parametrize(("a", "b"), DISTINCT)
def test_distinct_models_stay_distinct(a: str, b: str) -> None:
    assert canonical_model_id(a) != canonical_model_id(b)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gpt-5.1_medium", ("gpt-5.1", "medium")),
        ("o3-2025-04-16_low", ("o3-2025-04-16", "low")),
        ("Claude Opus 4 (thinking-16k)", ("Claude Opus 4", "thinking-16k")),
        ("claude-3-7-sonnet-20250219_64K", ("claude-3-7-sonnet-20250219", "64k")),
        ("Qwen3-235B-A22B-no-thinking", ("Qwen3-235B-A22B", "no-thinking")),
        ("o3-mini-high", ("o3-mini", "high")),
        ("gpt-4o", ("gpt-4o", None)),
        ("Claude Opus 4 (20250514)", ("Claude Opus 4 (20250514)", None)),
    ],
)
def test_split_variant(raw: str, expected: tuple[str, str | None]) -> None:
    assert split_variant(raw) == expected


def test_canonical_id_is_idempotent() -> None:
    for spellings in SAME_MODEL.values():
        for spelling in spellings:
            once = canonical_model_id(spelling)
            assert canonical_model_id(once) == once


@pytest.mark.parametrize(
    ("model_id", "family", "organisation"),
    [
        ("llama-3.1-8b-instruct", "llama-3.1", "Meta"),
        ("qwen2.5-72b-instruct", "qwen2.5", "Alibaba/Qwen"),
        ("gpt-4o-mini", "gpt-4o", "OpenAI"),
        ("claude-3.5-sonnet", "claude-3.5", "Anthropic"),
        ("claude-sonnet-4.5", "claude-4.5", "Anthropic"),
        ("gemini-2.5-pro", "gemini-2.5", "Google"),
        ("mistral-large-2407", "mistral", "Mistral"),
        ("o3-mini:high", "o3", "OpenAI"),
        ("claude-3.7-sonnet:thinking-32k", "claude-3.7", "Anthropic"),
        ("phi-4", "phi-4", "Microsoft"),
        ("llama-3.1-nemotron-70b-instruct", "nemotron", "NVIDIA"),
        ("deepseek-v3-0324", "deepseek-v3", "DeepSeek"),
        ("gpt-4o-2024-08-06", "gpt-4o", "OpenAI"),
        ("grok-4", "grok-4", "xAI"),
    ],
)
def test_family_and_organisation(model_id: str, family: str, organisation: str) -> None:
    assert family_of(model_id) == family
    assert organisation_of(model_id) == organisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("H100 80GB SXM", "H100 SXM"),
        ("H100_SXM5", "H100 SXM"),
        ("H100 SXM", "H100 SXM"),
        ("H100", "H100 SXM"),
        ("H100 SXM5 80GB", "H100 SXM"),
        ("H100 80GB", "H100 SXM"),
        ("H100_80GB SXM5", "H100 SXM"),
        ("H100 PCIe", "H100 PCIe"),
        ("H100_80GB PCIe", "H100 PCIe"),
        ("A100_80GB SXM4", "A100 80GB SXM"),
        ("A100 80GB", "A100 80GB SXM"),
        ("A100_80GB", "A100 80GB SXM"),
        ("A100 80GB SXM", "A100 80GB SXM"),
        ("A100 80GB PCIe", "A100 80GB PCIe"),
        ("A100_80GB PCIe", "A100 80GB PCIe"),
        ("A100 40GB SXM", "A100 40GB"),
        ("H200", "H200"),
        ("H200 141GB", "H200"),
        ("H200_141GB", "H200"),
        ("B200", "B200"),
        ("B200_180GB", "B200"),
        ("GB200", "GB200"),
        ("GH200_96GB", "GH200"),
        ("L40S 48GB", "L40S"),
        ("RTX PRO 6000 Blackwell Server", "RTX PRO 6000"),
        ("RTX A6000 48GB", "RTX A6000"),
    ],
)
def test_canonical_gpu(raw: str, expected: str) -> None:
    assert canonical_gpu(raw) == expected


# Families that must have at least one priced litellm model joined to a score.
COVERAGE_FAMILIES: dict[str, str] = {
    "Llama 3.x": r"^llama-3\.\d-\d+b-instruct$",
    "Llama 4": r"^llama-4-",
    "Qwen 2.5": r"^qwen2\.5-",
    "Qwen 3": r"^qwen3-",
    "Mistral": r"^(mistral|ministral)-",
    "Mixtral": r"^mixtral-",
    "Gemma": r"^gemma-",
    "Phi": r"^phi-",
    "Nemotron": r"nemotron",
    "DeepSeek": r"^deepseek-",
    "GPT-4o": r"^gpt-4o",
    "GPT-4.1": r"^gpt-4\.1",
    "GPT-5": r"^gpt-5",
    "o-series": r"^o\d",
    "Claude": r"^claude-",
    "Gemini": r"^gemini-",
}


def test_join_coverage_of_priced_models() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import litellm

    from pricing.sources.readers import read_scores

    keys = [
        key
        for key, entry in litellm.model_cost.items()
        if isinstance(entry, dict)
        and entry.get("mode") in ("chat", "completion", "responses")
        and entry.get("input_cost_per_token") is not None
    ]
    priced: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        priced[canonical_model_id(key)].append(key)
    scored = set(read_scores(DATA_DIR)["model_id"])
    joined = {model_id for model_id in priced if model_id in scored}
    joined_keys = sum(len(priced[m]) for m in joined)
    print(
        f"\npriced litellm keys: {len(keys)}; priced canonical ids: {len(priced)}; "
        f"joined to scores: {len(joined)} ids ({len(joined) / len(priced):.0%}), {joined_keys} keys "
        f"({joined_keys / len(keys):.0%})"
    )
    missing = []
    for family, pattern in COVERAGE_FAMILIES.items():
        family_priced = [m for m in priced if re.search(pattern, m)]
        family_joined = sorted(m for m in family_priced if m in joined)
        print(f"  {family:10s} priced {len(family_priced):4d}  joined {len(family_joined):3d}  {family_joined[:8]}")
        if not family_joined:
            missing.append(family)
    assert not missing, f"families with no priced model joined to a score: {missing}"
    assert len(joined) >= 150
