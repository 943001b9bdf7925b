"""Offers of one model: who sells it, which prices to distrust, and which offer stands for the model.

A model is sold by its maker (OpenAI's own API for gpt-4o-mini) and often by resellers and hosts (Azure,
Bedrock, OCI, DeepInfra, ...). Their rows in a price sheet are not always the same product: a reseller
may list a cheaper non-reasoning tier under the model's name, a host may sell a quantised build, and a
price may simply be mistyped. The rules here are pure functions over the store's price columns:

- An offer is the maker's own when its provider is one of the maker's APIs in `MAKER_PROVIDERS`
  (Google's models on `vertex_ai` are Google's; xAI's models sold there are not). Every other seller
  is a reseller, hosts of open weights included.
- A reseller's price is flagged (`outlier_reasons`) when its input or output price is more than 5x the
  maker's own list price of the model, or, where the maker does not sell it, 5x the median of the
  model's other paid offers (at least two, a reasoning variant's offers counted with its base model's);
  or when it charges more for input than output while the model's family charges more for output.
- A $0 offer (a free tier, a local runtime) is never chosen to stand for a model: it is used only when
  named by its key, and is then labelled "free tier".
- `choose_offers` picks the offer per model: the maker's own list price (the default), the cheapest,
  or every offer; flagged prices are left out unless asked for. For a model its maker does not sell
  in the sheet, the default takes the cheapest host when the weights are open (hosts compete on price
  for the same weights) and otherwise the median-priced reseller, which tracks the maker's list price
  (a reseller far below it is usually a different product, such as Claude Opus 4 on Snowflake).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pricing.identity import family_of, organisation_of

MAKER = "maker"
RESELLER = "reseller"
SELF_HOSTED = "self-hosted"
FREE_TIER = "free tier"
OUTLIER_FACTOR = 5.0  # a price above this many times its reference (maker's list price, else median) is flagged
MIN_OTHER_OFFERS = 2  # with one other offer there is no telling which of the two is odd

OFFER_CHOICES: dict[str, str] = {  # the default first
    "maker": "The maker's list price",
    "cheapest": "The cheapest offer",
    "all": "Every offer",
}
DEFAULT_OFFER_CHOICE = "maker"
DEFAULT_RULE = (
    "a model name that is not a sheet key stands for its model and resolves to a paid, unflagged offer: the "
    "maker's own list price where the maker sells it, else the cheapest host of open weights, else the "
    "median-priced reseller; a $0 free tier is used only when named by its key"
)

# Each organisation's own APIs, as litellm names the providers (organisation names as
# pricing.identity.organisation_of gives them). Clouds that resell a maker's model are not listed.
MAKER_PROVIDERS: dict[str, tuple[str, ...]] = {
    "OpenAI": ("openai", "text-completion-openai"),
    "Anthropic": ("anthropic",),
    "Google": ("gemini", "vertex_ai-language-models", "vertex_ai", "vertex_ai-text-models"),
    "Mistral": ("mistral", "codestral", "text-completion-codestral"),
    "DeepSeek": ("deepseek",),
    "xAI": ("xai",),
    "NVIDIA": ("nvidia_nim",),
    "Alibaba/Qwen": ("dashscope", "qwen_ai_platform", "qwencloud"),
    "Moonshot AI": ("moonshot",),
    "Z.ai": ("zai", "bigmodel"),
    "Amazon": ("bedrock", "bedrock_converse", "amazon_nova"),
    "Cohere": ("cohere", "cohere_chat"),
    "AI21": ("ai21",),
    "Meta": ("meta",),
    "MiniMax": ("minimax",),
    "Microsoft": ("azure_ai",),
    "IBM": ("watsonx",),
}

# Columns `annotate_offers` adds to a price table.
OFFER_COLUMNS = ("free_tier", "offer_kind", "offer_label", "price_flagged", "price_flag_reason")


@dataclass(frozen=True)
class OfferPrice:
    """The list prices of one offer, USD per 1M tokens."""

    usd_per_1m_input: float
    usd_per_1m_output: float

    @property
    def is_free(self) -> bool:
        """Both prices exactly zero: a free tier or a local runtime, not a price a budget can use."""
        return self.usd_per_1m_input == 0 and self.usd_per_1m_output == 0


def base_model_id(model_id: str) -> str:
    """The model a reasoning or effort variant belongs to ("grok-4-fast:reasoning" -> "grok-4-fast")."""
    return model_id.split(":", 1)[0]


def maker_of(model_id: object) -> str | None:
    """The organisation that makes a canonical model, when known."""
    return organisation_of(model_id) if isinstance(model_id, str) and model_id else None


def is_maker_offer(model_id: object, provider: object) -> bool:
    """Whether the offer is sold by the model's maker through its own API."""
    maker = maker_of(model_id)
    return maker is not None and isinstance(provider, str) and provider in MAKER_PROVIDERS.get(maker, ())


def is_free_tier(usd_per_1m_input: object, usd_per_1m_output: object) -> bool:
    """Whether an offer is priced at exactly $0 for input and output."""
    try:
        return float(usd_per_1m_input) == 0 and float(usd_per_1m_output) == 0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def offer_label(provider: object, kind: str) -> str:
    """How an offer is named in tables, hovers and reports: 'via oci (reseller)', 'openai (maker's list price)'."""
    if not (isinstance(provider, str) and provider):
        # An uploaded sheet may not say who sells a price: say so rather than call it a reseller.
        return f"provider not stated ({FREE_TIER}, $0)" if kind == FREE_TIER else "provider not stated"
    name = provider
    if kind == MAKER:
        return f"{name} (maker's list price)"
    if kind == FREE_TIER:
        return f"{name} ({FREE_TIER}, $0)"
    if kind == RESELLER:
        return f"via {name} (reseller)"
    return name


def usd_text(value: float) -> str:
    """A per-1M price for a sentence: '$5.00', '$0.135', '$0.10'."""
    if value >= 1:
        return f"${value:,.2f}"
    text = f"{value:.3g}"
    if "e" in text:
        return f"${value:.2g}"
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"${value:.2f}" if decimals < 2 else f"${text}"


def _times(factor: float) -> str:
    return f"{factor:.0f}x" if factor >= 10 else f"{factor:.1f}x"


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def outlier_reasons(
    offer: OfferPrice,
    others: Sequence[OfferPrice],
    family: str,
    family_output_input_ratios: Sequence[float],
    maker_prices: Sequence[OfferPrice] = (),
    factor: float = OUTLIER_FACTOR,
    min_others: int = MIN_OTHER_OFFERS,
) -> list[str]:
    """Why a reseller's price is not to be trusted, in words; empty when it looks like its peers.

    `others` are the same model's other paid offers and `maker_prices` the maker's own paid offers of it:
    where the maker sells the model, its list price is the reference (one offer is enough), else the
    median of the others (at least `min_others`). `family_output_input_ratios` are the output/input price
    ratios of the family's other offers. A $0 offer is never flagged (a free tier is handled apart), and
    the maker's own price is never flagged: callers pass only resellers' offers.
    """
    if offer.is_free:
        return []
    reasons: list[str] = []
    for side in ("input", "output"):
        own = getattr(offer, f"usd_per_1m_{side}")
        makers = [p for p in (getattr(o, f"usd_per_1m_{side}") for o in maker_prices) if p > 0 and math.isfinite(p)]
        peers = [p for p in (getattr(o, f"usd_per_1m_{side}") for o in others) if p > 0 and math.isfinite(p)]
        if own <= 0 or not math.isfinite(own):
            continue
        if makers:
            reference = _median(makers)
            what = f"the maker's list price {usd_text(reference)}"
        elif len(peers) >= min_others:
            reference = _median(peers)
            what = f"the median {usd_text(reference)} of {len(peers)} other offers"
        else:
            continue
        if own > factor * reference:
            reasons.append(f"{side} {usd_text(own)}/1M is {_times(own / reference)} {what}")
    ratios = [r for r in family_output_input_ratios if r > 0 and math.isfinite(r)]
    inverted = 0 < offer.usd_per_1m_output < offer.usd_per_1m_input
    if inverted and len(ratios) >= min_others and _median(ratios) > 1:
        reasons.append(
            f"input {usd_text(offer.usd_per_1m_input)}/1M costs more than output "
            f"{usd_text(offer.usd_per_1m_output)}/1M, while the median of {len(ratios)} other {family} offers "
            f"charges {_median(ratios):.1f}x more for output"
        )
    return reasons


def flag_price_outliers(
    prices: pd.DataFrame, factor: float = OUTLIER_FACTOR, min_others: int = MIN_OTHER_OFFERS
) -> pd.DataFrame:
    """Per offer (same index): `price_flagged` and `price_flag_reason` ('' when the price looks like its peers)."""
    flagged = pd.Series(False, index=prices.index, dtype=bool)
    reason = pd.Series("", index=prices.index, dtype=object)
    inputs = pd.to_numeric(prices["usd_per_1m_input"], errors="coerce")
    outputs = pd.to_numeric(prices["usd_per_1m_output"], errors="coerce")
    paid = prices["model_id"].notna() & inputs.notna() & outputs.notna() & ((inputs > 0) | (outputs > 0))
    if not paid.any():
        return pd.DataFrame({"price_flagged": flagged, "price_flag_reason": reason})
    # A variant is priced as its base model, so its offers are peers of the base model's offers.
    ids = prices.loc[paid, "model_id"].astype(str).map(base_model_id)
    unique_ids = ids.unique()
    family = ids.map({m: family_of(m) for m in unique_ids})
    makers = {m: MAKER_PROVIDERS.get(maker_of(m) or "", ()) for m in unique_ids}
    is_maker = pd.Series(
        [p in makers[m] for m, p in zip(ids, prices.loc[paid, "provider"], strict=True)], index=ids.index
    )
    offer_of = {i: OfferPrice(float(inputs[i]), float(outputs[i])) for i in ids.index}
    members = ids.groupby(ids).groups
    has_maker = ids.map(is_maker.groupby(ids).any())
    group_size = ids.map(ids.value_counts())
    inverted = (outputs[paid] > 0) & (outputs[paid] < inputs[paid])
    # Only resellers can be flagged, and only those with a reference or a price dearer for input than output.
    worth_checking = ~is_maker & (has_maker | (group_size > min_others) | inverted)
    family_ratio = (outputs / inputs)[paid & (inputs > 0) & (outputs > 0)]
    maker_offer = is_maker.to_dict()
    for index in ids.index[worth_checking.to_numpy()]:
        group = members[ids[index]]
        others = [offer_of[j] for j in group if j != index]
        own_maker = [offer_of[j] for j in group if j != index and maker_offer[j]]
        ratios: list[float] = []
        if inverted[index]:
            same_family = family.index[(family == family[index]).to_numpy()]
            ratios = [float(family_ratio[j]) for j in same_family if j != index and j in family_ratio.index]
        found = outlier_reasons(offer_of[index], others, str(family[index]), ratios, own_maker, factor, min_others)
        if found:
            flagged[index] = True
            reason[index] = "; ".join(found)
    return pd.DataFrame({"price_flagged": flagged, "price_flag_reason": reason})


def annotate_offers(prices: pd.DataFrame, models: pd.DataFrame | None = None) -> pd.DataFrame:
    """The price table with who sells each offer, its label, whether it is a free tier and any price flag.

    With `models`, each offer also gets its model's `open_weights` fact, which the default offer choice
    needs for models their maker does not sell.
    """
    frame = prices.copy()
    if models is not None and "open_weights" not in frame:
        facts = models.drop_duplicates("model_id").set_index("model_id")["open_weights"]
        frame["open_weights"] = frame["model_id"].map(facts)
    if frame.empty:
        for column in OFFER_COLUMNS:
            frame[column] = pd.Series(dtype=bool if column in ("free_tier", "price_flagged") else object)
        return frame
    frame["free_tier"] = [
        is_free_tier(i, o) for i, o in zip(frame["usd_per_1m_input"], frame["usd_per_1m_output"], strict=True)
    ]
    own_apis = {m: MAKER_PROVIDERS.get(maker_of(m) or "", ()) for m in frame["model_id"].dropna().unique()}
    kinds = [
        FREE_TIER if free else MAKER if provider in own_apis.get(model_id, ()) else RESELLER
        for free, model_id, provider in zip(frame["free_tier"], frame["model_id"], frame["provider"], strict=True)
    ]
    frame["offer_kind"] = kinds
    frame["offer_label"] = [offer_label(p, k) for p, k in zip(frame["provider"], kinds, strict=True)]
    flags = flag_price_outliers(frame)
    frame["price_flagged"] = flags["price_flagged"]
    frame["price_flag_reason"] = flags["price_flag_reason"]
    return frame


def _is_true(value: object) -> bool:
    return value is True or value is np.True_


def _maker_rank(model_id: object, provider: object) -> int:
    """Position of the provider among the maker's own APIs (its main API first); others after."""
    maker = maker_of(model_id)
    own = MAKER_PROVIDERS.get(maker or "", ())
    return own.index(provider) if isinstance(provider, str) and provider in own else len(own) + 1


GROUP = ["model_id", "deployment"]
# Ties between offers equally cheap (within 0.1% of cost) go to the maker's main API, then by provider and key.
TIE_BREAK = ["_rank", "_provider", "_key_len", "model_key"]


def _first_per_group(frame: pd.DataFrame) -> pd.Series:
    """The row label of each group's first row, by group."""
    return frame.rename_axis("_row").reset_index().groupby(GROUP, sort=False, dropna=False)["_row"].first()


def choose_offers(
    offers: pd.DataFrame,
    choice: str = DEFAULT_OFFER_CHOICE,
    include_flagged: bool = False,
    cost_column: str = "cost_usd",
) -> pd.DataFrame:
    """The offers that stand for each model and deployment under a choice, each with `offer_basis` (why).

    $0 offers are never chosen. Flagged prices are left out unless `include_flagged`; a model whose only
    paid offers are flagged then drops out. `offers` needs model_id, provider, model_key, the cost
    column and the columns `annotate_offers` adds; `deployment` and `open_weights` are optional.
    """
    if choice not in OFFER_CHOICES:
        raise ValueError(f"offer choice must be one of {', '.join(OFFER_CHOICES)}, not {choice!r}")
    frame = offers.reset_index(drop=True)  # unique row labels, whatever the caller's index
    if "deployment" not in frame:
        frame["deployment"] = "API"
    if "open_weights" not in frame:
        frame["open_weights"] = None
    for column, default in (("free_tier", False), ("price_flagged", False), ("offer_kind", RESELLER)):
        if column not in frame:
            frame[column] = default
        frame[column] = frame[column].fillna(default)
    frame = frame[~frame["free_tier"].astype(bool)]
    if not include_flagged:
        frame = frame[~frame["price_flagged"].astype(bool)]
    if frame.empty or choice == "all":
        return frame.assign(offer_basis="every offer")
    cost = frame[cost_column].astype(float)
    keyed = frame.assign(
        _cost=np.round(np.log(cost.clip(lower=1e-12)), 3),
        _exact_cost=cost,
        _rank=[_maker_rank(m, p) for m, p in zip(frame["model_id"], frame["provider"], strict=True)],
        _provider=frame["provider"].fillna("").astype(str),
        _key_len=frame["model_key"].astype(str).str.len(),
    )
    cheapest = _first_per_group(keyed.sort_values([*GROUP, "_cost", *TIE_BREAK]))
    if choice == "cheapest":
        return frame.loc[cheapest.to_numpy()].assign(offer_basis="the cheapest offer")
    makers = _first_per_group(keyed[keyed["offer_kind"] == MAKER].sort_values([*GROUP, "_cost", *TIE_BREAK]))
    # The median-priced offer (the lower of the two middle ones) by exact cost.
    by_cost = keyed.sort_values([*GROUP, "_exact_cost", *TIE_BREAK]).rename_axis("_row").reset_index()
    groups = by_cost.groupby(GROUP, sort=False, dropna=False)
    position = groups.cumcount()
    size = groups["_row"].transform("size")
    median = by_cost[position == (size - 1) // 2].set_index(GROUP)["_row"]
    counts = groups["_row"].size()
    maker_of_group, median_of_group, count_of_group = makers.to_dict(), median.to_dict(), counts.to_dict()
    deployment, open_weights = keyed["deployment"].to_dict(), keyed["open_weights"].to_dict()
    picked: list[int] = []
    basis: list[str] = []
    for group, first in cheapest.items():
        if group in maker_of_group:
            picked.append(int(maker_of_group[group]))
            basis.append("the maker's list price")
        elif str(deployment[first]) == SELF_HOSTED:
            picked.append(int(first))
            basis.append("the cheapest GPU deployment")
        elif _is_true(open_weights[first]):
            picked.append(int(first))
            basis.append("no offer from the maker: the cheapest host of the open weights")
        elif count_of_group[group] == 1:
            picked.append(int(first))
            basis.append("no offer from the maker: the only reseller")
        else:
            picked.append(int(median_of_group[group]))
            basis.append(f"no offer from the maker: the median-priced of {count_of_group[group]} resellers")
    return frame.loc[picked].assign(offer_basis=basis)
