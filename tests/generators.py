"""Hypothesis strategies for the differential test (tests/test_differential.py).

They build *semantically valid* scenarios: a roster, an event log (with voids) and the
TEXT of a policy drawn from a controlled subset of the language, with names, types and
dependencies chosen so that ``check_policy`` accepts almost every policy generated (the
test still filters on it). Everything is kept small and biased towards the cases where
two implementations are most likely to disagree: ties, empty groups, missing values,
half stars and decimals, period and midnight boundaries, hire/leave dates at period
edges, vetoes, awards with ties at the cut, look-back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from starrating.engine import periods as P
from starrating.language.catalog import STANDARD_ROSTER_ATTRIBUTES, Catalog

# The policy's zone: named in the policy, or (None) no `timezone` line, hence UTC.
ZONES = ("Asia/Shanghai", "Asia/Shanghai", "America/New_York", None)

# Event types and attributes known to both sides.
CATALOG = Catalog(
    events={
        "complaint": {"level": "number", "responsible": "boolean"},
        "praise": {"channel": "text"},
        "sale": {"channel": "text", "level": "number"},
        "exam": {},
        "survey": {"channel": "text"},
    },
    roster={**STANDARD_ROSTER_ATTRIBUTES, "grade": "number"},
    known_events=True,
)
EVENT_TYPES = tuple(CATALOG.events)
CHANNELS = ("web", "phone", "store", "o'clock", "门店")
DEPARTMENTS = ("A", "B", "前台")
ROLES = ("desk", "sales")
EVENT_COLUMNS = ("event_id", "employee_id", "type", "occurred_at", "recorded_at", "value",
                 "voids", "channel", "level", "responsible")  # fmt: skip
# Roster v1 and events are ingested at INGEST_1, roster v2 (transfers, leavers) at
# INGEST_2; "late" events and voids carry recorded_at = LATE. A run as of AS_OF_END sees
# everything, one as of AS_OF_MID sees roster v1 and no late rows.
INGEST_1 = datetime(2026, 12, 1, tzinfo=UTC)
INGEST_2 = datetime(2027, 1, 1, tzinfo=UTC)
LATE = "2027-06-01T00:00:00Z"
AS_OF_MID = datetime(2026, 12, 15, tzinfo=UTC)
AS_OF_END = datetime(2030, 1, 1, tzinfo=UTC)
ROSTER_COLUMNS = ("employee_id", "name", "hire_date", "leave_date", "department", "role",
                  "grade")  # fmt: skip


# ---- data -------------------------------------------------------------------------------


@dataclass
class Employee:
    employee_id: str
    hire: date
    leave: date | None
    department: str | None
    role: str | None
    grade: Decimal | None

    def csv_row(self) -> dict[str, str]:
        return {
            "employee_id": self.employee_id,
            "name": f"name {self.employee_id}",
            "hire_date": self.hire.isoformat(),
            "leave_date": self.leave.isoformat() if self.leave else "",
            "department": self.department or "",
            "role": self.role or "",
            "grade": "" if self.grade is None else str(self.grade),
        }

    def reference(self) -> dict:
        return {
            "employee_id": self.employee_id,
            "name": f"name {self.employee_id}",
            "hire_date": self.hire,
            "leave_date": self.leave,
            "department": self.department,
            "role": self.role,
            "grade": self.grade,
        }


@dataclass
class Event:
    event_id: str
    employee_id: str
    type: str
    local: datetime  # wall-clock time in the policy's zone (naive)
    style: str  # how occurred_at is written: offset, naive, date, utc, minus5
    value: str | None  # as written in the file
    attrs: dict[str, str] = field(default_factory=dict)  # as written in the file
    late: bool = False  # recorded at LATE (invisible to a run as of AS_OF_MID)
    zone: str = "Asia/Shanghai"  # the policy's zone, in which `local` is wall-clock time

    def occurred_at(self) -> str:
        if self.style == "naive":
            return self.local.strftime("%Y-%m-%d %H:%M")
        if self.style == "date":
            return self.local.strftime("%Y-%m-%d")
        instant = self.local.replace(tzinfo=ZoneInfo(self.zone))
        offset = instant.strftime("%z")  # +0800, -0500, -0400
        if self.style == "offset":  # the zone's own offset: +08:00
            return self.local.strftime("%Y-%m-%dT%H:%M:%S") + offset[:3] + ":" + offset[3:]
        if self.style == "compact":  # +0800, with a space instead of T
            return self.local.strftime("%Y-%m-%d %H:%M:%S") + offset
        if self.style == "utc":
            return instant.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert self.style == "minus5"
        return instant.astimezone(ZoneInfo("America/Bogota")).strftime("%Y-%m-%dT%H:%M:%S-05:00")

    def csv_row(self) -> dict[str, str]:
        return {
            "event_id": self.event_id,
            "employee_id": self.employee_id,
            "type": self.type,
            "occurred_at": self.occurred_at(),
            "value": self.value or "",
            "recorded_at": LATE if self.late else "",
            **self.attrs,
        }

    def reference(self) -> dict:
        """The reference's input: the local date computed independently of the engine
        (from the occurred_at text and the zone), typed values."""
        text = self.occurred_at()
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        event: dict = {
            "employee_id": self.employee_id,
            "type": self.type,
            "local_date": P.local_date(stamp, ZoneInfo(self.zone)),
            "value": Decimal(self.value) if self.value is not None else None,
        }
        types = CATALOG.events[self.type]
        for name, raw in self.attrs.items():
            kind = types[name]
            if kind == "number":
                event[name] = Decimal(raw)
            elif kind == "boolean":
                event[name] = raw.lower() in ("true", "1")
            else:
                event[name] = raw
        return event


@dataclass
class Data:
    roster: list[Employee]  # version 1
    events: list[Event]
    voided: list[tuple[str, bool]]  # (event id cancelled by a `void` row, void recorded late)
    roster_v2: list[Employee] | None = None  # a later roster file (None: not ingested)
    as_of_end: bool = True  # run as of AS_OF_END (else AS_OF_MID)
    file_format: str = "csv"  # or jsonl

    @property
    def as_of(self) -> datetime:
        return AS_OF_END if self.as_of_end else AS_OF_MID

    def event_rows(self) -> list[dict[str, str]]:
        rows = [e.csv_row() for e in self.events]
        owner = {e.event_id: e.employee_id for e in self.events}
        rows += [
            {"event_id": f"V{i}", "employee_id": owner[voided], "type": "void",
             "occurred_at": "2026-06-30T12:00:00+08:00", "voids": voided,
             "recorded_at": LATE if late else ""}
            for i, (voided, late) in enumerate(self.voided)
        ]  # fmt: skip
        return rows

    def reference_roster(self) -> list[dict]:
        """The roster version in force at the as-of time."""
        roster = self.roster_v2 if self.roster_v2 is not None and self.as_of_end else self.roster
        return [e.reference() for e in roster]

    def reference_events(self) -> list[dict]:
        """The events visible at the as-of time, voids applied."""
        voided = {v for v, late in self.voided if self.as_of_end or not late}
        return [
            e.reference()
            for e in self.events
            if e.event_id not in voided and (self.as_of_end or not e.late)
        ]


def month_edges(first: date, last: date) -> list[date]:
    """First and last days of every month touching [first, last], inside it."""
    found = []
    day = date(first.year, first.month, 1)
    while day <= last:
        end = P.add_months(day, 1) - timedelta(days=1)
        found += [d for d in (day, end) if first <= d <= last]
        day = end + timedelta(days=1)
    return found


VALUES = (
    "1",
    "1.5",
    "0.25",
    "2",
    "3",
    "4.5",
    "5",
    "0",
    "90",
    "95.5",
    "60",
    "-1",
    "1.50",
    ".5",
    "1e1",
    "+2",
    "-0.25",
    "2.",
)
TIMES = ((0, 0, 0), (0, 30, 0), (8, 0, 0), (12, 15, 0), (23, 30, 0), (23, 59, 59), (7, 59, 0))


@st.composite
def data_for(draw: st.DrawFn, window: tuple[date, date], key_days: list[date], zone: str) -> Data:
    """A roster and an event log for the local days ``window`` (inclusive) in ``zone``."""
    first, last = window
    span = (last - first).days
    dst = [date(2025, 11, 2), date(2026, 3, 8), date(2026, 3, 29)]  # US, US, EU changes
    edges = sorted({*month_edges(first, last), *key_days, *(d for d in dst if first <= d <= last)})
    days = st.one_of(
        st.sampled_from(edges),
        st.integers(0, span).map(lambda n: first + timedelta(days=n)),
    )

    count = draw(st.integers(1, 7))
    roster = []
    hires = st.one_of(
        st.sampled_from([date(2020, 1, 15), date(2025, 10, 31), date(2025, 8, 31)]),
        days,
    )
    for i in range(count):
        hire = draw(hires)
        leave = draw(st.none() | days | st.just(hire))
        if leave is not None and leave < hire:
            leave = None
        roster.append(
            Employee(
                employee_id=f"E{i + 1}",
                hire=hire,
                leave=leave,
                department=draw(st.sampled_from((*DEPARTMENTS[:2], *DEPARTMENTS, None))),
                role=draw(st.sampled_from((*ROLES, ROLES[0], None))),
                grade=draw(st.sampled_from([None, Decimal(1), Decimal(2), Decimal("2.5")])),
            )
        )
    ids = [e.employee_id for e in roster]
    # Events of an employee who is not on the roster count for where history starts.
    who = (
        st.sampled_from(ids) | st.just("X9")
        if draw(st.integers(0, 9)) == 0
        else st.sampled_from(ids)
    )
    events = []
    for n in range(draw(st.integers(0, 28))):
        etype = draw(st.sampled_from(EVENT_TYPES))
        attrs: dict[str, str] = {}
        for name, kind in CATALOG.events[etype].items():
            if draw(st.integers(0, 5)) == 0:
                continue  # missing attribute
            if kind == "number":
                attrs[name] = draw(st.sampled_from(["1", "2", "3", "2.0"]))
            elif kind == "boolean":
                attrs[name] = draw(st.sampled_from(["true", "false", "TRUE", "1", "0"]))
            else:
                attrs[name] = draw(st.sampled_from(CHANNELS))
        value = draw(st.none() | st.sampled_from(VALUES))
        hh, mm, ss = draw(st.sampled_from(TIMES))
        day = draw(days)
        style = draw(
            st.sampled_from(
                ["offset", "offset", "naive", "utc", "utc", "minus5", "date", "compact"]
            )
        )
        local = datetime(day.year, day.month, day.day, hh, mm, ss)
        if style == "date":
            local = datetime(day.year, day.month, day.day)
        late = draw(st.integers(0, 7)) == 0
        events.append(Event(f"ev{n}", draw(who), etype, local, style, value, attrs, late, zone))
    voided: list[tuple[str, bool]] = []
    if events and draw(st.booleans()):
        ids = draw(st.lists(st.sampled_from([e.event_id for e in events]), max_size=3, unique=True))
        voided = [(v, draw(st.integers(0, 3)) == 0) for v in ids]
    roster_v2 = None
    if draw(st.integers(0, 3)) == 0:
        roster_v2 = []
        for e in roster:
            change = draw(st.integers(0, 3))
            if change == 1:
                e = replace(e, department=draw(st.sampled_from((*DEPARTMENTS, None))))
            elif change == 2:
                leave = draw(days)
                e = replace(e, leave=leave if leave >= e.hire else e.hire)
            elif change == 3:
                e = replace(e, role=draw(st.sampled_from(ROLES)), grade=Decimal(3))
            roster_v2.append(e)
    as_of_end = draw(st.integers(0, 4)) > 0
    file_format = draw(st.sampled_from(["csv", "csv", "jsonl"]))
    return Data(roster, events, voided, roster_v2, as_of_end, file_format)


# ---- policies ---------------------------------------------------------------------------

PLURAL = {"week": "weeks", "month": "months", "quarter": "quarters", "half": "halves"}

EVENT_FILTERS = {
    "complaint": ["level = 1", "level >= 2", "responsible", "not responsible",
                  "level in [1, 3]", "responsible and level >= 2", "level != 2",
                  "responsible = false", "responsible != true", "value > level"],
    "praise": ['channel = "phone"', 'channel != "web"', 'channel in ["web", "phone"]',
               'channel not in ["web"]', 'channel = "o\'clock"', 'channel in ["门店", "x"]'],
    "sale": ['channel = "web"', "level > 1", "value >= 2", 'channel = "web" or level >= 3',
             "value * 2 > 3"],
    "exam": ["value >= 90", "value < 60"],
    "survey": ["value >= 4", 'channel = "phone"', "value != 5"],
}  # fmt: skip
VALUE_ATTRS = {  # TYPE.ATTR aggregated by sum/min/max/avg
    "complaint": ["level"],
    "praise": ["value"],
    "sale": ["value", "level"],
    "exam": ["value"],
    "survey": ["value"],
}
# Fractions of more places than a row shows (7) and products of them, so that what is
# rounded at 18 places and what at 6 differ.
SMALL = ["0", "1", "2", "3", "0.5", "1.5", "2.25", "4", "50%", "0.3333333", "1.0000005"]
AMOUNTS = ["1", "0.5", "1.5", "2", "0.25", "3"]
# `match` keys: number literals (a percentage is no key) and the roster's texts.
NUMBER_KEYS = ["0", "1", "2", "3", "0.5", "1.5", "1.0000005"]
TEXT_KEYS = [f'"{text}"' for text in (*DEPARTMENTS, *ROLES)]
QUOTAS = ["0", "1", "2", "3", "1.5", "2.9999999", "-1"]


@dataclass
class SubInfo:
    """What a longer block may read of the shorter one."""

    kind: str
    numbers: list[str]
    bools: list[str]
    awards: list[str]
    has_stars: bool


def quote(text: str) -> str:
    """A policy string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Award names and veto reasons that SQL and the policy syntax must carry unharmed.
ODD_LABELS = ["it's", 'say "hi"', "back\\slash", "周之星", "a,b"]


# Rolling windows: every unit, and its singular (written only for a window of 1).
WINDOW_UNITS = ("days", "weeks", "months", "quarters", "halves", "years")
SINGULAR = {"days": "day", "weeks": "week", "months": "month", "quarters": "quarter",
            "halves": "half", "years": "year"}  # fmt: skip


@dataclass
class Features:
    looks_back: bool = False


class BlockGen:
    """Draws the statements of one block. Names are defined in layers so that the
    dependency graph has no cycle and vetoes read only event data:

    0. `pure` lets and scores: events, tenure, roster, sub-periods, previous(...);
    1. ranking lets (rankings and group values, which depend on vetoes): usable by tallies,
       stars, awards, rewards;
    2. `late` lets: may read red, green, net; usable by stars, awards, rewards.
    """

    def __init__(
        self,
        draw: st.DrawFn,
        kind: str,
        subs: list[SubInfo],
        features: Features,
        *,
        division_ok: bool,
        lookback_ok: bool,
    ) -> None:
        self.draw = draw
        self.kind = kind
        self.prefix = kind[0]
        self.subs = subs  # every shorter block of the policy
        self.features = features
        self.division_ok = division_ok
        self.lookback_ok = lookback_ok
        self.pure: list[str] = []
        self.ranked: list[str] = []
        self.late: list[str] = []
        self.bools: list[str] = []
        self.texts: list[str] = []
        self.awards: list[str] = []
        self.lines: list[str] = []
        self.has_stars = False
        self.will_have_stars = self.draw(st.integers(0, 3)) > 0
        self.counter = 0

    # -- helpers
    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def chance(self, n: int) -> bool:
        """True with probability 1/n."""
        return self.draw(st.integers(0, n - 1)) == 0

    def new_name(self) -> str:
        """A new name as written: mostly plain, sometimes Chinese or in backticks."""
        self.counter += 1
        plain = f"{self.prefix}{self.counter}"
        roll = self.draw(st.integers(0, 11))
        if roll == 0:
            return f"分{plain}"
        if roll == 1:
            return f"`rated by {plain}`"
        if roll == 2:
            return f"`it's {plain}`"
        return plain

    def label(self, word: str, index: int) -> str:
        """An award name or veto reason (unique in the policy)."""
        base = f"{self.prefix}{word}{index}"
        if self.chance(4):
            return base + " " + self.pick(ODD_LABELS)
        return base

    # -- expressions
    def event_ref(self) -> str:
        etype = self.pick(EVENT_TYPES)
        if self.chance(2):
            return f"{etype} where {self.pick(EVENT_FILTERS[etype])}"
        return etype

    def window(self) -> str:
        """Sometimes a rolling window (docs/language.md 5.6.1): any unit, 1 to 13 of them,
        the singular sometimes for 1."""
        if not self.chance(3):
            return ""
        count = self.draw(st.integers(1, 13))
        unit = self.pick(WINDOW_UNITS)
        if count == 1 and self.chance(2):
            unit = SINGULAR[unit]
        return f" over last {count} {unit}"

    def aggregate(self) -> str:
        etype = self.pick(EVENT_TYPES)
        where = f" where {self.pick(EVENT_FILTERS[etype])}" if self.chance(2) else ""
        where += self.window()
        funcs = ["count", "count", "sum", "min", "max"]
        if self.division_ok:
            funcs.append("avg")
        func = self.pick(funcs)
        if func == "count":
            return f"count({etype}{where})"
        text = f"{func}({etype}.{self.pick(VALUE_ATTRS[etype])}{where})"
        if func != "sum" and self.chance(2):
            text = f"({text} default {self.pick(SMALL)})"
        return text

    def sub_aggregate(self) -> str:
        sub = self.pick(self.subs)
        plural = PLURAL[sub.kind]
        attrs = ["red", "green", "net", "reward", "grade", *sub.numbers]
        if sub.has_stars:
            attrs.append("stars")
        conds = ["net >= 1", "red > 0", "green = 0", "`reward` > 0", 'department = "A"',
                 "grade >= 2", "net >= 1 and red < 3"]  # fmt: skip
        conds += [f"{n} > 0" for n in sub.numbers]
        conds += sub.bools + [f"not {b}" for b in sub.bools]
        if sub.has_stars:
            conds += ["stars >= 3", "stars = 5", "not (stars >= 3)"]
        conds += [f"awarded({quote(a)})" for a in sub.awards]
        choice = self.draw(st.integers(0, 5))
        if choice == 0 and sub.awards:
            return f"wins({quote(self.pick(sub.awards))})"
        if choice <= 2:
            where = f" where {self.pick(conds)}" if self.chance(3) else ""
            return f"count({plural}{where})"
        funcs = ["sum", "sum", "min", "max"] + (["avg"] if self.division_ok else [])
        func = self.pick(funcs)
        where = f" where {self.pick(conds)}" if self.chance(4) else ""
        text = f"{func}({plural}.{self.pick(attrs)}{where})"
        if func != "sum" and self.chance(2):
            text = f"({text} default 0)"
        return text

    def atom(self, names: list[str]) -> str:
        options = ["agg", "agg", "lit"]
        if names:
            options += ["name", "name"]
        if self.subs:
            options += ["sub", "sub"]
        options += ["tenure", "grade"]
        kind = self.pick(options)
        if kind == "agg":
            return self.aggregate()
        if kind == "sub":
            return self.sub_aggregate()
        if kind == "lit":
            return self.pick(SMALL)
        if kind in ("tenure", "grade"):
            return kind
        return self.pick(names)

    def number(self, names: list[str], depth: int = 0) -> str:
        roll = self.draw(st.integers(0, 9))
        if depth < 2 and roll < 3:
            ops = ["+", "-", "*", "+"] + (["/", "/"] if self.division_ok else [])
            op = self.pick(ops)
            left = self.number(names, depth + 1)
            # A product of two computed values too (a quotient times a fraction: the
            # rounding at 18 places and at the 6 shown must agree with the reference).
            factors = SMALL + names if op != "*" or self.chance(2) else None
            right = self.number(names, depth + 1) if factors is None else self.pick(factors)
            return f"({left} {op} {right})"
        if depth < 2 and roll == 3 and names:
            return f"({self.number(names, depth + 1)} default {self.pick(SMALL)})"
        if self.lookback_ok and roll == 4 and names:
            self.features.looks_back = True
            roll = self.draw(st.integers(0, 5))
            if roll == 0:
                target = self.number(names, depth + 1)  # any expression: aggregates, ...
            elif roll == 1:
                target = f"previous({self.pick(names)})"  # two instances back
            else:
                target = self.pick([*names, "net", "red", *(["stars"] * self.will_have_stars)])
            return f"(previous({target}) default {self.pick(['0', '1'])})"
        if depth < 2 and roll == 5 and self.chance(2):
            return f"(-{self.number(names, depth + 1)})"
        if depth < 2 and roll == 6 and self.chance(2):
            values = [*SMALL, *names]
            if self.chance(2):
                return self.match(self.number(names, depth + 1), NUMBER_KEYS, values)
            subject = self.pick(["department", "role", *self.texts])
            return self.match(subject, TEXT_KEYS, values)
        return self.atom(names)

    def match(self, subject: str, keys: list[str], values: list[str]) -> str:
        """``match SUBJECT { ... }`` with one to three distinct keys, maybe `otherwise`."""
        chosen = self.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))
        arms = [f"{key}: {self.pick(values)}" for key in chosen]
        if self.chance(2):
            arms.append(f"otherwise: {self.pick(values)}")
        return f"match {subject} {{ {', '.join(arms)} }}"

    def condition(self, names: list[str], extra: list[str] = (), depth: int = 0) -> str:
        roll = self.draw(st.integers(0, 11))
        if depth < 1 and roll == 0:
            return f"{self.condition(names, extra, 1)} and {self.condition(names, extra, 1)}"
        if depth < 1 and roll == 1:
            return f"({self.condition(names, extra, 1)} or {self.condition(names, extra, 1)})"
        if depth < 1 and roll == 2:
            return f"not ({self.condition(names, extra, 1)})"
        if roll == 3:
            return self.pick(['department = "A"', 'department in ["A", "C"]', 'role != "desk"',
                              "grade >= 2", 'department not in ["B"]', 'department = "前台"',
                              'match role { "desk": department, otherwise: "B" } = "B"',
                              *[f'{t} = "A"' for t in self.texts]])  # fmt: skip
        if roll == 4 and (self.bools or extra):
            return self.pick([*self.bools, *extra])
        if roll == 5 and self.lookback_ok and (self.bools or extra):
            self.features.looks_back = True
            return f"previous({self.pick([*self.bools, *extra])})"
        op = self.pick([">=", ">", "=", "<", "<=", "!="])
        return f"{self.number(names)} {op} {self.pick(SMALL)}"

    # -- statements
    def let_pure(self) -> None:
        name = self.new_name()
        self.lines.append(f"let {name} = {self.number(self.pure)}")
        self.pure.append(name)

    def let_bool(self) -> None:
        name = self.new_name()
        condition = self.condition(self.pure)
        if self.lookback_ok and self.chance(3):
            self.features.looks_back = True
            count = self.pick(["1", "2", "2", "3"])
            condition = (
                f"{self.condition(self.pure, (), 1)} for {count} consecutive {PLURAL[self.kind]}"
            )
        self.lines.append(f"let {name} = {condition}")
        self.bools.append(name)

    def let_text(self) -> None:
        name = self.new_name()
        self.lines.append(f"let {name} = {self.pick(['department', 'role'])}")
        self.texts.append(name)

    def ranking(self, names: list[str]) -> str:
        """A ranking or a group value: both are taken among the non-vetoed employees."""
        if self.chance(2):
            return self.group_value(names)
        func = self.pick(["pyramid", "rank"])
        within = self.pick(["", "", " within department", " within role", " within grade"])
        operand = self.pick(names) if names and self.chance(2) else self.number(names)
        return f"{func}({operand}{within})"

    def group_value(self, names: list[str]) -> str:
        """``group_*(...)`` or ``top_share(...)`` (LANGUAGE.md 9.3), with or without
        `within`; the two that divide only where division is drawn."""
        funcs = ["group_count", "group_sum", "group_min", "group_max"]
        if self.division_ok:
            funcs += ["group_avg", "top_share", "top_share"]
        func = self.pick(funcs)
        within = self.pick(["", "", " within department", " within role", " within grade"])
        if func == "group_count":
            operand = self.condition(names)
        else:
            operand = self.pick(names) if names and self.chance(2) else self.number(names)
        text = f"{func}({operand}{within})"
        if func not in ("group_count", "group_sum") and self.chance(2):
            text = f"({text} default 0)"
        return text

    def let_ranked(self) -> None:
        name = self.new_name()
        self.lines.append(f"let {name} = {self.ranking(self.pure)}")
        self.ranked.append(name)

    def score(self) -> None:
        name = self.new_name()
        if self.chance(3):
            self.lines.append(f"score {name} = {self.number(self.pure)}")
            self.pure.append(name)
            return
        base = (
            self.pick(["100", "10", "0", "50.5"]) if not self.chance(5) else self.number(self.pure)
        )
        body = []
        for _ in range(self.draw(st.integers(1, 4))):
            body.append(self.adjustment(self.pick(["minus", "plus"]), self.pure))
        if self.chance(2):
            body.append(f"never below {self.pick(['0', '5', '95'])}")
        if self.chance(2):
            body.append(f"never above {self.pick(['100', '10', '99.5'])}")
        if len(body) > 1 and self.chance(2):
            body.reverse()  # clamps come first in the file: they still apply last
        inner = "\n    ".join(body)
        self.lines.append(f"score {name} starts at {base} {{\n    {inner}\n  }}")
        self.pure.append(name)

    def adjustment(self, word: str, names: list[str]) -> str:
        amount = self.pick(AMOUNTS) if not self.chance(5) else self.number(names)
        text = f"{word} {amount}"
        if self.draw(st.integers(0, 2)) > 0:
            text += f" per {self.event_ref()}"
        if self.chance(3):
            text += f" when {self.condition(names)}"
        if self.chance(3):
            cap = (
                self.pick(["1", "2", "3", "0.5", "10", "1.5"])
                if not self.chance(4)
                else (self.number(names))
            )
            text += f", at most {cap}"
        return text

    def tally(self) -> None:
        color = self.pick(["red", "red", "green"])
        names = self.pure + self.ranked
        if self.chance(4):
            self.lines.append(f"{color} {self.ranking(self.pure)}")
            return
        self.lines.append(self.adjustment(color, names))

    def veto(self, index: int) -> None:
        if self.chance(2):
            cond = f"count(complaint where {self.pick(EVENT_FILTERS['complaint'])}) > 0"
        else:
            cond = self.condition(self.pure)
        self.lines.append(f"veto {quote(self.label('veto', index))} when {cond}")

    def let_late(self) -> None:
        name = self.new_name()
        names = [*self.pure, *self.ranked, "red", "green", "net"]
        self.lines.append(f"let {name} = {self.number(names)}")
        self.late.append(name)

    def stars(self) -> None:
        self.has_stars = True
        key = self.pick([*self.pure, *self.ranked, *self.late, "net", "red", "green"])
        levels = sorted(
            self.draw(st.lists(st.integers(1, 5), min_size=1, max_size=4, unique=True)),
            reverse=True,
        )
        thresholds = sorted(
            self.draw(
                st.lists(
                    st.sampled_from(["0", "0.5", "1", "1.5", "2", "3", "4", "5", "10", "90"]),
                    min_size=len(levels),
                    max_size=len(levels),
                    unique=True,
                )
            ),
            key=Decimal,
            reverse=True,
        )
        body = [f"{lv} when {key} >= {t}" for lv, t in zip(levels, thresholds, strict=True)]
        if self.chance(4):
            # an unrelated condition in the middle: first matching line still wins
            body.insert(1, f"{self.pick(['3', '2'])} when {self.condition(self.pure)}")
        if self.chance(2):
            body.append(f"{self.pick(['1', '2'])} otherwise")
        inner = "\n    ".join(body)
        self.lines.append(f"stars {{\n    {inner}\n  }}")

    def award(self, index: int) -> None:
        keys_from = [*self.pure, *self.ranked, *self.late, "net", "red", "green"]
        if self.has_stars:
            keys_from.append("stars")
        top = self.draw(st.integers(0, 2)) > 0
        name = self.label("award", index)
        text = f"award {quote(name)}"
        if top:
            count = self.pick(["1", "1", "2", "3", "50%", "34%", "100%", "10%"])
            text += f" to top {count} by {self.pick(keys_from)}"
            for _ in range(self.draw(st.integers(0, 2))):
                text += f" then by {self.pick(keys_from)}"
            if self.chance(2):
                within = self.pick(["department", "department", "role"])
                text += f" within {within}"
                if self.chance(3):
                    # A quota by group, read from the `within` attribute (LANGUAGE 9.4).
                    quota = self.match(within, TEXT_KEYS, QUOTAS)
                    text = text.replace(f" to top {count} by", f" to top {quota} by", 1)
        extra = [f"awarded({quote(a)})" for a in self.awards]
        if self.lookback_ok and self.chance(3):
            extra.append(f"not previous(awarded({quote(name)}))")  # an award's own history
        if self.has_stars:
            extra += ["stars >= 3", "stars = 5"]
        if self.chance(2):
            text += f" when {self.condition(keys_from, extra)}"
        elif self.lookback_ok and self.chance(3):
            self.features.looks_back = True
            text += (
                f" when {self.condition(keys_from, extra, 1)} for {self.pick(['2', '3'])} "
                f"consecutive {PLURAL[self.kind]}"
            )
        if self.chance(2):
            text += f" with reward {self.pick(['100', '50.5', '0.25'])}"
        self.lines.append(text)
        self.awards.append(name)

    def reward(self) -> None:
        if self.has_stars and self.chance(2):
            levels = self.draw(st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True))
            amounts = ", ".join(f"{lv}: {self.pick(['500', '300', '200.5', '0.75', '50'])}"
                                for lv in levels)  # fmt: skip
            self.lines.append(f"reward by stars {{ {amounts} }}")
            return
        names = [*self.pure, *self.ranked, *self.late]
        amount = self.pick(["10", "2.5"]) if self.chance(2) else self.number(names)
        text = f"reward {amount}"
        if self.chance(2):
            extra = [f"awarded({quote(a)})" for a in self.awards]
            text += f" when {self.condition(names, extra)}"
        self.lines.append(text)

    def build(self) -> str:
        d = self.draw
        for _ in range(d(st.integers(1, 3))):
            self.let_pure()
        if self.chance(4):
            self.let_bool()
        if self.chance(8):
            self.let_text()
        if self.chance(3):
            self.score()
        if self.chance(3):
            self.let_ranked()
        for _ in range(d(st.integers(0, 4))):
            self.tally()
        for i in range(d(st.integers(0, 2))):
            self.veto(i + 1)
        if self.chance(3):
            self.let_late()
        if self.will_have_stars:
            self.stars()
        for i in range(d(st.integers(0, 3))):
            self.award(i + 1)
        for _ in range(d(st.integers(0, 2))):
            self.reward()
        lines = list(self.lines)
        if self.chance(2):
            lines = d(st.permutations(lines))  # order in the file does not matter
        header = "each " + ("week ending " + self.week_ending if self.kind == "week" else self.kind)
        return header + " {\n  " + "\n  ".join(lines) + "\n}\n"

    week_ending = "sunday"


@dataclass
class Scenario:
    policy: str
    data: Data
    target: P.Instance
    features: Features

    def describe(self) -> str:
        lines = ["--- policy", self.policy, f"--- target {self.target.label}", "--- roster"]
        lines += [",".join(e.csv_row().values()) for e in self.data.roster]
        lines.append("--- events (event_id, employee, type, occurred_at, value, attrs)")
        lines += [
            f"{e.event_id},{e.employee_id},{e.type},{e.occurred_at()},{e.value},{e.attrs}"
            for e in self.data.events
        ]
        lines.append(
            f"--- late {[e.event_id for e in self.data.events if e.late]}, voided (id, late) "
            f"{self.data.voided}, as of {self.data.as_of.isoformat()}, {self.data.file_format}"
        )
        if self.data.roster_v2 is not None:
            lines.append("--- roster v2")
            lines += [",".join(e.csv_row().values()) for e in self.data.roster_v2]
        return "\n".join(lines)


# (block kinds, week ending, targets); targets are labels of the longest kind.
SHAPES = [
    (("week", "month"), "sunday", ["2026-01", "2026-02", "2026-03"]),
    (("week", "month"), "saturday", ["2026-01", "2025-12"]),
    (("month", "quarter"), None, ["2026-Q1", "2025-Q4"]),
    (("month",), None, ["2026-01", "2026-02", "2025-12"]),
    (("week",), "sunday", ["2026-W01", "2026-W05", "2026-W09"]),
    (("week",), "wednesday", ["2026-W01", "2026-W09"]),
    (("week", "month", "quarter"), "sunday", ["2026-Q1"]),
    (("quarter", "half"), None, ["2026-H1"]),
]


@st.composite
def scenarios(draw: st.DrawFn, *, division_ok: bool = False, lookback_ok: bool = False) -> Scenario:
    kinds, week_ending, targets = draw(st.sampled_from(SHAPES))
    target = P.parse_period(draw(st.sampled_from(targets)), week_ending)
    features = Features()
    parts = []
    subs: list[SubInfo] = []
    for kind in kinds:
        gen = BlockGen(draw, kind, subs, features, division_ok=division_ok, lookback_ok=lookback_ok)
        if kind == "week":
            gen.week_ending = week_ending or "sunday"
        parts.append(gen.build())
        numbers = gen.pure + gen.ranked + gen.late
        subs = [*subs, SubInfo(kind, numbers, gen.bools, gen.awards, gen.has_stars)]
    zone = draw(st.sampled_from(ZONES))
    header = ['policy "differential"']
    if zone is not None:
        header.append(f"timezone {quote(zone)}")
    if draw(st.integers(0, 3)) == 0:
        header.append("applies to " + draw(st.sampled_from([
            'role = "desk"', "tenure >= 1", 'grade >= 2 or department = "A"',
            'department != "C"', "tenure < 3", "hire_date < 2025-09-01",
            "(leave_date default 2099-12-31) >= 2025-11-15",
        ])))  # fmt: skip
    text = "\n".join(header) + "\n\n" + "\n".join(parts)
    # Data: mostly from two months (look-back, history) before the target to a few days
    # after it; sometimes history starts inside the target, or after it.
    last = target.end + timedelta(days=draw(st.sampled_from([0, 3, 20])))
    first = draw(st.sampled_from([
        P.add_months(target.start, -2) - timedelta(days=draw(st.integers(0, 10))),
        P.add_months(target.start, -14),  # for the windows of a year and more
        P.add_months(target.start, -2),
        target.start - timedelta(days=1),
        target.start + timedelta(days=draw(st.integers(0, target.days - 1))),
        target.end + timedelta(days=1),
    ]))  # fmt: skip
    last = max(last, first + timedelta(days=3))
    key_days = [target.start, target.end, target.start - timedelta(days=1)]
    if target.end + timedelta(days=1) <= last:
        key_days.append(target.end + timedelta(days=1))
    data = draw(data_for((first, last), key_days, zone or "UTC"))
    if len(kinds) > 1 and draw(st.integers(0, 5)) == 0:
        # run one instance of the shorter block (only that block is evaluated)
        nested = P.instances_within(kinds[0], target.start, target.end, week_ending)
        target = draw(st.sampled_from(nested))
    return Scenario(text, data, target, features)
