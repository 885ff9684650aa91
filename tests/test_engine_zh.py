"""The engine's and the audit trail's messages in Simplified Chinese (issue 12, i18n).

A manager who reads only Chinese runs the monthly batch, reads its warnings, replays and
explains a run, compares two policies and fixes a broken period or policy test from the
messages alone. Each test asserts that Chinese is where the English was, and that what is
never translated stays as it is: employee ids, names, numbers, period labels, event types,
policy keywords in backticks, option names and the frame ``starrating: warning: ``.

The English of these messages is what the other test modules assert; here the same
situations are run with ``--lang zh-CN`` (or ``i18n.language("zh-CN")``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import invoke, write_text

from starrating import i18n
from starrating.audit.explain import effect_text
from starrating.engine import guards
from starrating.engine.periods import PeriodError, parse_label, resolve_period
from starrating.store.records import Contribution

pytestmark = pytest.mark.usefixtures("in_tmp")

CHINESE = re.compile(r"[\u4e00-\u9fff]")
AS_OF = "2026-11-05T00:00:00+08:00"
ZONE = ZoneInfo("Asia/Shanghai")

ROSTER = """employee_id,name,department,hire_date,recorded_at
A,张三,前台,2024-01-01,2026-01-01T00:00:00+08:00
B,李四,前台,2024-01-01,2026-01-01T00:00:00+08:00
C,王五,,2024-01-01,2026-01-01T00:00:00+08:00
"""

# October 2026: e4 is recorded after the as-of time, e5 names X1 (not on the roster);
# nobody has a `survey`, so the type read has no events and `satisfaction` is missing.
EVENTS = """event_id,employee_id,type,occurred_at,recorded_at
e1,A,complaint,2026-10-02T10:00:00+08:00,2026-10-02T12:00:00+08:00
e2,B,complaint,2026-10-03T10:00:00+08:00,2026-10-03T12:00:00+08:00
e3,B,complaint,2026-10-04T10:00:00+08:00,2026-10-04T12:00:00+08:00
e4,C,complaint,2026-10-06T10:00:00+08:00,2026-11-20T12:00:00+08:00
e5,X1,complaint,2026-10-08T10:00:00+08:00,2026-10-08T12:00:00+08:00
"""

# Backdated: recorded on 20 October, ingested only after the run.
BACKDATED = """event_id,employee_id,type,occurred_at,recorded_at
e6,A,complaint,2026-10-21T10:00:00+08:00,2026-10-20T12:00:00+08:00
"""

POLICY = """policy "前台月度" version 1
timezone "Asia/Shanghai"

each month {
  let complaints = count(complaint)
  let satisfaction = avg(survey.value)
  red 2 per complaint
  green 1 when satisfaction >= 4
  veto "重大投诉" when complaints >= 2
  stars {
    3 when net >= 4
    2 when net >= 2
    1 otherwise
  }
  award "零投诉" when complaints = 0
}
"""

PROPOSAL = POLICY.replace("red 2 per complaint", "red 1 per complaint").replace(
    "complaints >= 2", "complaints >= 3"
)


def chinese(text: str) -> bool:
    return CHINESE.search(text) is not None


def zh(*args: str) -> list[str]:
    return ["--lang", "zh-CN", *args]


def recorded(tmp_path: Path, *extra: str) -> tuple[dict, str, list[str]]:
    """``run --lang zh-CN`` of October into store.duckdb: the document, standard error and
    the --db arguments."""
    write_text(tmp_path / "p.policy", POLICY)
    write_text(tmp_path / "roster.csv", ROSTER)
    write_text(tmp_path / "events.csv", EVENTS)
    db = ["--db", str(tmp_path / "store.duckdb")]
    result = invoke(
        zh("run", "p.policy", "--period", "2026-10", "--as-of", AS_OF, "--format", "json",
           "--roster", "roster.csv", "--events", "events.csv", *db, *extra)
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr, db


# ---- library level ------------------------------------------------------------------------


def test_warnings_are_built_in_the_language_of_the_run() -> None:
    with i18n.language("zh-CN"):
        hidden = guards.hidden_by_as_of(AS_OF, 3, 1, "2026-10")
        unknown = guards.unknown_employees(3, 2, ["X1", "X2"], "2026-10")
        missing = guards.missing_value(
            "satisfaction", 2, 3, guards._lines_text({4, 9, 12}, False), "2026-10", "week"
        )
        stars = guards._lines_text({4, 9}, True)
    assert hidden.startswith(f"截至 {AS_OF}，2026-10 内的 4 条事件中有 3 条可见；1 条")
    assert "recorded_at" in hidden and "--as-of" in hidden
    assert unknown == (
        "2026-10 内有 3 条事件涉及 2 名不在现行花名册上的员工（X1、X2），他们不参与评定"
    )
    assert missing.startswith("satisfaction 在 2026-10 的至少一个 `week` 周期中缺失")
    assert "（第 4、9 和 12 行）" in missing
    assert stars == "第 4、9 行和星级表"
    # English, as before: plurals by count.
    assert (
        guards.hidden_by_as_of(AS_OF, 3, 2, "2026-10")
        .split("; ")[1]
        .startswith("2 were recorded later")
    )
    assert guards._lines_text({4, 9, 12}, False) == "lines 4, 9 and 12"


def test_a_bad_period_label_is_refused_in_chinese() -> None:
    with i18n.language("zh-CN"), pytest.raises(PeriodError) as bad_month:
        parse_label("2026-13")
    assert str(bad_month.value) == (
        "无效的周期 '2026-13'（月份为 01-12）；可用的写法："
        "2026-W44, 2026-10, 2026-Q4, 2026-H2, 2026, previous"
    )
    kinds = {"month": None}
    with i18n.language("zh-CN"), pytest.raises(PeriodError) as no_block:
        resolve_period("2026-W44", kinds, datetime(2026, 11, 5, tzinfo=ZONE), ZONE)
    assert str(no_block.value) == (
        "周期 '2026-W44' 是 `week` 周期，但方案没有 `each week` 块；方案的块为：month"
    )
    with pytest.raises(PeriodError, match=r"invalid period '2026-13' \(months are 01-12\)"):
        parse_label("2026-13")  # the language is restored after the block


def test_explain_words_a_check_in_chinese_and_keeps_the_condition() -> None:
    check = Contribution(
        period="2026-10", employee_id="A", line=9, kind="check", label="零投诉",
        amount=None, event_ids=[],
        detail=json.dumps({"line": "award", "applied": False, "vetoed": False,
                           "condition": "complaints = 0", "values": [["complaints", 2]]}),
    )  # fmt: skip
    with i18n.language("zh-CN"):
        text = effect_text(check)
    assert text == "奖项“零投诉”：未获奖：complaints = 0 不成立（complaints = 2）"
    assert effect_text(check) == (
        'award "零投诉": not awarded: complaints = 0 is false (complaints = 2)'
    )


# ---- command level ------------------------------------------------------------------------


def test_a_runs_warnings_are_in_chinese_on_stderr_and_in_the_document(tmp_path: Path) -> None:
    document, stderr, _db = recorded(tmp_path)
    warnings = document["run"]["warnings"]
    assert len(warnings) == 4 and all(chinese(w) for w in warnings)
    # "Visible" counts X1's event too (docs/data.md section 5).
    assert warnings[0].startswith(f"截至 {AS_OF}，2026-10 内的 5 条事件中有 4 条可见；1 条")
    assert warnings[1] == (
        "2026-10 内有 1 条事件涉及 1 名不在现行花名册上的员工（X1），他们不参与评定"
    )
    assert warnings[2].startswith(f"截至 {AS_OF}，2026-10 内没有“survey”事件")
    assert warnings[3].startswith("satisfaction 在 2026-10 缺失（3 名员工中有 3 名）")
    # The frame stays (machines read it); each warning is one line of it, after the
    # ingest's own warning about X1.
    lines = [line for line in stderr.splitlines() if line.startswith("starrating: warning: ")]
    assert [line.removeprefix("starrating: warning: ") for line in lines[-4:]] == warnings
    # JSON keys never change.
    assert {"warnings", "events_seen", "results_sha256"} <= set(document["run"])


def test_replay_ignores_the_language_of_the_warnings(tmp_path: Path) -> None:
    """A run recorded in Chinese replays as identical in English, and the other way round:
    warnings are messages for a person, in no digest (docs/data.md section 5)."""
    document, _stderr, db = recorded(tmp_path)
    run_id = document["run"]["run_id"]
    english = invoke(["--lang", "en", "replay", run_id, *db])
    assert english.exit_code == 0, english.output
    assert "identical (results and events)" in english.stdout
    chinese_replay = invoke(zh("replay", run_id, *db))
    assert chinese_replay.exit_code == 0
    assert f"运行 {run_id}：前台月度（版本 1），周期 2026-10" in chinese_replay.stdout
    assert "按保存的方案文本复算：一致（结果和事件均相同）" in chinese_replay.stdout


def test_replay_of_a_changed_store_says_each_difference_in_chinese(tmp_path: Path) -> None:
    document, _stderr, db = recorded(tmp_path)
    run_id = document["run"]["run_id"]
    write_text(tmp_path / "late.csv", BACKDATED)
    assert invoke(["ingest", "--events", "late.csv", *db]).exit_code == 0
    replay = invoke(zh("replay", run_id, *db))
    assert replay.exit_code == 1
    out = replay.stdout
    assert "按保存的方案文本复算：不一致" in out
    assert re.search(r"  结果：记录为 [0-9a-f]{12}，现在为 [0-9a-f]{12}", out)
    assert "差异（" in out and "记录值 → 复算值）：" in out
    assert "A  2026-10  red: 2 → 4" in out  # the field is the JSON key, numbers as they are
    assert "1 条事件的录入时间不晚于截至时间，但在运行创建之后才导入：" in out
    assert "事件 e6（complaint，员工 A），录入时间 2026-10-20T12:00:00+08:00" in out
    assert "late.csv" in out
    assert not re.search(r"\b(recorded|replayed|differences|what changed)\b", out)


def test_an_official_run_before_the_period_ended_is_refused_in_chinese(tmp_path: Path) -> None:
    write_text(tmp_path / "p.policy", POLICY)
    result = invoke(
        zh("run", "p.policy", "--period", "2026-11", "--as-of", AS_OF, "--official",
           "--db", str(tmp_path / "store.duckdb"))
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        "starrating: error: “前台月度”的周期 2026-11 在截至时间 2026-11-05T00:00:00+08:00 "
        "尚未结束：其最后一天是 2026-11-30（Asia/Shanghai），自 2026-12-01 起才能关闭；"
        "未记录任何内容（不加 --official 的运行是临时结果）\n"
    )


def test_closing_says_what_it_did_in_chinese(tmp_path: Path) -> None:
    document, stderr, db = recorded(tmp_path, "--official")
    run_id = document["run"]["run_id"]
    assert f"已关闭“前台月度”的周期 2026-10：运行 {run_id} 为其正式结果" in stderr
    write_text(tmp_path / "late.csv", BACKDATED)
    base = ["run", "p.policy", "--period", "2026-10", "--as-of", AS_OF, *db, "--official"]
    refused = invoke(zh(*base, "--events", "late.csv"))
    assert refused.exit_code == 1
    assert f"已由运行 {run_id} 关闭，而本次结果与之不同（正式结果 → 本次）：" in refused.stderr
    assert "  A  2026-10  red: 2 → 4" in refused.stderr
    assert "--amend --reason TEXT" in refused.stderr


def test_a_period_the_policy_has_no_block_for_is_said_in_chinese(tmp_path: Path) -> None:
    write_text(tmp_path / "p.policy", POLICY)
    result = invoke(zh("run", "p.policy", "--period", "2026-W44", "--as-of", AS_OF,
                       "--db", str(tmp_path / "store.duckdb")))  # fmt: skip
    assert result.exit_code == 1
    assert "方案没有 `each week` 块；方案的块为：month" in result.stderr
    assert result.stderr.startswith("starrating: error: ")


def test_a_failing_policy_test_says_expected_and_actual_in_chinese(tmp_path: Path) -> None:
    write_text(tmp_path / "p.policy", POLICY)
    write_text(
        tmp_path / "p.yaml",
        """policy: p.policy
cases:
  - name: 一次投诉
    period: 2026-10
    roster:
      - {employee_id: A, name: 张三, department: 前台, hire_date: 2024-01-01}
    events:
      - {event_id: e1, employee_id: A, type: complaint, occurred_at: "2026-10-02T10:00:00+08:00"}
    expect:
      - {employee_id: A, red: 3, values: {nothing: 1}}
      - {employee_id: Z, red: 0}
""",
    )
    result = invoke(zh("test", "p.yaml"))
    assert result.exit_code == 1
    out = result.stdout
    assert "A 2026-10 red：预期 3，实际 2" in out
    assert "      7 |   red 2 per complaint" in out  # the policy line that decides it
    assert 'A 2026-10 values.nothing：预期 1，实际 "<没有该指标>"' in out
    assert "员工 Z 在周期 2026-10 中没有结果行" in out
    assert re.search(r"警告：截至 \S+，2026-10 内没有“survey”事件", out)
    assert "警告：satisfaction 在 2026-10 缺失（1 名员工中有 1 名）" in out


def test_explain_of_an_employee_is_in_chinese(tmp_path: Path) -> None:
    document, _stderr, db = recorded(tmp_path)
    run_id = document["run"]["run_id"]
    result = invoke(zh("explain", run_id, "--employee", "B", *db))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"运行 {run_id}：前台月度（版本 1），周期 2026-10，截至 2026-11-05T00:00:00+08:00"
    )
    assert lines[1] == "员工 B"
    assert lines[3] == (
        "2026-10（2026-10-01 至 2026-10-31）：红星 4，绿星 0，净星数 4，星级 -，奖励 0 "
        "被一票否决：重大投诉"
    )
    text = result.stdout
    assert "  第   5 行  let complaints = count(complaint)" in text
    assert "complaints = 2" in text
    assert "事件（2 条）：e2、e3" in text
    assert "红星 +4" in text
    assert "一票否决“重大投诉”生效：无星级、无奖项，奖励 0" in text
    assert "因为 complaints >= 2 成立（complaints = 2）" in text
    assert "奖项“零投诉”：未获奖：被一票否决" in text
    missing = invoke(zh("explain", run_id, "--employee", "Q", *db))
    assert missing.exit_code == 1
    assert f"员工 Q 在运行 {run_id} 中未参与评定" in missing.stderr


def test_diff_output_is_in_chinese(tmp_path: Path) -> None:
    _document, _stderr, db = recorded(tmp_path)
    write_text(tmp_path / "new.policy", PROPOSAL)
    result = invoke(zh("diff", "p.policy", "new.policy", "--period", "2026-10",
                       "--as-of", AS_OF, *db))  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"2026-10 的假设对比，截至 {AS_OF}\n  原方案：前台月度（版本 1）\n")
    assert "2026-10  （2026-10-01 至 2026-10-31）" in out
    header = next(line for line in out.splitlines() if "工号" in line)
    # Neither policy pays a reward: no reward column (the result columns either fills).
    assert header.split() == ["工号", "姓名", "星级", "红星", "绿星", "净星数", "奖项", "备注"]
    assert "不再被一票否决" in out
    assert "李四" in out and "4 -> 2" in out
    assert "汇总" in out and "有变化的员工：" in out
    assert "获奖人次（每位员工每个周期计一次）" in out


def test_the_runs_listing_is_in_chinese(tmp_path: Path) -> None:
    document, _stderr, db = recorded(tmp_path)
    listing = invoke(zh("runs", *db))
    assert listing.exit_code == 0
    assert listing.stdout.splitlines()[0].split() == [
        "运行", "方案", "版本", "周期", "截至时间", "创建时间", "创建人", "正式运行"
    ]  # fmt: skip
    assert document["run"]["run_id"] in listing.stdout
    nothing = invoke(zh("runs", "--policy", "前台月度x", *db))
    assert "没有“前台月度x”的运行记录" in nothing.stderr
