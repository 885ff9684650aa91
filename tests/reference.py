"""A readable, slow, pure-Python evaluator of the policy AST: the test oracle.

It implements docs/language.md sections 3-6 as directly as possible, with plain loops over
days, employees and events, so that the DuckDB engine can be compared against it row by
row. It is NOT the engine and is never used by the package.

It shares as little as possible with the production code, so that a bug there is not
shared by both sides of a differential test:

- its own calendar (:class:`Calendar`): period instances, labels, nesting and ``tenure``
  are found by walking days with :class:`datetime.date`, not by the engine's period
  arithmetic;
- its own evaluation order: a value is worked out when something first needs it
  (memoised recursion over the block's definitions), not in the checker's dependency order.

It reads only the parser's AST, the parsed policy and the catalog (for which names are
roster attributes); it never imports the checker, the compiler or the engine.

    evaluate(policy, period, roster, events) -> list[dict]

- ``period``: the label of the instance being run (``2026-W44``, ``2026-10``, ``2026-Q4``,
  ``2026-H2``, ``2026``); its kind must be a block kind of the policy, and a week label is
  read with the policy's own week ending.
- ``roster``: dicts with ``employee_id``, ``name``, ``hire_date`` (date), ``leave_date``
  (date or None) and any roster attributes (str, Decimal, bool, date or None).
- ``events``: dicts with ``employee_id``, ``type``, ``local_date`` (date, already in the
  policy's zone; as-of and voids already applied), ``value`` (Decimal or None) and any
  event attributes (a missing attribute is an absent key or None).

The result is the rows of the run (docs/data.md section 5): the target block's instance
and every shorter block's instances whose last day lies in it, one row per rated employee
per instance, sorted by ``(period_end, employee_id)`` (shorter kind first on a tie).

A policy the checker would refuse is not always noticed here; the reference raises
``ValueError`` for the errors it meets while evaluating (an unknown name, a value that
depends on itself), which is enough for an oracle that is only given checked policies.

Decisions taken here where docs/language.md leaves something open are marked
``DECISION`` in the code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal

from starrating.language import ast as A
from starrating.language.catalog import Catalog

__all__ = [
    "WEEKDAYS",
    "Calendar",
    "Instance",
    "evaluate",
    "iso_week_label",
    "norm",
    "tenure_months",
]

Value = Decimal | str | bool | date | None

ZERO = Decimal(0)
PLACES = Decimal("1e-18")  # every intermediate result (docs/language.md, Numbers)
SHOWN = Decimal("1e-6")  # comparisons, and the values a row stores and shows
# Enough digits that no intermediate result is rounded before it is quantised.
CTX = Context(prec=80, rounding=ROUND_HALF_UP)

ONE_DAY = timedelta(days=1)
# Shortest first: the order in which blocks nest (docs/language.md section 3).
KINDS = ("week", "month", "quarter", "half", "year")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
BUILT_IN_RESULTS = ("red", "green", "net", "stars")


# ---- the calendar, day by day -------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    """One period instance: a run of local days (both ends included) with its label."""

    kind: str
    start: date
    end: date
    label: str

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += ONE_DAY

    def json_fields(self) -> dict[str, str]:
        return {
            "period": self.label,
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
        }


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def iso_week_label(day: date) -> str:
    """``YYYY-Www`` of the Monday-to-Sunday week holding ``day``, worked out from the ISO
    rule itself: a week belongs to the year of its Thursday, and week 1 is the one holding
    that year's first Thursday."""
    monday = day
    while weekday_name(monday) != "monday":
        monday -= ONE_DAY
    thursday = monday + 3 * ONE_DAY
    first_thursday = date(thursday.year, 1, 1)
    while weekday_name(first_thursday) != "thursday":
        first_thursday += ONE_DAY
    number = (thursday - first_thursday).days // 7 + 1
    return f"{thursday.year:04d}-W{number:02d}"


class Calendar:
    """The period instances of one policy, whose weeks end on ``week_ending``.

    Every kind is defined by one question about a single day, "which instance does this
    day fall in?" (:meth:`bucket`); an instance is then the longest run of consecutive
    days with the same answer, found by walking day by day. Nothing here does period
    arithmetic, so it cannot share a mistake with code that does.
    """

    def __init__(self, week_ending: str = "sunday") -> None:
        if week_ending not in WEEKDAYS:
            raise ValueError(f"not a weekday: {week_ending!r}")
        self.week_ending = week_ending
        self._found: dict[tuple[str, object], Instance] = {}

    def bucket(self, kind: str, day: date) -> object:
        """A key equal for two days exactly when they lie in the same instance of ``kind``."""
        if kind == "week":
            last = day  # a week is named here by its last day: the next `week_ending`
            while weekday_name(last) != self.week_ending:
                last += ONE_DAY
            return last
        if kind == "month":
            return (day.year, day.month)
        if kind == "quarter":
            return (day.year, (day.month - 1) // 3)
        if kind == "half":
            return (day.year, (day.month - 1) // 6)
        if kind == "year":
            return day.year
        raise ValueError(f"not a period kind: {kind!r}")

    def containing(self, kind: str, day: date) -> Instance:
        """The instance of ``kind`` that holds ``day``."""
        key = (kind, self.bucket(kind, day))
        if key not in self._found:
            start = end = day
            while self.bucket(kind, start - ONE_DAY) == key[1]:
                start -= ONE_DAY
            while self.bucket(kind, end + ONE_DAY) == key[1]:
                end += ONE_DAY
            self._found[key] = Instance(kind, start, end, self.label(kind, end))
        return self._found[key]

    @staticmethod
    def label(kind: str, end: date) -> str:
        """The label of the instance ending on ``end``: weeks by the ISO week of their last
        day (docs/language.md section 3.1), the others by their calendar position."""
        if kind == "week":
            return iso_week_label(end)
        if kind == "month":
            return f"{end.year:04d}-{end.month:02d}"
        if kind == "quarter":
            return f"{end.year:04d}-Q{(end.month - 1) // 3 + 1}"
        if kind == "half":
            return f"{end.year:04d}-H{(end.month - 1) // 6 + 1}"
        return f"{end.year:04d}"

    @staticmethod
    def kind_of_label(label: str) -> str:
        if len(label) == 4:
            return "year"
        return {"W": "week", "Q": "quarter", "H": "half"}.get(label[5], "month")

    def parse(self, label: str) -> Instance:
        """The instance called ``label``: the first one, walking the days around its year,
        that carries that label."""
        kind = self.kind_of_label(label)
        year = int(label[:4])
        day = date(year, 1, 1) - 14 * ONE_DAY  # an ISO week 1 may start in late December
        while day <= date(year, 12, 31) + 14 * ONE_DAY:
            found = self.containing(kind, day)
            if found.label == label:
                return found
            day = found.end + ONE_DAY
        raise ValueError(f"no {kind} is labelled {label!r}")

    def within(self, kind: str, outer: Instance) -> list[Instance]:
        """The instances of ``kind`` whose last day lies in ``outer`` (docs/language.md
        section 3.2: a week belongs to the month of its last day), in time order."""
        return [
            self.containing(kind, day)
            for day in outer.days()
            if self.bucket(kind, day + ONE_DAY) != self.bucket(kind, day)
        ]

    def previous(self, inst: Instance) -> Instance:
        return self.containing(inst.kind, inst.start - ONE_DAY)

    def next(self, inst: Instance) -> Instance:
        return self.containing(inst.kind, inst.end + ONE_DAY)


def last_day_of_month(year: int, month: int) -> date:
    day = date(year, month, 28)
    while (day + ONE_DAY).month == month:
        day += ONE_DAY
    return day


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, keeping the day of the month or taking the
    month's last day when it is shorter (docs/language.md section 5.4)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = index // 12, index % 12 + 1
    return min(date(year, month, 1) + (day.day - 1) * ONE_DAY, last_day_of_month(year, month))


def tenure_months(hire_date: date, last_day: date) -> int:
    """The largest k with ``add_months(hire_date, k) <= last_day``, found by stepping k
    (negative for someone hired after ``last_day``, as the definition gives)."""
    k = 0
    while add_months(hire_date, k) > last_day:
        k -= 1
    while add_months(hire_date, k + 1) <= last_day:
        k += 1
    return k


# ---- numbers ----------------------------------------------------------------------------


def q(d: Decimal) -> Decimal:
    """Quantise to 18 places after the point, half away from zero."""
    return d.quantize(PLACES, rounding=ROUND_HALF_UP, context=CTX)


def shown(d: Decimal) -> Decimal:
    """Rounded to the 6 places values are compared, stored and shown at, half away from
    zero (Python's ROUND_HALF_UP rounds halves away from zero, for negatives too)."""
    return d.quantize(SHOWN, rounding=ROUND_HALF_UP, context=CTX)


def number_out(d: Decimal) -> Decimal:
    """A number of a result row: shown (6 places), without trailing zeros."""
    result = norm(shown(d))
    assert result is not None
    return result


def norm(d: Decimal | None) -> Decimal | None:
    """Decimal('7.5000') -> Decimal('7.5'), Decimal('3.00') -> Decimal('3'), 1E+2 -> 100."""
    if d is None:
        return None
    d = d.normalize(context=CTX)
    if d == 0:
        return Decimal(0)
    if d.as_tuple().exponent > 0:
        d = d.quantize(Decimal(1), context=CTX)
    return d


def arith(op: str, a: Value, b: Value) -> Decimal | None:
    """``+ - * /`` on decimals; missing in, missing out; ``x / 0`` is missing."""
    if a is None or b is None:
        return None
    assert isinstance(a, Decimal) and isinstance(b, Decimal), (op, a, b)
    if op == "+":
        return q(CTX.add(a, b))
    if op == "-":
        return q(CTX.subtract(a, b))
    if op == "*":
        return q(CTX.multiply(a, b))
    if op == "/":
        if b == 0:
            return None
        return q(CTX.divide(a, b))
    raise AssertionError(op)


def average(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return q(CTX.divide(sum(values, ZERO), Decimal(len(values))))


def truthy(v: Value) -> bool:
    """A condition: missing (and anything but ``true``) counts as false."""
    return v is True


def equal(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, bool) != isinstance(b, bool):  # Python says True == Decimal(1)
        return False
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return shown(a) == shown(b)
    return a == b


def compare(op: str, a: Value, b: Value) -> bool:
    """Comparisons; a missing side makes every comparison false (``!=`` too)."""
    if a is None or b is None:
        return False
    if op == "=":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        a, b = shown(a), shown(b)
    elif type(a) is not type(b):
        raise TypeError(f"cannot order {a!r} and {b!r}")
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    if op == ">=":
        return a >= b  # type: ignore[operator]
    raise AssertionError(op)


def fold(func: str, values: list) -> Decimal | None:
    """sum / avg / min / max of the non-missing values (sum of none is 0, others missing)."""
    if func == "sum":
        total = ZERO
        for v in values:
            total = arith("+", total, v)  # type: ignore[assignment]
        return total
    if func == "avg":
        return average(values)
    if not values:
        return None
    return min(values) if func == "min" else max(values)


def _group_key(value: Value) -> tuple:
    """The key of a `within` group: a missing attribute is a group of its own."""
    return ("missing",) if value is None else ("value", value)


def _shown_or_none(v: Value) -> Value:
    return shown(v) if isinstance(v, Decimal) and not isinstance(v, bool) else v


def ahead(a: list[Value], b: list[Value]) -> bool:
    """True when ranking keys ``a`` put their employee strictly before ``b``'s: higher
    first key wins, then the next key...; a missing later key sorts last."""
    for x, y in zip(a, b, strict=True):
        if x is None and y is None:
            continue
        if y is None:
            return True
        if x is None:
            return False
        x, y = shown(x), shown(y)  # type: ignore[arg-type]
        if x != y:
            return x > y
    return False


def out(v: object) -> object:
    """A `values` entry: numbers normalised, other values as they are.

    DECISION: a `let` holding a condition reports true/false (or null when missing, e.g.
    `previous(awarded("X"))` for someone not rated then); a text `let` reports the text."""
    return number_out(v) if isinstance(v, Decimal) else v


def policy_error(message: str) -> ValueError:
    return ValueError(f"the policy has errors: {message}")


# ---- expressions ------------------------------------------------------------------------


class Scope:
    """What names mean where an expression stands. Subclasses answer names, `awarded`,
    and the block-only constructs (aggregates, rankings, look-backs)."""

    def name(self, name: str) -> Value:
        raise NotImplementedError

    def awarded(self, award: str) -> Value:
        raise policy_error(f'awarded("{award}") is not allowed here')

    def special(self, expr: A.Expr) -> Value:
        raise policy_error(f"{type(expr).__name__} is not allowed here")


def ev(expr: A.Expr, scope: Scope) -> Value:
    """The value of ``expr`` in ``scope``: Decimal, str, bool, date or None (missing)."""
    match expr:
        case A.Number():
            return expr.value
        case A.String() | A.Boolean():
            return expr.value
        case A.Date():
            return date.fromisoformat(expr.text)
        case A.Name():
            return scope.name(expr.name)
        case A.Unary(op="not"):
            return not truthy(ev(expr.operand, scope))
        case A.Unary():
            operand = ev(expr.operand, scope)
            return None if operand is None else q(-operand)  # type: ignore[operator]
        case A.Binary(op="and"):
            return truthy(ev(expr.left, scope)) and truthy(ev(expr.right, scope))
        case A.Binary(op="or"):
            return truthy(ev(expr.left, scope)) or truthy(ev(expr.right, scope))
        case A.Binary(op="default"):
            left = ev(expr.left, scope)
            return ev(expr.right, scope) if left is None else left
        case A.Binary(op="+" | "-" | "*" | "/"):
            return arith(expr.op, ev(expr.left, scope), ev(expr.right, scope))
        case A.Binary():
            return compare(expr.op, ev(expr.left, scope), ev(expr.right, scope))
        case A.InList():
            # DECISION: `x in [...]` and `x not in [...]` are comparisons, so both are
            # false when x is missing; missing items never match.
            operand = ev(expr.operand, scope)
            if operand is None:
                return False
            found = any(equal(operand, ev(item, scope)) for item in expr.items)
            return not found if expr.negated else found
        case A.Match():
            # The first key equal to the subject (as `=` compares); a missing subject
            # equals no key, so `otherwise` (or missing) is the value.
            subject = ev(expr.subject, scope)
            for arm in expr.arms:
                if equal(subject, arm.key.value):
                    return ev(arm.value, scope)
            return None if expr.otherwise is None else ev(expr.otherwise, scope)
        case A.Awarded():
            return scope.awarded(expr.award)
    return scope.special(expr)


class HeaderScope(Scope):
    """`applies to`: roster attributes and `tenure` at the instance's last day."""

    def __init__(self, run: Run, employee: dict, inst: Instance) -> None:
        self.run = run
        self.employee = employee
        self.inst = inst

    def name(self, name: str) -> Value:
        if name == "tenure":
            return tenure(self.employee, self.inst)
        return self.run.roster_attribute(self.employee, name)


class EventScope(Scope):
    """A `where` filter over one event: names are that event's attributes (and `value`)."""

    def __init__(self, event: dict) -> None:
        self.event = event

    def name(self, name: str) -> Value:
        return self.event.get(name)


class RowScope(Scope):
    """One sub-period result row of an employee (`weeks where ...`, `weeks.net`):
    docs/language.md section 5.7 lists its names."""

    def __init__(self, ctx: InstanceEval, employee_id: str) -> None:
        self.ctx = ctx
        self.employee_id = employee_id

    def name(self, name: str) -> Value:
        ctx = self.ctx
        if name in ctx.rules.definitions:
            return ctx.value(f"def:{name}", self.employee_id)
        if name in (*BUILT_IN_RESULTS, "reward"):
            return ctx.value(name, self.employee_id)  # stars is missing when vetoed
        return ctx.run.roster_attribute(ctx.employees[self.employee_id], name)

    def awarded(self, award: str) -> Value:
        return self.ctx.value(f"award:{award}", self.employee_id)  # false when vetoed


class BlockScope(Scope):
    """An expression of a block statement, for one employee in one instance."""

    def __init__(self, ctx: InstanceEval, employee_id: str) -> None:
        self.ctx = ctx
        self.employee_id = employee_id

    def name(self, name: str) -> Value:
        ctx, e = self.ctx, self.employee_id
        if name in ctx.rules.definitions:
            return ctx.value(f"def:{name}", e)  # type: ignore[return-value]
        if name in BUILT_IN_RESULTS:
            return ctx.value(name, e)  # type: ignore[return-value]
        if name == "tenure":
            return tenure(ctx.employees[e], ctx.inst)
        return ctx.run.roster_attribute(ctx.employees[e], name)

    def awarded(self, award: str) -> Value:
        if award not in self.ctx.rules.awards:
            raise policy_error(f'awarded("{award}"): no such award in this block')
        return self.ctx.value(f"award:{award}", self.employee_id)  # type: ignore[return-value]

    def special(self, expr: A.Expr) -> Value:
        ctx, e = self.ctx, self.employee_id
        match expr:
            case A.Aggregate(over_periods=True):
                return ctx.period_aggregate(expr, e)
            case A.Aggregate():
                return ctx.event_aggregate(expr, e)
            case A.Wins():
                return ctx.wins(expr.award, e)
            case A.Ranking():
                return ctx.ranking(expr, e)
            case A.GroupAggregate():
                return ctx.group_value(expr, e)
            case A.Previous():
                return ctx.previous(expr, e)
            case A.Consecutive():
                return ctx.consecutive(expr, e)
        raise AssertionError(expr)


def tenure(employee: dict, inst: Instance) -> Decimal | None:
    hire = employee.get("hire_date")
    if hire is None:
        return None
    return Decimal(tenure_months(hire, inst.end))


# ---- what a block says ------------------------------------------------------------------


class BlockRules:
    """The statements of one block, sorted by what they define. Definitions and awards keep
    the order of the text: that is the order of `values` and `awards` in a result row."""

    def __init__(self, block: A.Block) -> None:
        self.kind = block.period.kind
        self.statements = block.statements
        self.definitions: dict[str, A.Let | A.ScoreValue | A.ScoreBuilt] = {}
        self.awards: dict[str, A.Award] = {}
        for statement in block.statements:
            if isinstance(statement, A.Let | A.ScoreValue | A.ScoreBuilt):
                self.definitions[statement.name] = statement
            elif isinstance(statement, A.Award):
                self.awards[statement.name] = statement
        self.looks_back = any(
            isinstance(node, A.Previous | A.Consecutive) for node in A.walk(block)
        )


# ---- the whole run ----------------------------------------------------------------------


class Run:
    """Everything shared by the instance evaluations of one run: the policy's blocks, its
    calendar, the roster, the events by employee and type, where history starts, and the
    memo of instance evaluations (per kind, per instance)."""

    def __init__(
        self,
        policy: A.Policy,
        period: str,
        roster: list[dict],
        events: list[dict],
        catalog: Catalog | None = None,
    ):
        self.policy = policy
        self.roster_attributes = set((catalog or Catalog()).roster)
        self.blocks = {block.period.kind: BlockRules(block) for block in policy.blocks}
        week = policy.block("week")
        self.calendar = Calendar((week.period.week_ending if week else None) or "sunday")
        kind = Calendar.kind_of_label(period)
        if kind not in self.blocks:
            raise ValueError(f"the policy has no `each {kind}` block")
        self.target = self.calendar.parse(period)
        self.roster = sorted(roster, key=lambda e: e["employee_id"])
        self.events: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for event in sorted(events, key=lambda e: e["local_date"]):
            self.events[(event["employee_id"], event["type"])].append(event)
        # History starts at the earliest event's local date (any type, any employee);
        # with no events, at the period being run.
        self.history_date = min((e["local_date"] for e in events), default=self.target.start)
        # DECISION: the history start only limits LOOKING BACK (`previous`, `for N
        # consecutive`): an earlier instance of a kind that ends before the instance of
        # that kind containing `history_date` counts as "not rated" there. Every instance
        # that is evaluated at all (the run's own instances, and the sub-periods nested in
        # any evaluated instance, e.g. the weeks of a month looked back at) is evaluated
        # in full with its real rated population, whether or not it lies before the
        # history start. So an instance's results never depend on which run asked for it.
        self.award_kind = {
            name: kind for kind, rules in self.blocks.items() for name in rules.awards
        }
        self.memo: dict[Instance, InstanceEval] = {}

    def roster_attribute(self, employee: dict, name: str) -> Value:
        if name not in self.roster_attributes:
            raise policy_error(f"`{name}` is neither defined here nor a roster attribute")
        return employee.get(name)

    def history_start(self, kind: str) -> Instance:
        return self.calendar.containing(kind, self.history_date)

    def instance(self, inst: Instance) -> InstanceEval:
        """The (memoised) evaluation of one instance; its values are worked out on demand.

        For a block that looks back, the earlier instances from the history start are
        settled first, oldest first, so that a chain of `previous(...)` finds each one
        already worked out instead of recursing through all of history at once."""
        if inst not in self.memo:
            self.memo[inst] = InstanceEval(self, self.blocks[inst.kind], inst)
            if self.blocks[inst.kind].looks_back:
                earlier = self.history_start(inst.kind)
                while earlier.end < inst.end:
                    self.instance(earlier).settle()
                    earlier = self.calendar.next(earlier)
        return self.memo[inst]

    def looked_back(self, inst: Instance) -> InstanceEval | None:
        """An earlier instance as seen by `previous` / `for N consecutive`: None (nobody
        rated) when it ends before the instance in which history starts."""
        if inst.end < self.history_start(inst.kind).end:
            return None
        return self.instance(inst)

    def is_rated(self, employee: dict, inst: Instance) -> bool:
        """docs/language.md section 3.3: employed on a day of it, and `applies to` holds."""
        hire, leave = employee.get("hire_date"), employee.get("leave_date")
        if hire is not None and hire > inst.end:
            return False
        if leave is not None and leave < inst.start:
            return False
        applies = self.policy.applies_to
        return applies is None or truthy(ev(applies, HeaderScope(self, employee, inst)))

    def events_in(self, employee_id: str, event_type: str, inst: Instance) -> list[dict]:
        return [
            e
            for e in self.events.get((employee_id, event_type), [])
            if inst.contains(e["local_date"])
        ]

    def rows(self) -> list[dict]:
        # DECISION: rows of different kinds ending on the same day with the same employee
        # (a week ending 31 May and May) are ordered shorter kind first.
        rows: list[dict] = []
        top = KINDS.index(self.target.kind)
        for kind in KINDS[: top + 1]:
            if kind not in self.blocks:
                continue
            for inst in self.calendar.within(kind, self.target):
                rows += result_rows(self.instance(inst))
        rows.sort(key=lambda r: (r["period_end"], r["employee_id"], KINDS.index(r["_kind"])))
        for row in rows:
            del row["_kind"]
        return rows


# ---- one instance -----------------------------------------------------------------------


class InstanceEval:
    """The values of one block for one period instance, for every rated employee.

    Each value of an employee ("def:NAME", "red", "green", "net", "veto", "stars",
    "award:NAME", "reward") is worked out the first time something asks for it, by
    evaluating the statements that define it, and remembered. Nothing is ordered in
    advance: the recursion itself follows the dependencies, and a value met again while it
    is still being worked out is a cycle.
    """

    def __init__(self, run: Run, rules: BlockRules, inst: Instance) -> None:
        self.run = run
        self.rules = rules
        self.kind = rules.kind
        self.inst = inst
        self.employees = {e["employee_id"]: e for e in run.roster if run.is_rated(e, inst)}
        self.known: dict[tuple[str, str], object] = {}
        self.working_out: set[tuple[str, str]] = set()
        self.winners_of: dict[str, set[str]] = {}
        self.rankings: dict[int, dict[str, Decimal | None]] = {}

    def rated(self, employee_id: str) -> bool:
        return employee_id in self.employees

    def value(self, node: str, employee_id: str) -> object:
        key = (node, employee_id)
        if key not in self.known:
            if key in self.working_out:
                raise policy_error(f"`{node}` depends on itself in the {self.kind} block")
            self.working_out.add(key)
            try:
                self.known[key] = self.work_out(node, employee_id)
            finally:
                self.working_out.discard(key)
        return self.known[key]

    def work_out(self, node: str, e: str) -> object:
        if node.startswith("def:"):
            return self.definition(self.rules.definitions[node[4:]], e)
        if node.startswith("award:"):
            return e in self.winners(node[6:])
        if node in ("red", "green"):
            return self.tally(node, e)
        if node == "net":
            return arith("-", self.value("red", e), self.value("green", e))
        if node == "veto":
            return self.veto_reasons(e)
        if node == "stars":
            return self.stars(e)
        if node == "reward":
            return self.reward(e)
        raise AssertionError(node)

    def vetoed(self, employee_id: str) -> bool:
        return bool(self.value("veto", employee_id))

    def expr(self, expr: A.Expr, employee_id: str) -> Value:
        return ev(expr, BlockScope(self, employee_id))

    # -- statements

    def definition(self, definition: A.Let | A.ScoreValue | A.ScoreBuilt, e: str) -> Value:
        if isinstance(definition, A.Let | A.ScoreValue):
            return self.expr(definition.expr, e)
        score = self.expr(definition.base, e)
        if score is None:
            return None  # a score whose base is missing is missing
        for adjustment in definition.adjustments:
            if isinstance(adjustment, A.Adjust):
                amount = self.line(adjustment, e)
                score = arith("-" if adjustment.kind == "minus" else "+", score, amount)
        # Clamps after all adjustments: every `never below`, then every `never above`.
        for kind in ("below", "above"):
            for clamp in definition.adjustments:
                if isinstance(clamp, A.Clamp) and clamp.kind == kind:
                    bound = self.expr(clamp.bound, e)
                    if bound is None:
                        continue
                    if (kind == "below" and score < bound) or (kind == "above" and score > bound):
                        score = bound
        return score

    def line(self, line: A.Tally | A.Adjust, e: str) -> Decimal:
        """One red/green line or minus/plus adjustment: amount [x count(EVENT)], 0 when
        `when` is false or the amount is missing, then capped by `at most` (upper bound
        only; a missing cap does not cap).

        DECISION: a false `when` gives 0 before (and regardless of) the cap; the amount
        times the count is quantised like any product."""
        if line.when is not None and not truthy(self.expr(line.when, e)):
            return ZERO
        total = self.expr(line.amount, e)
        if line.per is not None:
            total = arith("*", total, self.count_events(e, line.per.type, line.per.where))
        if total is None:
            return ZERO
        if line.at_most is not None:
            cap = self.expr(line.at_most, e)
            if cap is not None and total > cap:
                total = cap
        return total

    def tally(self, color: str, e: str) -> Decimal:
        total = ZERO
        for statement in self.rules.statements:
            if isinstance(statement, A.Tally) and statement.color == color:
                total = arith("+", total, self.line(statement, e))
        return total

    def veto_reasons(self, e: str) -> list[str]:
        return [
            s.reason
            for s in self.rules.statements
            if isinstance(s, A.Veto) and truthy(self.expr(s.condition, e))
        ]

    def stars(self, e: str) -> Decimal | None:
        if self.vetoed(e):
            return None
        for statement in self.rules.statements:
            if isinstance(statement, A.Stars):
                for line in statement.lines:
                    if line.condition is None or truthy(self.expr(line.condition, e)):
                        return line.level.value
        return None

    def winners(self, name: str) -> set[str]:
        """Who wins an award in this instance: worked out once for everyone, since a
        `top` award compares employees."""
        if name not in self.winners_of:
            self.winners_of[name] = self.choose_winners(self.rules.awards[name])
        return self.winners_of[name]

    def choose_winners(self, award: A.Award) -> set[str]:
        candidates = [
            e
            for e in self.employees
            if not self.vetoed(e) and (award.when is None or truthy(self.expr(award.when, e)))
        ]
        top = award.top
        if top is None:
            return set(candidates)
        keyed = {e: [self.expr(k, e) for k in top.keys] for e in candidates}
        keyed = {e: keys for e, keys in keyed.items() if keys[0] is not None}
        winners: set[str] = set()
        for group in self.groups(list(keyed), top.within).values():
            for e in group:
                rank = 1 + sum(1 for other in group if ahead(keyed[other], keyed[e]))
                limit = self.places(top, len(group), e)
                if limit is not None and rank <= limit:
                    winners.add(e)
        return winners

    def places(self, top: A.TopClause, candidates: int, e: str) -> int | None:
        """How many places of e's group win: a bare percentage of its candidates (rounded
        up), or the quota worked out for e (all of a group share it), at 6 places and
        rounded down; None when the quota is missing."""
        if isinstance(top.count, A.Number) and top.count.is_percent:
            share = CTX.multiply(top.count.value, Decimal(candidates))
            return max(int(share.to_integral_value(rounding=ROUND_CEILING)), 1)
        quota = self.expr(top.count, e)
        if quota is None:
            return None
        assert isinstance(quota, Decimal)
        return int(shown(quota).to_integral_value(rounding=ROUND_FLOOR))

    def reward(self, e: str) -> Decimal:
        if self.vetoed(e):
            return ZERO
        total = ZERO
        for statement in self.rules.statements:
            if isinstance(statement, A.Reward):
                if statement.when is None or truthy(self.expr(statement.when, e)):
                    total = arith("+", total, self.amount(statement.amount, e))
            elif isinstance(statement, A.RewardByStars):
                stars = self.value("stars", e)
                for entry in statement.entries:
                    if stars is not None and entry.level.value == stars:
                        total = arith("+", total, self.amount(entry.amount, e))
        for name, award in self.rules.awards.items():
            if award.reward is not None and self.value(f"award:{name}", e):
                total = arith("+", total, self.amount(award.reward, e))
        return total  # type: ignore[return-value]

    def amount(self, expr: A.Expr, e: str) -> Decimal:
        value = self.expr(expr, e)
        return ZERO if value is None else value  # type: ignore[return-value]

    # -- groups, rankings, aggregates, look-backs

    def groups(self, ids: list[str], within: str | None) -> dict[object, list[str]]:
        """Employees by the value of a roster attribute (missing = a group of its own)."""
        groups: dict[object, list[str]] = defaultdict(list)
        for e in ids:
            key = self.run.roster_attribute(self.employees[e], within) if within else None
            groups[_group_key(key)].append(e)
        return groups

    def ranking(self, ranking: A.Ranking, e: str) -> Decimal | None:
        key = id(ranking)
        if key not in self.rankings:
            result: dict[str, Decimal | None] = {x: None for x in self.employees}
            eligible = [x for x in self.employees if not self.vetoed(x)]
            for group in self.groups(eligible, ranking.within).values():
                # Ranked as shown: values that compare equal tie.
                values = {x: _shown_or_none(self.expr(ranking.operand, x)) for x in group}
                present = [v for v in values.values() if v is not None]
                distinct = sorted(set(present))  # for pyramid: lowest distinct value -> 1
                for x, v in values.items():
                    if ranking.func == "pyramid":
                        result[x] = ZERO if v is None else Decimal(distinct.index(v) + 1)
                    else:
                        result[x] = (
                            None if v is None else Decimal(1 + sum(1 for o in present if o > v))
                        )
            self.rankings[key] = result
        return self.rankings[key][e]

    def group_value(self, group: A.GroupAggregate, e: str) -> Decimal | None:
        """A value over e's group of rated, non-vetoed employees (same `within` value;
        missing is a group of its own). A vetoed employee gets their group's value but no
        share. Worked out by comparing each member with every other, not by sorting.

        DECISION: group_sum/avg/min/max fold the exact values; top_share compares them as
        shown (6 places), as every comparison does."""
        members = [x for x in self.employees if not self.vetoed(x)]
        key = self.run.roster_attribute(self.employees[e], group.within) if group.within else None
        mine = next(
            (g for k, g in self.groups(members, group.within).items() if k == _group_key(key)),
            [],
        )
        if group.func == "group_count":
            return Decimal(sum(1 for x in mine if truthy(self.expr(group.operand, x))))
        values = {x: self.expr(group.operand, x) for x in mine}
        present = [v for v in values.values() if v is not None]
        if group.func != "top_share":
            return fold(group.func.removeprefix("group_"), present)  # type: ignore[arg-type]
        own = values.get(e)
        if own is None:
            return None  # missing, or vetoed (not among those compared)
        at_or_above = sum(1 for v in present if shown(v) >= shown(own))  # type: ignore[arg-type]
        return arith("/", Decimal(at_or_above), Decimal(len(mine)))

    def count_events(self, e: str, event_type: str, where: A.Expr | None) -> Decimal:
        return Decimal(len(self.matching_events(e, event_type, where)))

    def matching_events(
        self, e: str, event_type: str, where: A.Expr | None, days: Instance | None = None
    ) -> list[dict]:
        """The employee's events of ``event_type`` that pass ``where``, on the instance's
        days or on ``days`` (a rolling window)."""
        return [
            event
            for event in self.run.events_in(e, event_type, days or self.inst)
            if where is None or truthy(ev(where, EventScope(event)))
        ]

    def window_days(self, window: A.Window) -> Instance:
        """The days of ``over last N UNIT`` (docs/language.md 5.6.1), ending on the
        instance's last day: N days or 7 x N days walked back one by one, or, for the
        calendar units, the calendar instance holding the last day and the N - 1 before
        it, found with this module's own calendar (no date arithmetic shared with SQL)."""
        units, count = window.units, window.count
        assert units is not None and count is not None, "a checked window"
        if units in ("days", "weeks"):
            start = self.inst.end
            for _ in range(count * (7 if units == "weeks" else 1) - 1):
                start -= ONE_DAY
            return Instance("window", start, self.inst.end, "")
        period = self.run.calendar.containing(A.PLURAL_TO_KIND[units], self.inst.end)
        for _ in range(count - 1):
            period = self.run.calendar.previous(period)
        return Instance("window", period.start, self.inst.end, "")

    def event_aggregate(self, agg: A.Aggregate, e: str) -> Decimal | None:
        days = self.window_days(agg.window) if agg.window is not None else None
        events = self.matching_events(e, agg.source, agg.where, days)
        if agg.func == "count":
            return Decimal(len(events))
        values = [event.get(agg.attribute) for event in events]
        return fold(agg.func, [v for v in values if v is not None])

    def sub_rows(self, kind: str, e: str) -> list[InstanceEval]:
        """The evaluations of the shorter ``kind``'s instances nested in this one in which
        the employee was rated."""
        found = []
        for inst in self.run.calendar.within(kind, self.inst):
            ctx = self.run.instance(inst)
            if ctx.rated(e):
                found.append(ctx)
        return found

    def period_aggregate(self, agg: A.Aggregate, e: str) -> Decimal | None:
        rows = [
            ctx
            for ctx in self.sub_rows(A.PLURAL_TO_KIND[agg.source], e)
            if agg.where is None or truthy(ev(agg.where, RowScope(ctx, e)))
        ]
        if agg.func == "count":
            return Decimal(len(rows))
        assert agg.attribute is not None
        values = [RowScope(ctx, e).name(agg.attribute) for ctx in rows]
        return fold(agg.func, [v for v in values if v is not None])

    def wins(self, award: str, e: str) -> Decimal:
        if award not in self.run.award_kind:
            raise policy_error(f'wins("{award}"): no block gives that award')
        rows = self.sub_rows(self.run.award_kind[award], e)
        return Decimal(sum(1 for ctx in rows if ctx.value(f"award:{award}", e)))

    def previous(self, expr: A.Previous, e: str) -> Value:
        ctx = self.run.looked_back(self.run.calendar.previous(self.inst))
        if ctx is None or not ctx.rated(e):
            return None
        return ctx.expr(expr.operand, e)

    def consecutive(self, expr: A.Consecutive, e: str) -> bool:
        ctx: InstanceEval | None = self
        inst = self.inst
        for i in range(int(expr.count.value)):
            if i > 0:
                inst = self.run.calendar.previous(inst)
                ctx = self.run.looked_back(inst)
            if ctx is None or not ctx.rated(e) or not truthy(ctx.expr(expr.operand, e)):
                return False
        return True

    # -- output

    def settle(self) -> None:
        """Work out every value a result row reports, for every rated employee."""
        result_rows(self)


def result_rows(ctx: InstanceEval) -> list[dict]:
    """The result rows of one instance, one per rated employee (docs/data.md section 5),
    tagged with the block kind for sorting."""
    rows = []
    for e in ctx.employees:
        reasons = ctx.value("veto", e)
        stars = ctx.value("stars", e)
        rows.append(
            {
                "employee_id": e,
                **ctx.inst.json_fields(),
                "vetoed": bool(reasons),
                "veto_reasons": list(reasons),  # type: ignore[call-overload]
                "values": {
                    name: out(ctx.value(f"def:{name}", e)) for name in ctx.rules.definitions
                },
                "red": number_out(ctx.value("red", e)),  # type: ignore[arg-type]
                "green": number_out(ctx.value("green", e)),  # type: ignore[arg-type]
                "net": number_out(ctx.value("net", e)),  # type: ignore[arg-type]
                "stars": None if stars is None else int(stars),  # type: ignore[call-overload]
                "awards": [n for n in ctx.rules.awards if ctx.value(f"award:{n}", e)],
                "reward": number_out(ctx.value("reward", e)),  # type: ignore[arg-type]
                "_kind": ctx.kind,
            }
        )
    return rows


def evaluate(
    policy: A.Policy,
    period: str,
    roster: list[dict],
    events: list[dict],
    *,
    catalog: Catalog | None = None,
) -> list[dict]:
    """The result rows of running the instance labelled ``period`` (see the module
    docstring).

    ``catalog`` says which names are roster attributes; without one only the standard
    roster columns are, so pass one for policies that use other roster attributes."""
    return Run(policy, period, roster, events, catalog).rows()
