#!/usr/bin/env python3
"""Generate the sample data: a fictional company's roster and ten months of events.

    python data/generate.py [OUTDIR]

writes OUTDIR/roster.csv and OUTDIR/events.csv (OUTDIR defaults to this script's folder)
and prints a summary: the rated population of every bundled policy and the event counts
per type. Standard library only. The output is byte-identical on every run: a fixed
random seed, no wall clock, no iteration over sets, rows written in a fixed order.

The company (海川联合服务集团, fictional) runs a shopping mall's service desk and cash
desk, a customer service centre, a car showroom's sales team, the front windows of a
county government service hall and a residential property-management office, so that
each of the five bundled policies (policies/*.policy) has a population to rate. Events
run from 2026-01-01 to 2026-10-31 (local time, Asia/Shanghai); the export is as of
2026-11-06, so every `recorded_at` is on or before that day, except the annual selection
committee's votes of January 2027 on the year 2026 (labelled `for_period` 2026), added so
that scheme C's final vote has data. See data/README.md.
"""

from __future__ import annotations

import csv
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

SEED = 20261031
START = date(2026, 1, 1)
END = date(2026, 10, 31)
EXPORT = datetime(2026, 11, 6, 18, 0)  # local time of the export; nothing recorded later
YEAR_END = date(2026, 12, 31)
UTC_OFFSET = timedelta(hours=8)  # Asia/Shanghai, no daylight saving time since 1991

ROSTER_COLUMNS = [
    "employee_id", "name", "department", "role", "hire_date", "leave_date",
    "employment_type", "service_certified", "post", "district",
]  # fmt: skip
EVENT_COLUMNS = [
    "event_id", "employee_id", "type", "occurred_at", "recorded_at", "value", "voids",
    "for_period", "channel", "kind", "adopted", "level", "responsible", "rating", "grade",
    "metric", "approve",
]  # fmt: skip

# Government service hall closing days (approximate 2026 public holidays); the mall, the
# service centre and the property office work every day of the year.
HOLIDAYS = {
    date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3),
    *(date(2026, 2, d) for d in range(15, 24)),
    date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6),
    *(date(2026, 5, d) for d in range(1, 6)),
    date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21),
    date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27),
    *(date(2026, 10, d) for d in range(1, 8)),
}  # fmt: skip

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
)
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 浩 鹏 辉 婷 雪 琳 晨 欣 "
    "颖 倩 璐 瑶 斌 宇 凯 俊 峰 华 丹 玲 "
    "建国 建华 志强 志明 海燕 晓东 春梅 丹阳 嘉怡 子涵 博文 浩然 思远 雨欣 梓萱 "
    "欣怡 佳慧 雅婷 梦琪 晓燕 文静 丽娟 秀英 桂兰 玉兰 国强 国平 海涛 海波 "
    "红梅 俊杰 家豪 宇航 天宇 一鸣 明轩 子轩 浩宇 晓峰 立新 永刚 振华 "
    "爱华 淑珍 美玲 慧敏 静怡 诗涵 欣然 雨婷 佳琪 晓丽 小燕 志伟 建军 文博"
).split()


# ---------------------------------------------------------------------------------------
# The roster


@dataclass
class Employee:
    employee_id: str
    name: str
    department: str
    role: str
    hire_date: date
    leave_date: date | None
    employment_type: str
    service_certified: bool
    post: str = ""
    district: str = ""
    # latent traits that drive the events (not written out)
    skill: float = 0.5  # 0..1: service quality, exam scores, fewer problems
    sales: float = 0.5  # 0..1: member sign-ups
    ideas: float = 0.5  # 0..1: suggestions
    punctual: float = 0.8  # 0..1: fewer late arrivals
    diligent: float = 0.9  # probability of handing in the monthly self-assessment
    off_days: tuple[int, ...] = (5, 6)  # weekdays off (0 = Monday)
    night: float = 0.0  # share of night shifts (24-hour teams)
    p_bad: float = 0.0  # share of "basically satisfied"/"unsatisfied" device ratings
    worked: list[date] = field(default_factory=list)

    def employed(self, day: date) -> bool:
        return self.hire_date <= day and (self.leave_date is None or day <= self.leave_date)


# (department, role, post, district, count, employment types to draw from)
TEAMS = [
    ("前台", "team_leader", "", "", 1, ["regular"]),
    ("前台", "service_desk", "", "", 9, ["regular"] * 6 + ["contract"] * 2 + ["probation"]),
    ("收银", "team_leader", "", "", 1, ["regular"]),
    ("收银", "service_desk", "", "", 7, ["regular"] * 5 + ["contract", "probation"]),
    ("客服中心", "supervisor", "", "", 1, ["regular"]),
    ("客服中心", "customer_support", "", "", 9, ["regular"] * 6 + ["contract"] * 2 + ["probation"]),
    ("客服中心", "tech_support", "", "", 4, ["regular"] * 3 + ["contract"]),
    ("销售部", "sales_advisor", "", "", 6, ["regular"] * 4 + ["contract", "probation"]),
    ("政务服务大厅", "supervisor", "", "", 1, ["regular"]),
    ("政务服务大厅", "window", "", "民生区", 4, ["regular"] * 3 + ["contract"]),
    ("政务服务大厅", "window", "", "基建区", 3, ["regular"] * 2 + ["contract"]),
    ("政务服务大厅", "window", "", "社会事务区", 5, ["regular"] * 3 + ["contract"] * 2),
    ("政务服务大厅", "window", "", "企业服务区", 4, ["regular"] * 3 + ["contract"]),
    ("物业服务中心", "supervisor", "", "", 1, ["regular"]),
    ("物业服务中心", "property_staff", "reception", "", 6, ["regular"] * 4 + ["contract"] * 2),
    ("物业服务中心", "property_staff", "security", "", 14, ["outsourced"] * 5 + ["regular"] * 2),
    ("物业服务中心", "property_staff", "maintenance", "", 5, ["regular"] * 3 + ["contract"]),
    ("物业服务中心", "property_staff", "cleaning", "", 12, ["outsourced"] * 4 + ["contract"]),
    ("物业服务中心", "property_staff", "landscaping", "", 1, ["outsourced"]),
    ("综合管理部", "clerk", "", "", 2, ["regular"]),
]

# Deliberate edge cases, by employee id: hire date, leave date, employment type.
OVERRIDES: dict[str, dict[str, object]] = {
    # 前台: left in March; hired in February and already regular; hired 1 July as regular
    # (tenure 5 at 2026-12-31: not eligible for the annual selection, C)
    "E003": {"leave_date": date(2026, 3, 20)},
    "E006": {"hire_date": date(2026, 2, 16), "employment_type": "regular"},
    "E010": {"hire_date": date(2026, 7, 1), "employment_type": "regular"},
    # 收银: hired in the middle of October (one partial month of data)
    "E018": {"hire_date": date(2026, 10, 15), "employment_type": "probation"},
    # 客服中心: hired 30 June as regular (tenure exactly 6 at 2026-12-31: eligible for C);
    # left in July; hired in September
    "E023": {"hire_date": date(2026, 6, 30), "employment_type": "regular"},
    "E025": {"leave_date": date(2026, 7, 15)},
    "E029": {"hire_date": date(2026, 9, 1), "employment_type": "probation"},
    # 销售部: hired in April
    "E035": {"hire_date": date(2026, 4, 13), "employment_type": "probation"},
    # 政务服务大厅: left at the end of May; hired in March
    "E041": {"leave_date": date(2026, 5, 31)},
    "E046": {"hire_date": date(2026, 3, 2), "employment_type": "contract"},
    # 物业服务中心: security guard left on 30 September; cleaner hired in January
    "E064": {"leave_date": date(2026, 9, 30)},
    "E085": {"hire_date": date(2026, 1, 5)},
    # 前台: left on 10 October
    "E008": {"leave_date": date(2026, 10, 10)},
    # 客服中心 and 销售部 took their contract agents on as regular staff, and 销售部 its
    # April hire: C's "top 30% of the department" is a share of the department's rated
    # staff, so a department needs 4 of them (not vetoed) for one to be eligible and 7 for
    # two. Only the employment type changes: no random draw depends on it.
    "E026": {"employment_type": "regular"},
    "E027": {"employment_type": "regular"},
    "E032": {"employment_type": "regular"},
    "E037": {"employment_type": "regular"},
    "E038": {"employment_type": "regular"},
}
# The roles that the overrides above and the planted events below rely on.
EXPECTED = {
    "E002": "service_desk", "E003": "service_desk", "E004": "service_desk",
    "E006": "service_desk", "E008": "service_desk", "E010": "service_desk",
    "E012": "service_desk", "E014": "service_desk", "E018": "service_desk",
    "E020": "customer_support", "E021": "customer_support", "E022": "customer_support",
    "E023": "customer_support", "E024": "customer_support", "E025": "customer_support",
    "E026": "customer_support", "E027": "customer_support", "E029": "tech_support",
    "E030": "tech_support", "E031": "tech_support", "E032": "tech_support",
    "E033": "sales_advisor", "E035": "sales_advisor", "E037": "sales_advisor",
    "E038": "sales_advisor", "E041": "window", "E043": "window", "E044": "window",
    "E046": "window", "E047": "window", "E049": "window", "E050": "window", "E055": "window",
    "E059": "reception", "E060": "reception", "E063": "security", "E064": "security",
    "E065": "security", "E066": "security", "E067": "security", "E068": "security",
    "E078": "maintenance", "E085": "cleaning",
}  # fmt: skip
# Star-service training passed (B) or not, where the data relies on it: a top
# customer-support agent (E021) takes part in B; the two desk team leaders do not.
CERTIFIED = {"E021": True, "E001": False, "E011": False}


def make_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        surname = rng.choice(SURNAMES)
        given = rng.choice(GIVEN)
        name = surname + given
        if name not in seen and given[0] != surname:
            seen.add(name)
            names.append(name)
    return names


def make_roster(rng: random.Random) -> list[Employee]:
    total = sum(team[4] for team in TEAMS)
    names = make_names(rng, total)
    roster: list[Employee] = []
    for department, role, post, district, count, types in TEAMS:
        for i in range(count):
            number = len(roster) + 1
            eid = f"E{number:03d}"
            # hired between 2019 and 2025 (a few during 2026, see OVERRIDES)
            hire = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 7 * 365 - 30))
            employment_type = types[i % len(types)]
            if employment_type == "probation":  # on probation: hired recently
                hire = date(2026, 1, 1) + timedelta(days=rng.randrange(60, 200))
            emp = Employee(
                employee_id=eid,
                name=names[number - 1],
                department=department,
                role=role,
                hire_date=hire,
                leave_date=None,
                employment_type=employment_type,
                service_certified=False,
                post=post,
                district=district,
            )
            for key, value in OVERRIDES.get(eid, {}).items():
                setattr(emp, key, value)
            emp.skill = round(rng.betavariate(2.2, 1.6), 3)
            emp.sales = round(rng.betavariate(2.0, 2.0), 3)
            emp.ideas = round(rng.betavariate(1.5, 2.5), 3)
            emp.punctual = round(rng.betavariate(4.0, 1.2), 3)
            emp.diligent = round(0.75 + 0.25 * rng.random(), 3)
            first_off = rng.randrange(7)
            emp.off_days = (first_off, (first_off + 1) % 7)
            if role in ("customer_support", "tech_support"):
                emp.night = 0.25 if rng.random() < 0.6 else 0.0
            elif post == "security":
                emp.night = 0.35
            if role == "window":
                emp.off_days = (5, 6)
                emp.p_bad = 0.0 if rng.random() < 0.55 else round(rng.uniform(0.0008, 0.004), 4)
            else:
                emp.p_bad = round(0.004 + 0.08 * (1 - emp.skill) ** 2, 4)
            if role in ("clerk",):
                emp.off_days = (5, 6)
            # passed the star-service training test: most front-line staff; people hired
            # late in 2026 have not taken it yet; clerks are not customer-facing
            recent = emp.hire_date >= date(2026, 6, 1)
            emp.service_certified = role != "clerk" and not recent and rng.random() < 0.85
            emp.service_certified = CERTIFIED.get(eid, emp.service_certified)
            roster.append(emp)
    for e in roster:
        assert EXPECTED.get(e.employee_id, e.post or e.role) == (e.post or e.role), e
    # a few top performers, so that the annual selection's strict thresholds are met
    for eid in ("E005", "E012", "E015", "E021", "E027", "E031", "E033"):
        emp = next(e for e in roster if e.employee_id == eid)
        emp.skill = max(emp.skill, 0.93)
        emp.p_bad = round(0.004 + 0.08 * (1 - emp.skill) ** 2, 4)
    # a window clerk of 社会事务区 who never gets a poor device rating, so that the whole
    # district (five, one over D's quota of 4) can be candidates in H1; set after the
    # draws, so nobody else's data changes
    next(e for e in roster if e.employee_id == "E047").p_bad = 0.0
    return roster


def tenure(hire: date, day: date) -> int:
    """Whole months from hire to day (docs/language.md section 5: the day of the month is
    kept or, in a shorter month, the last day is taken)."""
    months = (day.year - hire.year) * 12 + (day.month - hire.month)
    while months > 0 and add_months(hire, months) > day:
        months -= 1
    return max(months, 0)


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


# ---------------------------------------------------------------------------------------
# Policies' `applies to`, evaluated in Python (mirrors policies/*.policy)

A_ROLES = ("service_desk",)
C_ROLES = ("service_desk", "customer_support", "tech_support", "sales_advisor")
E_POSTS = ("reception", "security", "maintenance", "cleaning")

POLICIES = [
    # (file, what the `applies to` line says, condition at the instance's last day)
    (
        "a_service_desk_weekly.policy",
        'role = "service_desk"',
        lambda e, last: e.role == "service_desk",
    ),
    (
        "b_monthly_star_levels.policy",
        "service_certified",
        lambda e, last: e.service_certified,
    ),
    (
        "c_annual_service_star.policy",
        'employment_type = "regular" and tenure >= 6 and role in [...]',
        lambda e, last: (
            e.employment_type == "regular" and tenure(e.hire_date, last) >= 6 and e.role in C_ROLES
        ),
    ),
    (
        "d_window_service_star.policy",
        'role = "window"',
        lambda e, last: e.role == "window",
    ),
    (
        "e_property_staff.policy",
        'role = "property_staff" and post in [...]',
        lambda e, last: e.role == "property_staff" and e.post in E_POSTS,
    ),
]


# ---------------------------------------------------------------------------------------
# Events


@dataclass
class Event:
    seq: int
    employee_id: str
    type: str
    occurred: datetime  # local (Asia/Shanghai) wall time
    recorded: datetime  # local
    value: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    style: str = "offset"  # how occurred_at is written: offset (+08:00), naive or utc (Z)
    voids: Event | None = None
    event_id: str = ""
    for_period: str = ""  # the period the event belongs to although dated elsewhere


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def clamp(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def num(x: float, places: int = 3) -> str:
    """A number as text: no trailing zeros, no float noise."""
    text = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def month_bounds(month: int) -> tuple[date, date]:
    first = date(2026, month, 1)
    last = add_months(first, 1) - timedelta(days=1)
    return first, min(last, END)


MONTHS = list(range(1, 11))


class Generator:
    def __init__(self, rng: random.Random, roster: list[Employee]) -> None:
        self.rng = rng
        self.roster = roster
        self.by_id = {e.employee_id: e for e in roster}
        self.events: list[Event] = []
        self.planted: list[Event] = []  # planted complaints: the appeals below leave them alone

    # -- helpers ----------------------------------------------------------------------

    def add(
        self,
        emp: Employee,
        type_: str,
        occurred: datetime,
        recorded: datetime | None = None,
        value: str = "",
        style: str | None = None,
        for_period: str = "",
        **attrs: str,
    ) -> Event | None:
        if occurred.date() > END or occurred.date() < START:
            return None
        if not emp.employed(occurred.date()):
            return None
        if recorded is None:
            recorded = occurred + timedelta(minutes=self.rng.randrange(1, 240))
        recorded = max(recorded, occurred)
        if recorded > EXPORT:  # would be recorded after the export: recorded promptly instead
            recorded = min(EXPORT, occurred + timedelta(hours=2))
        if style is None:
            # mostly +08:00; a few naive (local) times; some in UTC (Z), more often at night,
            # where the UTC date is the day before the local one
            draw = self.rng.random()
            utc_share = 0.2 if occurred.hour < 8 else 0.02
            style = "naive" if draw < 0.03 else "utc" if draw < 0.03 + utc_share else "offset"
        event = Event(
            len(self.events), emp.employee_id, type_, occurred, recorded, value, dict(attrs), style
        )
        event.for_period = for_period
        self.events.append(event)
        return event

    def schedule(self) -> None:
        """Which days each employee works."""
        rng = self.rng
        for emp in self.roster:
            # one block of annual leave, and a few days off over the Spring Festival
            leave_start = date(2026, 3, 1) + timedelta(days=rng.randrange(0, 210))
            leave = set(days(leave_start, leave_start + timedelta(days=rng.randrange(3, 8))))
            if emp.role not in ("window", "clerk"):
                festival = date(2026, 2, 15) + timedelta(days=rng.randrange(0, 7))
                leave.update(days(festival, festival + timedelta(days=2)))
            for day in days(START, END):
                if not emp.employed(day) or day in leave:
                    continue
                if day.weekday() in emp.off_days:
                    continue
                if emp.role in ("window", "clerk") and day in HOLIDAYS:
                    continue
                emp.worked.append(day)

    def shift_time(self, emp: Employee, day: date) -> datetime:
        """A moment inside the employee's shift that day (night shifts run past midnight)."""
        rng = self.rng
        if emp.night and rng.random() < emp.night:
            start = datetime.combine(day, time(20, 0))
            return start + timedelta(seconds=rng.randrange(0, 12 * 3600))
        if emp.role == "window":  # 9:00-12:00 and 13:30-17:00
            minute = rng.randrange(0, 390)
            minute += 540 if minute < 180 else 630
        elif emp.role in ("service_desk", "sales_advisor", "team_leader"):  # mall 9:00-22:00
            minute = 540 + rng.randrange(0, 780)
        else:
            minute = 510 + rng.randrange(0, 570)  # 8:30-18:00
        return datetime.combine(day, time(0)) + timedelta(
            minutes=minute, seconds=rng.randrange(0, 60)
        )

    def workday_in(self, emp: Employee, first: date, last: date) -> date | None:
        choices = [d for d in emp.worked if first <= d <= last]
        return self.rng.choice(choices) if choices else None

    def supervisor_record(self, occurred: datetime, late: float = 0.012) -> datetime:
        """When a supervisor writes something up: the same day or a few days later; now
        and then weeks late (a backdated record)."""
        rng = self.rng
        if rng.random() < late:
            return occurred + timedelta(days=rng.randrange(15, 45), hours=rng.randrange(0, 8))
        if rng.random() < 0.6:
            return occurred + timedelta(minutes=rng.randrange(10, 300))
        back = datetime.combine(occurred.date(), time(9)) + timedelta(
            days=rng.randrange(1, 5), minutes=rng.randrange(0, 540)
        )
        return back

    # -- daily events -------------------------------------------------------------------

    def daily(self) -> None:
        rng = self.rng
        for emp in self.roster:
            for day in emp.worked:
                weekend = day.weekday() >= 5 or day in HOLIDAYS
                if emp.role == "service_desk":
                    boost = 1.4 if weekend else 1.0
                    cash = emp.department == "收银"
                    free_rate = (1.4 if cash else 0.8) + (2.2 if cash else 1.4) * emp.sales
                    paid_rate = (0.15 if cash else 0.35) + (0.4 if cash else 1.0) * emp.sales
                    for _ in range(poisson(rng, free_rate * boost)):
                        t = self.shift_time(emp, day)
                        self.add(
                            emp,
                            "member_signup",
                            t,
                            t + timedelta(seconds=30),
                            channel="free_with_purchase",
                        )
                    for _ in range(poisson(rng, paid_rate * boost)):
                        t = self.shift_time(emp, day)
                        self.add(emp, "member_signup", t, t + timedelta(seconds=30), channel="paid")
                    self.device_ratings(emp, day, 1.0)
                elif emp.role == "sales_advisor":
                    for _ in range(poisson(rng, 0.15 + 0.4 * emp.sales)):
                        t = self.shift_time(emp, day)
                        self.add(emp, "member_signup", t, t + timedelta(seconds=30), channel="paid")
                    self.device_ratings(emp, day, 0.6)
                elif emp.role in ("customer_support", "tech_support"):
                    self.device_ratings(emp, day, 0.9)
                elif emp.role == "window":
                    self.device_ratings(emp, day, 3.0)

    def device_ratings(self, emp: Employee, day: date, rate: float) -> None:
        rng = self.rng
        for _ in range(poisson(rng, rate)):
            t = self.shift_time(emp, day)
            draw = rng.random()
            if draw < emp.p_bad * 0.75:
                rating = "basically_satisfied"
            elif draw < emp.p_bad:
                rating = "unsatisfied"
            elif draw < emp.p_bad + 0.06 + 0.12 * (1 - emp.skill):
                rating = "satisfied"
            else:
                rating = "very_satisfied"
            self.add(emp, "satisfaction_rating", t, t + timedelta(seconds=5), rating=rating)

    # -- weekly events (service desk patrol, teamwork) -------------------------------------

    def weekly(self) -> None:
        rng = self.rng
        sunday = date(2026, 1, 4)
        while sunday <= END + timedelta(days=6):
            week = days(sunday - timedelta(days=6), sunday)
            for emp in self.roster:
                if emp.role != "service_desk":
                    continue
                worked = [d for d in emp.worked if week[0] <= d <= week[-1]]
                if not worked:
                    continue
                slack = 1 - emp.skill
                for _ in range(poisson(rng, 0.05 + 0.45 * slack * slack)):
                    t = self.shift_time(emp, rng.choice(worked))
                    self.add(emp, "verbal_warning", t, self.patrol_sheet(t, sunday))
                for _ in range(poisson(rng, 0.01 + 0.18 * slack * slack)):
                    t = self.shift_time(emp, rng.choice(worked))
                    points = rng.choice([1, 1, 2, 2, 3, 5])
                    self.add(
                        emp, "point_deduction", t, self.patrol_sheet(t, sunday), value=str(points)
                    )
                if rng.random() < 0.06 + 0.16 * emp.skill:
                    t = self.shift_time(emp, rng.choice(worked))
                    self.add(emp, "commendation", t, self.supervisor_record(t), kind="teamwork")
            sunday += timedelta(days=7)

    def patrol_sheet(self, occurred: datetime, sunday: date) -> datetime:
        """The team leader types up the patrol sheet the same evening or on Sunday night."""
        if self.rng.random() < 0.5:
            evening = datetime.combine(occurred.date(), time(22, 15))
            return max(evening, occurred + timedelta(minutes=5))
        return datetime.combine(sunday, time(22, 30)) + timedelta(minutes=self.rng.randrange(0, 85))

    # -- monthly events ---------------------------------------------------------------

    def monthly(self) -> None:
        for month in MONTHS:
            first, last = month_bounds(month)
            for emp in self.roster:
                if not any(first <= d <= last for d in emp.worked):
                    continue
                self.month_for(emp, month, first, last)

    def month_for(self, emp: Employee, month: int, first: date, last: date) -> None:
        rng = self.rng
        role, post = emp.role, emp.post
        front = role in C_ROLES or role in ("window", "property_staff")
        c_role = role in C_ROLES

        # surveys and phone call-backs (1-5)
        survey_rate = {
            "service_desk": 2.5,
            "customer_support": 5.0,
            "tech_support": 3.5,
            "sales_advisor": 3.0,
            "window": 2.0,
        }.get(role, 0.0)
        if role == "property_staff":
            survey_rate = {"reception": 2.0, "maintenance": 3.0}.get(post, 0.6)
        mean = 3.6 + 1.35 * emp.skill
        for _ in range(poisson(rng, survey_rate)):
            day = self.workday_in(emp, first, last)
            if day is None:
                break
            t = self.shift_time(emp, day)
            score = round(clamp(rng.gauss(mean, 0.6), 1, 5))
            channel = "online" if rng.random() < 0.6 else "phone_callback"
            recorded = t + timedelta(hours=rng.randrange(1, 48))
            self.add(emp, "survey", t, recorded, value=str(score), channel=channel)

        # the monthly written test
        if c_role:
            exam_day = self.exam_day(emp.department, month)
            # the test is mandatory: people off that day mostly come in for it; a few miss it
            present = rng.random() < (0.97 if exam_day in emp.worked else 0.6)
            if emp.employed(exam_day) and present:
                t = datetime.combine(exam_day, time(14, 0)) + timedelta(
                    minutes=rng.randrange(0, 30)
                )
                score = round(clamp(rng.gauss(68 + 27 * emp.skill, 5), 60, 100))
                recorded = datetime.combine(
                    exam_day + timedelta(days=rng.randrange(1, 4)), time(10)
                )
                self.add(emp, "exam", t, recorded, value=str(score))

        # the self-assessment, handed in at the end of the month
        if emp.service_certified and rng.random() < emp.diligent:
            day = self.workday_in(emp, last - timedelta(days=6), last)
            if day is not None:
                t = datetime.combine(day, time(17, 0)) + timedelta(minutes=rng.randrange(0, 120))
                score = round(clamp(rng.gauss(82 + 12 * emp.skill, 4), 60, 100))
                self.add(emp, "self_assessment", t, t + timedelta(minutes=1), value=str(score))

        if c_role:
            # mystery-shopper visits (smile index)
            for _ in range(1 if rng.random() < 0.8 else 2 if rng.random() < 0.5 else 0):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                t = self.shift_time(emp, day)
                smile = round(clamp(rng.gauss(76 + 20 * emp.skill, 3), 50, 100))
                recorded = datetime.combine(day + timedelta(days=rng.randrange(2, 9)), time(11))
                self.add(emp, "mystery_shopper", t, recorded, value=str(smile))
            # the ticket system's monthly figures, dated the last day of the month
            if emp.employed(last) or (emp.leave_date and emp.leave_date.day >= 15):
                stamp = datetime.combine(min(last, emp.leave_date or last), time(23, 59))
                export = datetime.combine(last + timedelta(days=rng.randrange(1, 4)), time(9, 30))
                fcr = clamp(rng.gauss(0.70 + 0.22 * emp.skill, 0.025), 0.5, 0.99)
                full = rng.random() < min(0.985, 0.35 + 0.65 * emp.skill)
                on_time = 1.0 if full else rng.uniform(0.9, 0.995)
                nps = round(clamp(rng.gauss(5 + 65 * emp.skill, 8), -100, 100))
                for metric, value in (
                    ("first_contact_resolution", num(fcr)),
                    ("response_on_time", num(on_time)),
                    ("nps", str(nps)),
                ):
                    self.add(
                        emp,
                        "service_kpi",
                        stamp,
                        export,
                        value=value,
                        style="offset",
                        metric=metric,
                    )
            # suggestions
            for _ in range(poisson(rng, 0.15 + 1.3 * emp.ideas)):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                t = self.shift_time(emp, day)
                kind = rng.choice(
                    [
                        "cost_saving",
                        "efficiency",
                        "efficiency",
                        "customer_opinion",
                        "customer_opinion",
                    ]
                )
                adopted = rng.random() < 0.08 + 0.3 * emp.ideas
                self.add(
                    emp,
                    "suggestion",
                    t,
                    self.supervisor_record(t),
                    kind=kind,
                    adopted="true" if adopted else "false",
                )

        if front:
            slack = 1 - emp.skill
            # the supervisor's records
            for _ in range(poisson(rng, 0.2 + 1.8 * emp.skill * emp.skill)):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                t = self.shift_time(emp, day)
                self.add(emp, "commendation", t, self.supervisor_record(t), kind="courtesy")
            for _ in range(poisson(rng, 0.05 + 0.7 * slack * slack)):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                t = self.shift_time(emp, day)
                kind = "attitude" if rng.random() < 0.4 else "error"
                self.add(emp, "service_issue", t, self.supervisor_record(t), kind=kind)
            for _ in range(poisson(rng, 0.03 + 0.5 * slack * slack)):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                t = datetime.combine(day, time(18, 0))
                self.add(emp, "task_overdue", t, self.supervisor_record(t))
            # customers' praise letters
            praise_rate = {"property_staff": 0.15 + 0.7 * emp.skill}.get(
                role, 0.1 + 0.5 * emp.skill
            )
            for _ in range(poisson(rng, praise_rate)):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                t = self.shift_time(emp, day)
                self.add(emp, "praise_letter", t, self.supervisor_record(t, late=0.08))
            # complaints
            base = {
                "service_desk": 0.10,
                "customer_support": 0.16,
                "tech_support": 0.12,
                "sales_advisor": 0.09,
                "window": 0.04,
            }.get(role, 0.0)
            if role == "property_staff":
                base = {"reception": 0.12, "security": 0.07, "maintenance": 0.12}.get(post, 0.06)
            for _ in range(poisson(rng, base * (0.4 + 1.6 * slack))):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                self.complaint(emp, self.shift_time(emp, day))

        if role == "property_staff":
            for _ in range(poisson(rng, 0.2 + 1.1 * emp.skill)):
                day = self.workday_in(emp, first, last)
                if day is None:
                    break
                t = self.shift_time(emp, day)
                self.add(emp, "verbal_praise", t, t + timedelta(minutes=rng.randrange(5, 600)))
            if rng.random() < 0.04 + 0.25 * emp.skill:
                day = self.workday_in(emp, first, last)
                if day is not None:
                    t = self.shift_time(emp, day)
                    self.add(
                        emp, "commendation", t, self.supervisor_record(t), kind="outstanding_deed"
                    )

        # attendance (the time clock covers everybody)
        lateness = 0.03 + 0.9 * (1 - emp.punctual) ** 1.5
        for _ in range(poisson(rng, lateness)):
            day = self.workday_in(emp, first, last)
            if day is None:
                break
            minutes = rng.choice([2, 3, 5, 5, 8, 10, 12, 15, 20, 30, 45])
            start = time(20, 0) if emp.night and rng.random() < emp.night else time(8, 30)
            t = datetime.combine(day, start) + timedelta(minutes=minutes)
            clock = datetime.combine(day + timedelta(days=1), time(6, 0))
            self.add(emp, "attendance_late", t, clock, value=str(minutes))
        for _ in range(poisson(rng, 0.01 + 0.12 * (1 - emp.punctual))):
            day = self.workday_in(emp, first, last)
            if day is None:
                break
            minutes = rng.choice([15, 20, 30, 45, 60])
            t = datetime.combine(day, time(17, 30)) - timedelta(minutes=minutes)
            clock = datetime.combine(day + timedelta(days=1), time(6, 0))
            self.add(emp, "attendance_early_leave", t, clock, value=str(minutes))

        # quarterly skill assessment (March, June, September)
        if c_role and month in (3, 6, 9):
            day = self.workday_in(emp, last - timedelta(days=14), last - timedelta(days=5))
            if day is not None:
                mark = emp.skill + rng.gauss(0, 0.08)
                grade = "A+" if mark > 0.85 else "A" if mark > 0.62 else "B" if mark > 0.38 else "C"
                t = datetime.combine(day, time(10, 0))
                recorded = datetime.combine(day + timedelta(days=rng.randrange(3, 10)), time(15))
                self.add(emp, "skill_assessment", t, recorded, grade=grade)

    def exam_day(self, department: str, month: int) -> date:
        """Each department holds its written test on a fixed weekday of the second week."""
        weekday = {"前台": 1, "收银": 3, "客服中心": 2, "销售部": 4}[department]
        day = date(2026, month, 8)
        while day.weekday() != weekday:
            day += timedelta(days=1)
        return day

    def complaint(
        self,
        emp: Employee,
        t: datetime,
        level: int | None = None,
        responsible: bool | None = None,
        recorded: datetime | None = None,
        style: str | None = None,
    ) -> Event | None:
        rng = self.rng
        if level is None:
            draw = rng.random()
            level = 1 if draw < 0.8 else 2 if draw < 0.95 else 3
        if responsible is None:
            responsible = rng.random() < (0.3 if level == 1 else 0.5)
        if recorded is None:
            if level == 3:
                recorded = t + timedelta(hours=rng.randrange(1, 20))
            else:
                recorded = self.supervisor_record(t, late=0.05)
        event = self.add(
            emp,
            "complaint",
            t,
            recorded,
            style=style,
            level=str(level),
            responsible="true" if responsible else "false",
        )
        return event

    def planted_complaint(self, *args, **kwargs) -> None:
        event = self.complaint(*args, **kwargs)
        if event is not None:
            self.planted.append(event)

    # -- rare and planted events ---------------------------------------------------------

    def rare(self) -> None:
        rng = self.rng
        by = self.by_id
        at = datetime.fromisoformat

        # disciplinary notices (违纪通报): C, D and E veto them
        for eid, when in [
            ("E004", "2026-02-11T15:20:00"), ("E020", "2026-04-08T10:05:00"),
            ("E043", "2026-03-17T14:40:00"), ("E066", "2026-05-22T22:10:00"),
            ("E059", "2026-07-09T09:15:00"), ("E031", "2026-08-19T16:00:00"),
            ("E049", "2026-09-03T11:30:00"), ("E014", "2026-10-14T19:45:00"),
        ]:  # fmt: skip
            t = at(when)
            self.add(by[eid], "discipline_notice", t, t + timedelta(days=rng.randrange(1, 6)))
        # breaches of the prohibitions (禁令): D
        for eid, when in [("E044", "2026-04-23T10:40:00"), ("E050", "2026-09-15T15:10:00")]:
            t = at(when)
            self.add(by[eid], "prohibition_violation", t, t + timedelta(days=2))
        # absences without leave (旷工), value = days
        for eid, when, value in [
            ("E060", "2026-03-09T08:30:00", "1"), ("E078", "2026-06-15T08:30:00", "0.5"),
            ("E026", "2026-08-03T08:30:00", "1"), ("E066", "2026-10-19T08:30:00", "2"),
        ]:  # fmt: skip
            t = at(when)
            self.add(by[eid], "attendance_absent", t, t + timedelta(days=1), value=value)
        # thefts and safety incidents in a security guard's area
        for eid, when, kind in [
            ("E063", "2026-01-24T02:40:00", "theft"), ("E065", "2026-03-13T23:50:00", "theft"),
            ("E067", "2026-05-04T14:20:00", "safety"), ("E063", "2026-07-18T03:10:00", "theft"),
            ("E068", "2026-08-30T21:35:00", "safety"), ("E066", "2026-10-02T01:15:00", "theft"),
        ]:  # fmt: skip
            t = at(when)
            self.add(
                by[eid],
                "security_incident",
                t,
                t + timedelta(hours=rng.randrange(2, 30)),
                kind=kind,
            )

        # Times at the edges of periods. With an offset they are exact; written in UTC
        # (Z) the UTC date differs from the local one; naive ones are local time.
        very, sat = {"rating": "very_satisfied"}, {"rating": "satisfied"}
        planted = [
            # 00:05 on 1 January in Shanghai is 31 December 2025 in UTC: it is 2026 here
            ("E021", "satisfaction_rating", "2026-01-01T00:05:00", "utc", very, ""),
            # 23:30 on 30 September (+08:00) is September
            ("E026", "survey", "2026-09-30T23:30:00", "offset", {"channel": "phone_callback"}, "2"),
            # 00:20 on 1 October in Shanghai, written 2026-09-30T16:20:00Z: October
            ("E026", "survey", "2026-10-01T00:20:00", "utc", {"channel": "online"}, "5"),
            # naive 23:45 on 30 June: local time, so the first half (H1), not July
            ("E022", "survey", "2026-06-30T23:45:00", "naive", {"channel": "online"}, "5"),
            # a Sunday-night patrol deduction (week 2026-W22 ends Sunday 31 May)
            ("E002", "point_deduction", "2026-05-31T21:50:00", "offset", {}, "2"),
            # 00:10 on Monday 1 June written in UTC (31 May 16:10Z): week W23 and June
            ("E024", "satisfaction_rating", "2026-06-01T00:10:00", "utc", sat, ""),
            # the last minute of the data
            ("E027", "satisfaction_rating", "2026-10-31T23:59:00", "offset", very, ""),
        ]
        for eid, type_, when, style, attrs, value in planted:
            t = at(when)
            self.add(by[eid], type_, t, t + timedelta(minutes=3), value=value, style=style, **attrs)
        # a complaint at 23:30 on the last day of September (a night shift)
        self.planted_complaint(
            by["E026"], at("2026-09-30T23:30:00"), level=2, responsible=False, style="offset"
        )
        # a major (level 3) complaint against an annual-selection candidate, voided on
        # appeal below, and one that stands
        self.planted_complaint(
            by["E012"], at("2026-04-16T11:20:00"), level=3, responsible=True, style="offset"
        )
        self.planted_complaint(
            by["E030"], at("2026-06-05T15:05:00"), level=3, responsible=True, style="offset"
        )
        # a bad month (July) for the desk employee with the weakest service record who
        # takes part in B: attitude problems, mistakes, overdue tasks, complaints found to
        # be their fault and poor call-backs (B: one star)
        july = (date(2026, 7, 1), date(2026, 7, 31))
        bad = min(
            (
                e
                for e in self.roster
                if e.role == "service_desk"
                and e.service_certified
                and e.employed(july[0])
                and e.employed(july[1])
            ),
            key=lambda e: (e.skill, e.employee_id),
        )
        attitude, error = {"kind": "attitude"}, {"kind": "error"}
        for day, hour, type_, attrs in [
            (1, 10, "service_issue", attitude), (3, 11, "service_issue", attitude),
            (6, 15, "service_issue", error), (9, 10, "task_overdue", {}),
            (12, 19, "service_issue", attitude), (15, 14, "service_issue", error),
            (18, 16, "task_overdue", {}), (21, 12, "service_issue", attitude),
            (25, 20, "service_issue", error),
        ]:  # fmt: skip
            t = datetime(2026, 7, day, hour, 5)
            self.add(bad, type_, t, t + timedelta(hours=2), style="offset", **attrs)
        for day, score in [(8, "2"), (16, "1"), (22, "3"), (27, "2")]:
            t = datetime(2026, 7, day, 13, 40)
            recorded = t + timedelta(days=1)
            channel = "phone_callback"
            self.add(bad, "survey", t, recorded, value=score, style="offset", channel=channel)
        for when, level in [("2026-07-11T17:25:00", 1), ("2026-07-24T18:50:00", 2)]:
            self.planted_complaint(bad, at(when), level=level, responsible=True, style="offset")
        # four praise letters in one week for a cashier (A counts at most 3 a week) and
        # three outstanding deeds in one month for a security guard (E: at most +10)
        for day in (10, 12, 13, 15):
            t = datetime(2026, 8, day, 16, 20)
            self.add(by["E015"], "praise_letter", t, t + timedelta(days=1), style="offset")
        for day in (4, 11, 19):
            t = datetime(2026, 9, day, 2, 30)
            kind = "outstanding_deed"
            self.add(
                by["E067"], "commendation", t, t + timedelta(hours=8), style="offset", kind=kind
            )
        # backdated records: learned of weeks after the fact
        self.add(by["E047"], "praise_letter", at("2026-09-12T10:30:00"), at("2026-10-20T09:10:00"))
        self.planted_complaint(
            by["E055"],
            at("2026-08-28T16:40:00"),
            level=1,
            responsible=True,
            recorded=at("2026-09-25T14:00:00"),
        )

    # -- government service hall: nominations and end-of-half ratings (D) ------------------

    def hall(self) -> None:
        rng = self.rng
        quota = {"民生区": 2, "基建区": 2, "社会事务区": 3, "企业服务区": 3}
        windows = [e for e in self.roster if e.role == "window"]
        raters = windows + [
            e for e in self.roster if e.department == "政务服务大厅" and e.role != "window"
        ]
        for half, nominated_on in (("H1", date(2026, 6, 10)), ("H2", date(2026, 10, 20))):
            nominees: list[Employee] = []
            for district, n in quota.items():
                pool = [e for e in windows if e.district == district and e.employed(nominated_on)]
                pool.sort(key=lambda e: (-(e.skill + rng.gauss(0, 0.15)), e.employee_id))
                nominees.extend(pool[:n])
            for emp in nominees:
                t = datetime.combine(nominated_on, time(16, 0)) + timedelta(
                    minutes=rng.randrange(0, 60)
                )
                self.add(emp, "nomination", t, t + timedelta(hours=1), style="offset")
            if half == "H2":
                continue  # H2 is rated in late December: not in this export yet
            for emp in nominees:
                self.rate_first_half(emp, raters, rng)

    def rate_first_half(self, emp: Employee, raters: list[Employee], rng: random.Random) -> None:
        """The end-of-half scores of one H1 nominee, drawn from `rng`."""
        # about ten hall colleagues score each nominee (anonymous)
        colleagues = [r for r in raters if r is not emp and r.employed(date(2026, 6, 26))]
        for _ in colleagues[: rng.randrange(8, 12)]:
            day = date(2026, 6, rng.choice([26, 29, 30]))  # the last working days
            t = datetime.combine(day, time(rng.randrange(9, 17), rng.randrange(60)))
            score = round(clamp(rng.gauss(76 + 18 * emp.skill, 5), 60, 100))
            self.add(
                emp,
                "hall_rating",
                t,
                t + timedelta(minutes=2),
                value=str(score),
                style="offset",
            )
        # the office scores in its meeting of the first days of July, after the half: the
        # score carries the half's label (for_period) so that it counts in H1
        t = datetime(2026, 6, 30, 10, 0) + timedelta(minutes=rng.randrange(0, 300))
        meeting = date(2026, 7, rng.randrange(2, 6))
        occurred = datetime.combine(meeting, t.time())
        score = round(clamp(rng.gauss(78 + 16 * emp.skill, 4), 70, 98))
        self.add(
            emp,
            "office_rating",
            occurred,
            occurred + timedelta(minutes=30),
            value=str(score),
            style="offset",
            for_period="2026-H1",
        )

    def over_quota_nominations(self) -> None:
        """社会事务区 hands in all five of its window staff for H1, one more than D's quota
        of 4 (其它片区不超过4名): D keeps the district's best four by 总分. E049's complaint
        of January is cancelled on appeal, so that E049 is a candidate too. A separate
        random stream, so that nothing drawn before changes."""
        rng = random.Random(SEED + 1)
        windows = [e for e in self.roster if e.role == "window"]
        raters = windows + [
            e for e in self.roster if e.department == "政务服务大厅" and e.role != "window"
        ]
        complaint = next(
            e for e in self.events if e.employee_id == "E049" and e.type == "complaint"
        )
        self.void(complaint, datetime(2026, 2, 3, 10, 0))
        nominated = {
            e.employee_id
            for e in self.events
            if e.type == "nomination" and e.occurred.date() <= date(2026, 6, 30)
        }
        for emp in windows:
            if emp.district != "社会事务区" or emp.employee_id in nominated:
                continue
            t = datetime(2026, 6, 10, 16, 0) + timedelta(minutes=rng.randrange(0, 60))
            self.add(emp, "nomination", t, t + timedelta(hours=1), style="offset")
            self.rate_first_half(emp, raters, rng)

    # -- the annual selection's committee (C) --------------------------------------------

    def committee_votes(self) -> None:
        """The 15 members of C's committee (终评) vote on each of 2026's shortlisted
        candidates at their meeting of 14 January 2027, after the year: every vote carries
        the year in for_period. The only rows after the export (see data/README.md)."""
        rng = random.Random(SEED + 2)
        yes_votes = {"E015": 13, "E021": 10, "E034": 9}  # of 15
        for eid, yes in yes_votes.items():
            ballots = ["true"] * yes + ["false"] * (15 - yes)
            rng.shuffle(ballots)
            for member, approve in enumerate(ballots):
                occurred = datetime(2027, 1, 14, 15, 0) + timedelta(minutes=member)
                event = Event(
                    len(self.events),
                    eid,
                    "committee_vote",
                    occurred,
                    occurred + timedelta(hours=2),
                    attrs={"approve": approve},
                    for_period="2026",
                )
                self.events.append(event)

    # -- appeals upheld and corrections (void rows) --------------------------------------

    def voids(self) -> None:
        rng = self.rng
        complaints = [e for e in self.events if e.type == "complaint"]
        chosen: list[Event] = []
        # the planted level-3 complaint of E012 is cancelled on appeal
        chosen.append(
            next(e for e in complaints if e.employee_id == "E012" and e.attrs["level"] == "3")
        )
        # appeals take up to a few weeks: only complaints recorded by early October
        planted = {e.seq for e in self.planted}
        complaints = [
            e for e in complaints if e.recorded.date() <= date(2026, 10, 5) and e.seq not in planted
        ]
        responsible = [e for e in complaints if e.attrs["responsible"] == "true"]
        others = [e for e in complaints if e.attrs["responsible"] != "true"]
        chosen += rng.sample(responsible, 6) + rng.sample(others, 2)
        for complaint in chosen:
            # the appeal is decided in office hours, days or weeks after the complaint
            day = complaint.recorded.date() + timedelta(days=rng.randrange(3, 25))
            decided = datetime.combine(day, time(rng.randrange(9, 17), rng.randrange(60)))
            self.void(complaint, decided)
        # corrections: a point deduction written up against the wrong person, and a
        # disciplinary notice withdrawn
        deduction = rng.choice(
            [
                e
                for e in self.events
                if e.type == "point_deduction" and e.occurred.month in (3, 4, 5)
            ]
        )
        self.void(
            deduction, datetime.combine(deduction.recorded.date() + timedelta(days=2), time(10, 30))
        )
        notice = next(
            e for e in self.events if e.type == "discipline_notice" and e.employee_id == "E049"
        )
        self.void(notice, notice.recorded + timedelta(days=9))

    def void(self, target: Event, decided: datetime) -> None:
        emp = self.by_id[target.employee_id]
        decided = decided.replace(second=0, microsecond=0)
        event = Event(
            len(self.events),
            emp.employee_id,
            "void",
            decided,
            decided,
            style="offset",
            voids=target,
        )
        self.events.append(event)

    def voided(self) -> set[int]:
        return {e.voids.seq for e in self.events if e.voids is not None}

    # -- property staff: the monthly public vote (E) -------------------------------------

    def public_vote(self) -> None:
        """Votes for the month's candidates (as E's `岗位候选人` would pick them), as a
        score 0-100: the candidate's votes as a percentage of the post's best."""
        rng = self.rng
        cancelled = self.voided()
        live = [e for e in self.events if e.seq not in cancelled and e.voids is None]
        staff = [e for e in self.roster if e.role == "property_staff" and e.post in E_POSTS]
        popularity = {e.employee_id: 0.5 + e.skill + rng.random() for e in staff}
        for month in MONTHS:
            first, last = month_bounds(month)
            in_month: dict[str, list[Event]] = {}
            for event in live:
                if first <= event.occurred.date() <= last:
                    in_month.setdefault(event.employee_id, []).append(event)
            for post in E_POSTS:
                candidates = []
                for emp in staff:
                    if emp.post != post or not (emp.employed(last) or emp.employed(first)):
                        continue
                    mine = in_month.get(emp.employee_id, [])
                    count = lambda t, mine=mine: sum(1 for e in mine if e.type == t)  # noqa: E731
                    if any(
                        e.type == "complaint" and e.attrs["responsible"] == "true" for e in mine
                    ):
                        continue
                    if post == "security" and (count("complaint") or count("security_incident")):
                        continue
                    if (
                        count("attendance_late")
                        + count("attendance_early_leave")
                        + count("attendance_absent")
                    ):
                        continue
                    if count("discipline_notice"):
                        continue
                    praise = count("praise_letter") + count("verbal_praise")
                    if post in ("reception", "security") and praise == 0:
                        continue
                    candidates.append(emp)
                votes = {
                    e.employee_id: int(popularity[e.employee_id] * rng.randrange(80, 240))
                    for e in candidates
                }
                best = max(votes.values(), default=0)
                for emp in candidates:
                    score = round(100 * votes[emp.employee_id] / best) if best else 0
                    t = datetime.combine(last, time(20, 0))
                    recorded = datetime.combine(
                        last + timedelta(days=rng.randrange(3, 6)), time(10)
                    )
                    self.add(emp, "public_vote", t, recorded, value=str(score), style="offset")

    # -- everything ------------------------------------------------------------------------

    def run(self) -> list[Event]:
        self.schedule()
        self.daily()
        self.weekly()
        self.monthly()
        self.rare()
        self.hall()
        self.voids()
        self.public_vote()
        self.over_quota_nominations()
        self.committee_votes()
        events = sorted(
            self.events,
            key=lambda e: (e.occurred, e.recorded, e.employee_id, e.type, e.seq),
        )
        for number, event in enumerate(events, start=1):
            event.event_id = f"EV{number:06d}"
        return events


# ---------------------------------------------------------------------------------------
# Output


def stamp(moment: datetime, style: str) -> str:
    if style == "naive":
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    if style == "utc":
        return (moment - UTC_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"


def roster_rows(roster: list[Employee]) -> list[list[str]]:
    return [
        [
            e.employee_id, e.name, e.department, e.role, e.hire_date.isoformat(),
            e.leave_date.isoformat() if e.leave_date else "", e.employment_type,
            "true" if e.service_certified else "false", e.post, e.district,
        ]
        for e in sorted(roster, key=lambda e: e.employee_id)
    ]  # fmt: skip


def event_rows(events: list[Event]) -> list[list[str]]:
    rows = []
    for e in events:
        row = {
            "event_id": e.event_id,
            "employee_id": e.employee_id,
            "type": e.type,
            "occurred_at": stamp(e.occurred, e.style),
            "recorded_at": stamp(e.recorded, "offset"),
            "value": e.value,
            "voids": e.voids.event_id if e.voids else "",
            "for_period": e.for_period,
            **e.attrs,
        }
        rows.append([row.get(column, "") for column in EVENT_COLUMNS])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def summary(roster: list[Employee], events: list[Event]) -> str:
    lines = [f"employees: {len(roster)}", f"events: {len(events)}", ""]
    lines.append("population per policy (`applies to`, tenure at 2026-12-31):")
    for name, condition, test in POLICIES:
        chosen = [e for e in roster if test(e, YEAR_END)]
        lines.append(f"  {name:32} {len(chosen):3}   applies to {condition}")
    lines.append("")
    lines.append("rated in sample instances (applies to, and employed on a day of it):")
    samples = [
        (0, "2026-W44", date(2026, 10, 26), date(2026, 11, 1)),
        (0, "2026-W02", date(2026, 1, 5), date(2026, 1, 11)),
        (1, "2026-01", date(2026, 1, 1), date(2026, 1, 31)),
        (1, "2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        (2, "2026", date(2026, 1, 1), YEAR_END),
        (3, "2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        (3, "2026-H2", date(2026, 7, 1), YEAR_END),
        (4, "2026-01", date(2026, 1, 1), date(2026, 1, 31)),
        (4, "2026-10", date(2026, 10, 1), date(2026, 10, 31)),
    ]
    for index, label, first, last in samples:
        name, _, test = POLICIES[index]
        rated = [
            e
            for e in roster
            if test(e, last)
            and e.hire_date <= last
            and (e.leave_date is None or e.leave_date >= first)
        ]
        lines.append(f"  {name:32} {label:9} {len(rated):3}")
    lines.append("")
    lines.append("employees by department and role:")
    groups: dict[tuple[str, str], int] = {}
    for e in roster:
        key = (e.department, e.role + (f" ({e.post})" if e.post else ""))
        groups[key] = groups.get(key, 0) + 1
    for (department, role), count in groups.items():
        lines.append(f"  {department}\t{role}\t{count}")
    lines.append("")
    lines.append("events per type:")
    counts: dict[str, int] = {}
    for e in events:
        counts[e.type] = counts.get(e.type, 0) + 1
    for type_ in sorted(counts):
        lines.append(f"  {type_:24} {counts[type_]:6}")
    styles: dict[str, int] = {}
    for e in events:
        styles[e.style] = styles.get(e.style, 0) + 1
    lines.append("")
    lines.append(
        f"occurred_at written with +08:00: {styles.get('offset', 0)}, "
        f"in UTC (Z): {styles.get('utc', 0)}, naive (local): {styles.get('naive', 0)}"
    )
    per_month: dict[str, int] = {}
    for e in events:
        key = e.occurred.strftime("%Y-%m")
        per_month[key] = per_month.get(key, 0) + 1
    lines.append(
        "events per month (local): " + ", ".join(f"{k}: {v}" for k, v in per_month.items())
    )
    return "\n".join(lines)


def generate(outdir: Path) -> str:
    rng = random.Random(SEED)
    roster = make_roster(rng)
    events = Generator(rng, roster).run()
    outdir.mkdir(parents=True, exist_ok=True)
    write_csv(outdir / "roster.csv", ROSTER_COLUMNS, roster_rows(roster))
    write_csv(outdir / "events.csv", EVENT_COLUMNS, event_rows(events))
    return summary(roster, events)


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print(__doc__.strip().splitlines()[2])
        return 2
    outdir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    print(generate(outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
