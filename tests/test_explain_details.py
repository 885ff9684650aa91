"""The details a run's SQL stores beside rankings, group values and `top` awards are
shown in the reader's language (audit/details.py); the stored English is the record and
is shown unchanged in English."""

from __future__ import annotations

import re

import pytest

from starrating import i18n
from starrating.audit.details import detail_text

CJK = re.compile(r"[\u4e00-\u9fff]")

# Every form the SQL writes (compiler/sql.py _ranking_detail and _group_detail,
# compiler/build.py _top_detail), and what a Chinese reader sees.
CASES = [
    ("pyramid: place 4 of 4 in 前台, value 13", "pyramid：前台共 4 档，位于第 4 档，值 13"),
    ("pyramid: place 2 of 3, value 0.5", "pyramid：共 3 档，位于第 2 档，值 0.5"),
    ("rank: place 2 of 5 in (none), value 9", "rank：（无分组） 5 人中排第 2，值 9"),
    ("rank: no place", "rank：无名次"),
    ("won: rank 1 of 8 in 前台, value 13", "获奖：前台 8 人中排第 1，值 13"),
    ("not won: rank 3 of 8, value -2.5", "未获奖：8 人中排第 3，值 -2.5"),
    ("group_count: 5 of 6 in 前台", "group_count：前台 6 人中计入 5 人"),
    ("group_avg: 5 values of 6 in 客服中心", "group_avg：客服中心 6 人中有 5 个值"),
    ("group_sum: 0 values of 3", "group_sum：3 人中有 0 个值"),
    ("group_max: none, no value among 4 in 前台", "group_max：无，前台 4 人中没有值"),
    ("top_share: 2 of 10 in 前台 at or above 95", "top_share：前台 10 人中有 2 人不低于 95"),
    ("top_share: none (vetoed)", "top_share：无（被一票否决）"),
    ("top_share: none (no value)", "top_share：无（没有值）"),
]


@pytest.mark.parametrize(("stored", "chinese"), CASES)
def test_a_stored_detail_is_said_in_chinese(stored: str, chinese: str) -> None:
    with i18n.language("zh-CN"):
        assert detail_text(stored) == chinese


@pytest.mark.parametrize(("stored", "chinese"), CASES)
def test_english_shows_the_stored_detail(stored: str, chinese: str) -> None:
    assert detail_text(stored) == stored


def test_a_group_named_like_the_sentence_is_kept_whole() -> None:
    with i18n.language("zh-CN"):
        said = detail_text("rank: place 1 of 2 in 前台, value 3 组, value 7")
    assert said == "rank：前台, value 3 组 2 人中排第 1，值 7"


def test_an_unknown_form_is_shown_as_stored() -> None:
    with i18n.language("zh-CN"):
        assert detail_text("something else: 3") == "something else: 3"
