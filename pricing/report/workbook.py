"""The projection's comparison as a workbook a buyer can work in (openpyxl): one sheet per table, the inputs in
their own cells and the spend as formulas over them, so changing a price or a month's volume recomputes the
monthly spend and the totals in any spreadsheet.

The formulas are the planning engine's own sums (`pricing.planning.projection`): an API option's month costs
((input tokens - cached input tokens) x input price + cached input tokens x cached price + output tokens x output
price) / 1,000,000 x that month's price multiplier (its price decline); a self-hosted fleet's month costs GPUs x
USD per GPU-hour x hours + capex + operations. A hybrid option is written as the engine's values (its parts share
traffic at a set ratio), and the Monte Carlo bands and break-even as values: they are not sums a buyer redoes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd

from pricing.exports import neutralise, readable_header, sheet_title
from pricing.planning.projection import ApiOption, ProjectionInputs, SelfHostOption, project, self_host_detail

USD_FORMAT = '"$"#,##0.00'
USD_WHOLE_FORMAT = '"$"#,##0'
PRICE_FORMAT = '"$"#,##0.0000'
TOKENS_FORMAT = "#,##0"
MULTIPLIER_FORMAT = "0.0000"
TOKENS_PER_MILLION = 1_000_000

SHEET_PRICES = "API prices"
SHEET_VOLUMES = "Volumes"
SHEET_MULTIPLIERS = "Price multipliers"
SHEET_SELF_HOSTED = "Self-hosted fleets"
SHEET_MONTHLY = "Monthly spend"
SHEET_TOTALS = "Totals"


def _ref(sheet: str, cell: str) -> str:
    return f"'{sheet}'!{cell}"


def _header(sheet: object, headings: Sequence[str], widths: Sequence[float]) -> None:
    """Bold headings in row 1, frozen, with column widths."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append([neutralise(text) for text in headings])  # type: ignore[attr-defined]
    for position, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=position)  # type: ignore[attr-defined]
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(position)].width = width  # type: ignore[attr-defined]
    sheet.freeze_panes = "B2"  # type: ignore[attr-defined]


def _formats(sheet: object, column: int, number_format: str, first_row: int = 2) -> None:
    for row in range(first_row, sheet.max_row + 1):  # type: ignore[attr-defined]
        sheet.cell(row=row, column=column).number_format = number_format  # type: ignore[attr-defined]


def projection_workbook(
    inputs: ProjectionInputs,
    monte_carlo: pd.DataFrame | None = None,
    break_even: pd.DataFrame | None = None,
) -> bytes:
    """The comparison as XLSX: API prices, volumes and price multipliers as inputs; self-hosted fleets with their
    spend as formulas; monthly spend per option as formulas over those inputs with a total row; totals per option
    (formulas) beside the Monte Carlo's P10-P90 (values); break-even (values) when given."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    result = project(inputs)
    monthly = result.monthly_usd
    volumes = result.volumes
    months = len(monthly)
    api = [o for o in inputs.options if isinstance(o, ApiOption)]
    own = [o for o in inputs.options if isinstance(o, SelfHostOption)]
    book = Workbook()

    prices = book.active
    assert prices is not None  # a new workbook always has one sheet
    prices.title = SHEET_PRICES
    _header(prices, ["Option", "USD per 1M input tokens", "USD per 1M cached input tokens",
                     "USD per 1M output tokens", "Price sheet", "Source"], (36, 16, 18, 16, 30, 60))  # fmt: skip
    for option in api:
        price = option.token_price
        prices.append([neutralise(option.name), price.usd_per_1m_input, price.usd_per_1m_cached_effective,
                       price.usd_per_1m_output, neutralise(option.sheet_name), neutralise(option.source)])  # fmt: skip
    for column in (2, 3, 4):
        _formats(prices, column, PRICE_FORMAT)

    vols = book.create_sheet(SHEET_VOLUMES)
    _header(vols, ["Month", "Input tokens (cached included)", "Cached input tokens", "Output tokens"], (8, 22, 20, 20))
    for month in range(months):
        tokens = volumes.iloc[month]
        vols.append([month + 1, float(tokens["input_tokens"]), float(tokens["cached_input_tokens"]),
                     float(tokens["output_tokens"])])  # fmt: skip
    for column in (2, 3, 4):
        _formats(vols, column, TOKENS_FORMAT)

    # Each month's price multiplier is the engine's spend over the month's spend at today's prices: the decline.
    base = {}
    mult = book.create_sheet(SHEET_MULTIPLIERS)
    _header(mult, ["Month", *(o.name for o in api)], (8, *(18 for _ in api)))
    for option in api:
        price = option.token_price
        base[option.name] = (
            (volumes["input_tokens"] - volumes["cached_input_tokens"]) * price.usd_per_1m_input
            + volumes["cached_input_tokens"] * price.usd_per_1m_cached_effective
            + volumes["output_tokens"] * price.usd_per_1m_output
        ).to_numpy() / TOKENS_PER_MILLION
    for month in range(months):
        mult.append([month + 1, *(
            float(monthly[o.name].iloc[month] / base[o.name][month]) if base[o.name][month] else 1.0 for o in api
        )])  # fmt: skip
    for column in range(2, len(api) + 2):
        _formats(mult, column, MULTIPLIER_FORMAT)

    fleet_rows: dict[str, int] = {}  # first row of each self-hosted option on its sheet
    if own:
        fleets = book.create_sheet(SHEET_SELF_HOSTED)
        _header(fleets, ["Option", "Month", "GPUs held", "USD per GPU-hour", "Hours in the month", "Capex (USD)",
                         "Operations (USD)", "Spend (USD)"], (40, 8, 11, 16, 12, 14, 16, 16))  # fmt: skip
        for fleet in own:
            detail = self_host_detail(inputs, fleet)
            fleet_rows[fleet.name] = fleets.max_row + 1
            for month in range(months):
                r = fleets.max_row + 1
                spend = f"=C{r}*D{r}*E{r}+F{r}+G{r}"
                at = detail.iloc[month]
                fleets.append(
                    [
                        neutralise(option.name),
                        month + 1,
                        float(at["gpus"]),
                        float(at["usd_per_gpu_hour"]),
                        inputs.hours_per_month,
                        float(at["capex_usd"]),
                        float(at["ops_usd"]),
                        spend,
                    ]
                )
        _formats(fleets, 4, PRICE_FORMAT)
        for column in (6, 7, 8):
            _formats(fleets, column, USD_FORMAT)

    spend = book.create_sheet(SHEET_MONTHLY)
    names = [str(name) for name in monthly.columns]
    _header(spend, ["Month", *(f"{name} (USD)" for name in names)], (8, *(22 for _ in names)))
    api_index = {o.name: i for i, o in enumerate(api)}
    for month in range(months):
        r = month + 2  # the same row on Volumes and Price multipliers
        cells: list[object] = [month + 1]
        for name in names:
            if name in api_index:
                p = api_index[name] + 2  # its row on API prices
                m = get_column_letter(api_index[name] + 2)  # its column on Price multipliers
                cells.append(
                    f"=(({_ref(SHEET_VOLUMES, f'B{r}')}-{_ref(SHEET_VOLUMES, f'C{r}')})*{_ref(SHEET_PRICES, f'$B${p}')}"
                    f"+{_ref(SHEET_VOLUMES, f'C{r}')}*{_ref(SHEET_PRICES, f'$C${p}')}"
                    f"+{_ref(SHEET_VOLUMES, f'D{r}')}*{_ref(SHEET_PRICES, f'$D${p}')})/{TOKENS_PER_MILLION}"
                    f"*{_ref(SHEET_MULTIPLIERS, f'{m}{r}')}"
                )
            elif name in fleet_rows:
                cells.append(f"={_ref(SHEET_SELF_HOSTED, f'H{fleet_rows[name] + month}')}")
            else:
                cells.append(float(monthly[name].iloc[month]))  # a hybrid: the engine's value
        spend.append(cells)
    total_row = spend.max_row + 1
    spend.append(["Total", *(f"=SUM({get_column_letter(c)}2:{get_column_letter(c)}{total_row - 1})"
                            for c in range(2, len(names) + 2))])  # fmt: skip
    for column in range(2, len(names) + 2):
        _formats(spend, column, USD_FORMAT)

    totals = book.create_sheet(SHEET_TOTALS)
    headings = ["Option", f"Total over {months} months (USD)"]
    if monte_carlo is not None:
        headings += ["P10 (USD)", "P50 (USD)", "P90 (USD)", "Share of Monte Carlo paths cheapest"]
    _header(totals, headings, (40, 22, *(16 for _ in headings[2:])))
    for position, name in enumerate(names, start=2):
        row: list[object] = [neutralise(name), f"={_ref(SHEET_MONTHLY, f'{get_column_letter(position)}{total_row}')}"]
        if monte_carlo is not None and name in monte_carlo.index:
            band = monte_carlo.loc[name]
            row += [float(band["p10"]), float(band["p50"]), float(band["p90"]), float(band.get("prob_cheapest", 0.0))]
        totals.append(row)
    for column in range(2, 6):
        _formats(totals, column, USD_WHOLE_FORMAT)
    if monte_carlo is not None:
        _formats(totals, 6, "0%")

    if break_even is not None and not break_even.empty:
        sheet = book.create_sheet(sheet_title("Break-even"))
        _header(sheet, [readable_header(c) for c in break_even.columns], [24 for _ in break_even.columns])
        for values in break_even.itertuples(index=False):
            sheet.append([neutralise(v) if isinstance(v, str) else (None if pd.isna(v) else v) for v in values])

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
