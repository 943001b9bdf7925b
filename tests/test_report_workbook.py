"""The projection's comparison workbook, read back with openpyxl: one sheet per table, bold frozen headings,
currency formats, the inputs in their own cells and the spend as formulas over them, whose values recomputed by
hand from those cells are the planning engine's."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from pricing.planning import display
from pricing.planning import service as planning
from pricing.report.workbook import projection_workbook
from pricing.store import Store
from tests.test_report import SHEET, full_scenario


def _value(book: openpyxl.Workbook, reference: str) -> float:
    """A cell's value by a formula's reference ('Volumes'!B2 or 'API prices'!$B$2), formulas evaluated."""
    sheet, cell = re.fullmatch(r"'(.+)'!(.+)", reference).groups()  # type: ignore[union-attr]
    return _evaluate(book, book[sheet][cell.replace("$", "")].value, sheet)


def _evaluate(book: openpyxl.Workbook, value: object, sheet: str) -> float:
    """The few formulas the workbook writes (+ - * / and SUM over one column), evaluated by hand."""
    if not (isinstance(value, str) and value.startswith("=")):
        return float(value)  # type: ignore[arg-type]
    expression = value[1:]
    total = re.fullmatch(r"SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", expression)
    if total:
        column, first, _, last = total.groups()
        return sum(_evaluate(book, book[sheet][f"{column}{r}"].value, sheet) for r in range(int(first), int(last) + 1))
    expression = re.sub(r"'[^']+'!\$?[A-Z]+\$?\d+", lambda m: repr(_value(book, m.group(0))), expression)
    expression = re.sub(
        r"\b([A-Z]+\d+)\b", lambda m: repr(_evaluate(book, book[sheet][m.group(1)].value, sheet)), expression
    )
    assert re.fullmatch(r"[-+*/(). 0-9e]+", expression), expression
    return float(eval(expression))  # noqa: S307 - digits and operators only, checked above


@pytest.fixture(scope="module")
def workbook(seeded_db_file, tmp_path_factory) -> tuple[openpyxl.Workbook, planning.Scenario, planning.Evaluation]:  # type: ignore[no-untyped-def]
    import shutil

    path = tmp_path_factory.mktemp("workbook") / "frontier.duckdb"
    shutil.copy(seeded_db_file, path)
    store = Store(path)
    from pricing import service
    from tests.test_report import CJK, CYRILLIC, TODAY

    for key, price in ((CJK, 0.4), (CYRILLIC, 0.9)):
        service.set_deployment_price(store, key, "qwen3-32b", price, price * 3, on=TODAY)
    scenario = full_scenario(store)
    store.close()
    evaluation = planning.evaluate(scenario.inputs, scenario.uncertainty, with_sensitivity=False)
    data = projection_workbook(scenario.inputs, evaluation.tco, display.break_even_table(evaluation.outcome))
    return openpyxl.load_workbook(io.BytesIO(data)), scenario, evaluation


def test_workbook_has_one_sheet_per_table_with_formatted_headings(workbook) -> None:  # type: ignore[no-untyped-def]
    book, _, _ = workbook
    assert book.sheetnames == ["API prices", "Volumes", "Price multipliers", "Self-hosted fleets", "Monthly spend",
                               "Totals", "Break-even"]  # fmt: skip
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "B2" and all(cell.font.bold for cell in sheet[1] if cell.value), sheet.title
        assert sheet.column_dimensions["A"].width >= 8
    assert book["API prices"]["B2"].number_format == '"$"#,##0.0000'
    assert book["Monthly spend"]["B2"].number_format == '"$"#,##0.00'
    assert book["Totals"]["B2"].number_format == '"$"#,##0'
    assert book["Volumes"]["B2"].number_format == "#,##0"


def test_monthly_spend_and_totals_are_formulas_over_the_inputs(workbook) -> None:  # type: ignore[no-untyped-def]
    book, scenario, _ = workbook
    spend = book["Monthly spend"]
    months = scenario.inputs.horizon_months
    assert spend["B2"].value.startswith("=(('Volumes'!B2-'Volumes'!C2)*'API prices'!$B$2")
    assert spend[f"B{months + 2}"].value == f"=SUM(B2:B{months + 1})"
    assert book["Totals"]["B2"].value == f"='Monthly spend'!B{months + 2}"
    own_column = next(c.column_letter for c in spend[1] if str(c.value).startswith("self-host"))
    assert spend[f"{own_column}2"].value == "='Self-hosted fleets'!H2"
    assert book["Self-hosted fleets"]["H2"].value == "=C2*D2*E2+F2+G2"


def test_workbook_formulas_give_the_planning_engines_numbers(workbook) -> None:  # type: ignore[no-untyped-def]
    book, scenario, evaluation = workbook
    monthly = planning.outcome(scenario.inputs).result.monthly_usd
    spend = book["Monthly spend"]
    names = [str(c.value).removesuffix(" (USD)") for c in spend[1][1:]]
    for position, name in enumerate(names, start=2):
        column = spend.cell(row=1, column=position).column_letter
        for month in (0, 11, len(monthly) - 1):
            cell = spend[f"{column}{month + 2}"].value
            assert _evaluate(book, cell, "Monthly spend") == pytest.approx(monthly[name].iloc[month], rel=1e-9), name
    for row in book["Totals"].iter_rows(min_row=2):
        name = row[0].value
        assert _evaluate(book, row[1].value, "Totals") == pytest.approx(evaluation.totals[name], rel=1e-9)
        assert row[2].value == pytest.approx(evaluation.tco.loc[name, "p10"])


def test_a_buyer_changing_a_price_changes_that_options_total(workbook) -> None:  # type: ignore[no-untyped-def]
    book, scenario, evaluation = workbook
    prices = book["API prices"]
    assert prices["A2"].value == "gpt-4o-mini" and SHEET in prices["E2"].value
    volumes = book["Volumes"]
    output_tokens = sum(float(volumes[f"D{r}"].value) * float(book["Price multipliers"][f"B{r}"].value)
                        for r in range(2, scenario.inputs.horizon_months + 2))  # fmt: skip
    prices["D2"].value = float(prices["D2"].value) + 1.0  # a dollar more per 1M output tokens
    total = _evaluate(book, book["Totals"]["B2"].value, "Totals")
    prices["D2"].value = float(prices["D2"].value) - 1.0
    assert total == pytest.approx(evaluation.totals["gpt-4o-mini"] + output_tokens / 1e6, rel=1e-9)
