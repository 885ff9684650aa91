"""What-if (`starrating diff`): two policies on the same data, period and as-of time.

The library is called directly (starrating.audit.whatif) on real stores built in tmp folders.
Expectations are worked out by hand in the comments. The data, in October 2026
(Asia/Shanghai; every event recorded on 1 November, the as-of time is 2 November):

    employee  department  praise letters  complaints
    E1        前台         0               0
    E2        前台         1               1 (Tue 20 Oct, 2026-W43)
    E3        前台         2               0
    E4        前台         3               0
    E5        后勤         4               2 (Mon 19 Oct and Tue 20 Oct, 2026-W43)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starrating import i18n
from starrating.audit.whatif import (
    ONLY_BEFORE,
    WhatIf,
    WhatIfError,
    diff_runs,
    evaluate_whatif,
    plan_whatif,
    render_text,
)
from starrating.engine.periods import parse_label
from starrating.engine.runs import RunDocument, run_policy
from starrating.language.catalog import Catalog, merge_catalogs
from starrating.language.policyfiles import PolicyFile, check_files
from starrating.output.json import render_json
from starrating.store.ingest import ingest_files
from starrating.store.store import Store

AS_OF = "2026-11-02T00:00:00+08:00"
INGESTED = datetime(2026, 11, 1, tzinfo=UTC)  # recorded_at of every event

ROSTER = """employee_id,name,department,role,hire_date
E1,张一,前台,sd,2024-01-01
E2,张二,前台,sd,2024-01-01
E3,张三,前台,sd,2024-01-01
E4,张四,前台,sd,2024-01-01
E5,张五,后勤,sd,2024-01-01
"""

_PRAISE = {"E2": 1, "E3": 2, "E4": 3, "E5": 4}
_COMPLAINTS = [("c1", "E2", "2026-10-20"), ("c2", "E5", "2026-10-19"), ("c3", "E5", "2026-10-20")]
EVENTS = "event_id,employee_id,type,occurred_at\n" + "".join(
    [
        f"p{e}{i},{e},praise,2026-10-{5 + i:02d}T10:00:00+08:00\n"
        for e, n in _PRAISE.items()
        for i in range(n)
    ]
    + [f"{i},{e},complaint,{day}T10:00:00+08:00\n" for i, e, day in _COMPLAINTS]
)

HEADER = 'policy "{name}" version {version}\ntimezone "Asia/Shanghai"\n'

# Monthly star levels by praise letters: E1 (0) 1 star, E2 (1) 2, E3 (2) 3, E4 (3) 4,
# E5 (4) 5; rewards 50 + 100 + 200 + 300 + 500 = 1150.
STARS_A = """
each month {
  let p = count(praise)
  stars {
    5 when p >= 4
    4 when p >= 3
    3 when p >= 2
    2 when p >= 1
    1 otherwise
  }
  reward by stars { 5: 500, 4: 300, 3: 200, 2: 100, 1: 50 }
}
"""


def make_store(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    roster = folder / "roster.csv"
    events = folder / "events.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    events.write_text(EVENTS, encoding="utf-8")
    path = folder / "store.duckdb"
    with Store.open(path) as store:
        ingest_files(store, events=[events], rosters=[roster], now=INGESTED)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store.open(make_store(tmp_path_factory.mktemp("whatif"))) as opened:
        yield opened


def catalog_of(store: Store) -> Catalog:
    catalog = merge_catalogs(None, store.data_catalog())
    assert catalog is not None
    return catalog


def policy(store: Store, path: Path, body: str, name: str = "月度星级", version: int = 1):
    """Write a policy file and check it; it must have no error."""
    path.write_text(HEADER.format(name=name, version=version) + body, encoding="utf-8")
    files = check_files([path], catalog_of(store))
    assert all(f.ok for f in files), [d.message for f in files for d in f.diagnostics]
    return files


def whatif(store: Store, folder: Path, body_a: str, body_b: str, period: str = "2026-10") -> WhatIf:
    files_a = policy(store, folder / "a.policy", body_a)
    files_b = policy(store, folder / "b.policy", body_b, version=2)
    return evaluate_whatif(store.connection, files_a, files_b, period, AS_OF, catalog_of(store))


def both_runs(
    store: Store, files_a: list[PolicyFile], files_b: list[PolicyFile], period: str = "2026-10"
) -> tuple[RunDocument, RunDocument]:
    catalog = catalog_of(store)
    a, b = plan_whatif(files_a, files_b, period, AS_OF, catalog)
    return (
        run_policy(store.connection, a.item, catalog, a.target, a.as_of, record=False),
        run_policy(store.connection, b.item, catalog, b.target, b.as_of, record=False),
    )


def stars(counts: str) -> dict[str, int]:
    """'1 1 1 1 1 0' -> counts for 1..5 and none."""
    return dict(zip(["1", "2", "3", "4", "5", "none"], map(int, counts.split()), strict=True))


# ---- what changes -----------------------------------------------------------------------


def test_a_lower_threshold_moves_employees_up_a_star(store: Store, tmp_path: Path) -> None:
    # B: five stars from 3 praise letters (was 4), four from 2 (was 3), no 3-star line.
    # E3 (2 letters) 3 -> 4 stars, 200 -> 300; E4 (3) 4 -> 5, 300 -> 500; E1, E2 and E5
    # keep their levels. After: 50 + 100 + 300 + 500 + 500 = 1450, 300 more than 1150.
    b = STARS_A.replace("5 when p >= 4", "5 when p >= 3").replace("4 when p >= 3", "4 when p >= 2")
    b = b.replace("    3 when p >= 2\n", "")
    result = whatif(store, tmp_path, STARS_A, b)
    assert [(c.employee_id, c.period, c.status, c.changed) for c in result.changes] == [
        ("E3", "2026-10", "changed", ["stars", "reward"]),
        ("E4", "2026-10", "changed", ["stars", "reward"]),
    ]
    e3, e4 = result.changes
    assert (e3.value("before", "stars"), e3.value("after", "stars")) == (3, 4)
    assert (e4.value("before", "stars"), e4.value("after", "stars")) == (4, 5)
    assert e3.difference("reward") == Decimal(100) and e4.difference("reward") == Decimal(200)
    assert e3.difference("red") == Decimal(0)
    assert result.employees == 5 and result.employees_changed == 2
    assert result.kind == "month" and result.period == "2026-10"
    assert result.stars_before == stars("1 1 1 1 1 0")
    assert result.stars_after == stars("1 1 0 1 2 0")
    assert (result.reward_before, result.reward_after) == (Decimal(1150), Decimal(1450))
    assert result.reward_difference == Decimal(300)
    assert result.before["version"] == "1" and result.after["version"] == "2"
    assert "run_id" not in result.before  # nothing was recorded: no run to name

    text = render_text(result)
    lines = text.splitlines()
    assert lines[0] == f"what-if for 2026-10, as of {AS_OF}"
    assert "2026-10  (2026-10-01 to 2026-10-31)" in lines
    row = next(line for line in lines if line.strip().startswith("E3"))
    # Neither policy has red or green lines: no tally columns (output.columns).
    assert row.split() == ["E3", "张三", "3", "->", "4", "200", "->", "300", "(+100)", "-"]
    header = next(line for line in lines if line.strip().startswith("employee"))
    assert header.split() == ["employee", "name", "stars", "reward", "awards", "note"]
    assert "  employees with a change: 2 of 5" in lines
    assert "  reward: before 1150, after 1450, difference +300" in lines
    star_rows = [line.split() for line in lines if line.startswith(("    before", "    after"))]
    assert star_rows == [["before", "1", "1", "1", "1", "1", "0"],
                         ["after", "1", "1", "0", "1", "2", "0"]]  # fmt: skip


def test_a_reward_change_shows_the_exact_total_difference(store: Store, tmp_path: Path) -> None:
    # B pays 512.5 for five stars and 200.05 for three, plus 0.1 per praise letter:
    # E1 50, E2 100 + 0.1, E3 200.05 + 0.2, E4 300 + 0.3, E5 512.5 + 0.4 = 1163.55,
    # 13.55 more than 1150 (exactly: no binary float anywhere).
    b = STARS_A.replace("5: 500", "5: 512.5").replace("3: 200", "3: 200.05")
    b = b.replace("  reward by stars", "  reward 0.1 * p\n  reward by stars")
    result = whatif(store, tmp_path, STARS_A, b)
    assert [c.employee_id for c in result.changes] == ["E2", "E3", "E4", "E5"]
    assert [c.changed for c in result.changes] == [["reward"]] * 4
    assert [c.difference("reward") for c in result.changes] == [
        Decimal("0.1"), Decimal("0.25"), Decimal("0.3"), Decimal("12.9")
    ]  # fmt: skip
    assert result.reward_after == Decimal("1163.55")
    assert result.reward_difference == Decimal("13.55")
    assert result.stars_before == result.stars_after  # the levels did not move

    document = json.loads(render_json(result), parse_float=Decimal)
    assert document["summary"]["reward"] == {
        "before": 1150, "after": Decimal("1163.55"), "difference": Decimal("13.55")
    }  # fmt: skip
    assert '"difference": 13.55' in render_json(result)  # written exactly
    e5 = document["changes"][-1]
    assert e5["reward"] == {"before": 500, "after": Decimal("512.9"), "difference": Decimal("12.9")}
    assert e5["stars"] == {"before": 5, "after": 5}
    assert "reward: before 1150, after 1163.55, difference +13.55" in render_text(result)


def test_an_award_rule_change_shows_winners_gained_and_lost(store: Store, tmp_path: Path) -> None:
    # A: "月度之星" for five stars (E5). B: for exactly 3 praise letters (E4). "勤勉奖"
    # (any praise letter: E2..E5) is the same on both sides.
    a = STARS_A.replace(
        "}\n}", '}\n  award "月度之星" when stars = 5\n  award "勤勉奖" when p >= 1\n}'
    )
    b = a.replace('"月度之星" when stars = 5', '"月度之星" when p = 3')
    result = whatif(store, tmp_path, a, b)
    assert [(c.employee_id, c.changed, c.awards_gained, c.awards_lost) for c in result.changes] == [
        ("E4", ["awards"], ["月度之星"], []),
        ("E5", ["awards"], [], ["月度之星"]),
    ]
    assert dict((n, (b, a)) for n, b, a in result.awards) == {"月度之星": (1, 1), "勤勉奖": (4, 4)}
    assert result.reward_difference == 0 and result.employees_changed == 2
    document = json.loads(render_json(result))
    assert document["changes"][0]["awards"] == {
        "before": ["勤勉奖"], "after": ["月度之星", "勤勉奖"], "gained": ["月度之星"], "lost": []
    }  # fmt: skip
    text = render_text(result)
    assert "+月度之星" in text and "-月度之星" in text


def test_identical_policies_show_no_change(store: Store, tmp_path: Path) -> None:
    body = (
        "each week {\n  red 1.5 when count(complaint) = 0\n  green 1 per complaint\n}\n" + STARS_A
    )
    files_a = policy(store, tmp_path / "a.policy", body, name="甲方案")
    files_b = policy(store, tmp_path / "b.policy", body, name="乙方案", version=7)
    result = evaluate_whatif(
        store.connection, files_a, files_b, "2026-10", AS_OF, catalog_of(store)
    )
    assert result.changes == [] and result.employees_changed == 0
    assert result.reward_difference == 0 and result.reward_before == Decimal(1150)
    assert result.stars_before == result.stars_after == stars("1 1 1 1 1 0")
    # 4 weeks settle in October (W40..W43; W44 ends on 1 November) and the month: 5 x 5.
    assert result.rows_before == result.rows_after == 25
    assert (result.before["policy"], result.after["policy"]) == ("甲方案", "乙方案")
    text = render_text(result)
    assert "no change: every employee gets the same result under both policies" in text
    assert "difference 0" in text


def test_the_tally_columns_show_when_either_policy_fills_them(store: Store, tmp_path: Path) -> None:
    # Only B counts red and green stars (in its weeks): the weeks' table of changes shows
    # them, and under Chinese the headings are Chinese.
    weekly = "each week {\n  red 1.5 when count(complaint) = 0\n  green 1 per complaint\n}\n"
    files_a = policy(store, tmp_path / "a.policy", STARS_A)
    files_b = policy(store, tmp_path / "b.policy", weekly + STARS_A)
    result = evaluate_whatif(
        store.connection, files_a, files_b, "2026-10", AS_OF, catalog_of(store)
    )
    lines = render_text(result).splitlines()
    headers = [line.split() for line in lines if line.strip().startswith("employee")]
    assert ["employee", "name", "red", "green", "net", "awards", "note"] in headers
    with i18n.language("zh-CN"):
        chinese = render_text(result)
    assert "红星" in chinese and "绿星" in chinese and "净星数" in chinese


def test_rows_rated_by_only_one_policy(store: Store, tmp_path: Path) -> None:
    # B rates only the front desk (前台): E5 (后勤, 5 stars, 500) is rated only before.
    b = 'applies to department = "前台"\n' + STARS_A
    result = whatif(store, tmp_path, STARS_A, b)
    assert len(result.changes) == 1
    (e5,) = result.changes
    assert (e5.employee_id, e5.status, e5.changed, e5.after) == ("E5", ONLY_BEFORE, ["rated"], None)
    assert e5.difference("reward") == Decimal(-500) and e5.difference("net") is None
    assert (result.rows_before, result.rows_after) == (5, 4)
    assert result.stars_after == stars("1 1 1 1 0 0")
    assert result.reward_difference == Decimal(-500)
    row = next(line for line in render_text(result).splitlines() if "E5" in line)
    assert row.split() == ["E5", "张五", "5", "500", "(-500)", "-", "rated", "only", "before"]
    # The other way round the row is rated only after, and every number flips sign.
    files_a = policy(store, tmp_path / "a.policy", STARS_A)
    files_b = policy(store, tmp_path / "b.policy", b)
    before, after = both_runs(store, files_a, files_b)
    back = diff_runs(after, before)
    assert [c.status for c in back.changes] == ["only_after"]
    assert back.reward_difference == Decimal(500)


def test_a_veto_change_is_shown(store: Store, tmp_path: Path) -> None:
    # B vetoes two complaints or more in the month: E5 (2 complaints) loses 5 stars and 500.
    b = STARS_A.replace("  stars {", '  veto "投诉" when count(complaint) >= 2\n  stars {')
    result = whatif(store, tmp_path, STARS_A, b)
    assert [(c.employee_id, c.changed) for c in result.changes] == [
        ("E5", ["stars", "reward", "vetoed", "veto_reasons"])
    ]
    assert result.stars_after == stars("1 1 1 1 0 1")
    assert result.reward_difference == Decimal(-500)
    assert "now vetoed: 投诉" in render_text(result)


# ---- period, as-of and errors -----------------------------------------------------------


def test_previous_is_resolved_with_policy_a_and_both_share_period_and_as_of(
    store: Store, tmp_path: Path
) -> None:
    # Alone, B (quarter and month blocks) would take `previous` as 2026-Q3; in a what-if
    # it is A's previous period, the month 2026-10, which B also has.
    files_a = policy(store, tmp_path / "a.policy", STARS_A)
    files_b = policy(store, tmp_path / "b.policy", STARS_A + "each quarter {\n  reward 1\n}\n")
    a, b = plan_whatif(files_a, files_b, "previous", AS_OF, catalog_of(store))
    assert a.target.label == b.target.label == "2026-10"
    assert a.as_of == b.as_of
    # Without --as-of, both sides still share one instant.
    a, b = plan_whatif(files_a, files_b, "2026-10", None, catalog_of(store))
    assert a.as_of == b.as_of


def test_a_policy_without_a_block_of_the_period_kind_is_a_clear_error(
    store: Store, tmp_path: Path
) -> None:
    files_a = policy(store, tmp_path / "a.policy", STARS_A)
    files_b = policy(store, tmp_path / "b.policy", "each quarter {\n  reward 1\n}\n")
    with pytest.raises(WhatIfError, match=r"POLICY_B \(.*b\.policy\): .*no `each month` block"):
        plan_whatif(files_a, files_b, "2026-10", AS_OF, catalog_of(store))
    with pytest.raises(WhatIfError, match=r"POLICY_A .*no `each quarter` block"):
        plan_whatif(files_a, files_b, "2026-Q4", AS_OF, catalog_of(store))


def test_a_folder_with_several_policies_is_refused(store: Store, tmp_path: Path) -> None:
    files_a = policy(store, tmp_path / "a.policy", STARS_A)
    other = policy(store, tmp_path / "c.policy", STARS_A, name="另一个")
    with pytest.raises(WhatIfError, match="POLICY_A holds several policies"):
        plan_whatif([*files_a, *other], files_a, "2026-10", AS_OF, catalog_of(store))


def test_runs_of_different_periods_are_not_compared() -> None:
    a = RunDocument({"period": "2026-10"})
    b = RunDocument({"period": "2026-11"})
    with pytest.raises(WhatIfError, match="different periods"):
        diff_runs(a, b)


def test_nothing_is_recorded(tmp_path: Path) -> None:
    with Store.open(make_store(tmp_path / "data")) as store:
        files_a = policy(store, tmp_path / "a.policy", STARS_A)
        files_b = policy(store, tmp_path / "b.policy", STARS_A.replace("5: 500", "5: 600"))
        catalog = catalog_of(store)
        # One recorded run first, so that the run tables exist.
        (planned, _) = plan_whatif(files_a, files_b, "2026-10", AS_OF, catalog)
        run_policy(store.connection, planned.item, catalog, planned.target, planned.as_of)
        counts = store.table_counts()
        assert counts["runs"] == 1 and counts["results"] == 5
        result = evaluate_whatif(store.connection, files_a, files_b, "2026-10", AS_OF, catalog)
        assert result.reward_difference == Decimal(100)
        assert store.table_counts() == counts


# ---- the totals add up (property) -------------------------------------------------------

MONEY = st.integers(min_value=0, max_value=99_999).map(lambda cents: Decimal(cents) / 100)


@st.composite
def policies(draw: st.DrawFn) -> str:
    """A week and month policy over the fixed data, with random thresholds and amounts."""
    t4 = draw(st.integers(2, 3))
    t5 = draw(st.integers(t4 + 1, 5))
    veto = draw(st.integers(1, 3))
    applies = draw(st.sampled_from(["", 'applies to department = "前台"\n']))
    r3, r4, r5, weekly, per = (draw(MONEY) for _ in range(5))
    return f"""{applies}
each week {{
  let c = count(complaint)
  red {draw(st.sampled_from(["1", "1.5", "2"]))} when c = 0
  green 1 per complaint
  reward {weekly} when c = 0
  award "周之星" to top {draw(st.integers(1, 3))} by net then by count(praise)
}}
each month {{
  let p = count(praise)
  veto "投诉" when count(complaint) >= {veto}
  stars {{
    5 when p >= {t5}
    4 when p >= {t4}
    3 when p >= 1
  }}
  reward by stars {{ 5: {r5}, 4: {r4}, 3: {r3} }}
  reward {per} * p
  award "月度之星" when stars = 5
}}
"""


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body_a=policies(), body_b=policies())
def test_diff_totals_add_up(store: Store, tmp_path: Path, body_a: str, body_b: str) -> None:
    files_a = policy(store, tmp_path / "a.policy", body_a)
    files_b = policy(store, tmp_path / "b.policy", body_b, version=2)
    before, after = both_runs(store, files_a, files_b)
    result = diff_runs(before, after)

    # Reward: the per-row differences add up to the change in the total, and the totals
    # are the sums over every row of each run.
    assert sum((c.difference("reward") for c in result.changes), Decimal(0)) == (
        result.reward_after - result.reward_before
    )
    assert result.reward_before == sum((r["reward"] for r in before.results), Decimal(0))
    assert result.reward_after == sum((r["reward"] for r in after.results), Decimal(0))

    # Stars: each side's distribution counts every month row exactly once.
    for rows, distribution in ((before.results, result.stars_before),
                               (after.results, result.stars_after)):  # fmt: skip
        months = [r for r in rows if parse_label(r["period"]).kind == "month"]
        assert sum(distribution.values()) == len(months)
        assert distribution["none"] == sum(r["stars"] is None for r in months)

    # Awards: wins gained minus wins lost is the change in the winner count.
    for name, wins_before, wins_after in result.awards:
        gained = sum(name in c.awards_gained for c in result.changes)
        lost = sum(name in c.awards_lost for c in result.changes)
        assert gained - lost == wins_after - wins_before

    # Changed employees: exactly those with a row that differs or exists on one side.
    old = {(r["employee_id"], r["period"]): r for r in before.results}
    new = {(r["employee_id"], r["period"]): r for r in after.results}
    keys = ("stars", "red", "green", "net", "reward", "vetoed", "veto_reasons")
    differing = {
        k[0]
        for k in old.keys() | new.keys()
        if k not in old
        or k not in new
        or any(old[k][f] != new[k][f] for f in keys)
        or sorted(old[k]["awards"]) != sorted(new[k]["awards"])
    }
    assert result.employees_changed == len(differing)

    # The other way round, every difference flips sign.
    back = diff_runs(after, before)
    assert back.reward_difference == -result.reward_difference
    assert len(back.changes) == len(result.changes)
