"""Which result columns a policy fills (starrating/output/columns.py): the tables and
reports leave out the others."""

from __future__ import annotations

from starrating.language.parser import parse
from starrating.output.columns import filled_columns, shown_columns

POLICY = """policy "p"

each week {
  let letters = count(praise_letter)
  red 1 per praise_letter
  award "周之星" to top 1 by red
}
each month {
  let weeks_won = wins("周之星")
  award "月之星" when weeks_won >= 3 with reward 100
  stars {
    5 when weeks_won >= 4
    1 otherwise
  }
}
each year {
  green 1 when count(complaint) > 3
  reward by stars { 5: 100 }
}
"""


def test_each_block_kind_fills_what_its_lines_can_fill() -> None:
    policy = parse(POLICY).policy
    assert policy is not None
    assert filled_columns(policy) == {
        "week": frozenset({"red", "net"}),
        "month": frozenset({"reward", "stars"}),
        "year": frozenset({"green", "net", "reward"}),
    }


def test_a_table_shows_the_columns_of_its_rows_kinds_in_the_usual_order() -> None:
    policy = parse(POLICY).policy
    assert policy is not None
    filled = filled_columns(policy)
    assert shown_columns(filled, ["2026-W44", "2026-W45"]) == ["red", "net"]
    assert shown_columns(filled, ["2026-10"]) == ["stars", "reward"]
    assert shown_columns(filled, ["2026-W44", "2026"]) == ["red", "green", "net", "reward"]
    # a policy that pays nothing and counts no stars shows none of them
    assert shown_columns({"month": frozenset()}, ["2026-10"]) == []
