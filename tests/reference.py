"""A readable, slow, pure-Python evaluator of the policy AST: the test oracle.

It implements docs/language.md sections 3-6 and the decisions of docs/language.md as
directly as possible, with plain loops over employees and events, so that the DuckDB
engine can be compared against it row by row. It is NOT the engine and is never used by
the package.

    evaluate(policy, target, roster, events) -> list[dict]

- ``roster``: dicts with ``employee_id``, ``name``, ``hire_date`` (date), ``leave_date``
  (date or None) and any roster attributes (str, Decimal, bool, date or None).
- ``events``: dicts with ``employee_id``, ``type``, ``local_date`` (date, already in the
  policy's zone; as-of and voids already applied), ``value`` (Decimal or None) and any
  event attributes (a missing attribute is an absent key or None).
- ``target``: the instance being run; its kind must be a block kind of the policy.

The result is the rows of the run (docs/data.md section 5): the target block's instance
and every shorter block's instances whose last day lies in it, one row per rated employee
per instance, sorted by ``(period_end, employee_id)`` (shorter kind first on a tie).

Decisions taken here where docs/language.md leaves something open are
marked ``DECISION`` in the code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal

from starrating.engine import periods as P
from starrating.language import ast as A
from starrating.language.catalog import Catalog
from starrating.language.checker import BlockAnalysis, check_policy

__all__ = ["evaluate", "norm"]

Value = Decimal | str | bool | date | None

ZERO = Decimal(0)
PLACES = Decimal("1e-10")
# Enough digits that no intermediate result is rounded before it is quantised.
CTX = Context(prec=80, rounding=ROUND_HALF_UP)


# ---- numbers ----------------------------------------------------------------------------


def q(d: Decimal) -> Decimal:
    """Quantise to 10 places after the point, half away from zero."""
    return d.quantize(PLACES, rounding=ROUND_HALF_UP, context=CTX)


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
    return a == b


def compare(op: str, a: Value, b: Value) -> bool:
    """Comparisons; a missing side makes every comparison false (``!=`` too)."""
    if a is None or b is None:
        return False
    if op == "=":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if type(a) is not type(b) and not (isinstance(a, Decimal) and isinstance(b, Decimal)):
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


# ---- generic expression evaluation -----------------------------------------------------


class Scope:
    """What names mean where an expression stands. Subclasses answer names, `awarded`,
    and the block-only constructs (aggregates, rankings, look-backs)."""

    def name(self, name: str) -> Value:
        raise NotImplementedError

    def awarded(self, award: str) -> Value:
        raise AssertionError(f'awarded("{award}") is not allowed here')

    def special(self, expr: A.Expr) -> Value:
        raise AssertionError(f"{type(expr).__name__} is not allowed here")


def ev(expr: A.Expr, scope: Scope) -> Value:
    """The value of ``expr`` in ``scope``: Decimal, str, bool, date or None (missing)."""
    if isinstance(expr, A.Number):
        return expr.value
    if isinstance(expr, A.String | A.Boolean):
        return expr.value
    if isinstance(expr, A.Name):
        return scope.name(expr.name)
    if isinstance(expr, A.Unary):
        if expr.op == "not":
            return not truthy(ev(expr.operand, scope))
        operand = ev(expr.operand, scope)
        return None if operand is None else q(-operand)  # type: ignore[operator]
    if isinstance(expr, A.Binary):
        op = expr.op
        if op == "and":
            return truthy(ev(expr.left, scope)) and truthy(ev(expr.right, scope))
        if op == "or":
            return truthy(ev(expr.left, scope)) or truthy(ev(expr.right, scope))
        left = ev(expr.left, scope)
        if op == "default":
            return ev(expr.right, scope) if left is None else left
        right = ev(expr.right, scope)
        if op in ("+", "-", "*", "/"):
            return arith(op, left, right)
        return compare(op, left, right)
    if isinstance(expr, A.InList):
        # DECISION: `x in [...]` and `x not in [...]` are comparisons, so both are false
        # when x is missing; missing items never match.
        operand = ev(expr.operand, scope)
        if operand is None:
            return False
        found = any(equal(operand, ev(item, scope)) for item in expr.items)
        return not found if expr.negated else found
    if isinstance(expr, A.Awarded):
        return scope.awarded(expr.award)
    return scope.special(expr)


class HeaderScope(Scope):
    """`applies to`: roster attributes and `tenure` at the instance's last day."""

    def __init__(self, employee: dict, inst: P.Instance) -> None:
        self.employee = employee
        self.inst = inst

    def name(self, name: str) -> Value:
        if name == "tenure":
            return tenure(self.employee, self.inst)
        return self.employee.get(name)


class EventScope(Scope):
    """A `where` filter over one event: names are that event's attributes (and `value`)."""

    def __init__(self, event: dict) -> None:
        self.event = event

    def name(self, name: str) -> Value:
        return self.event.get(name)


class RowScope(Scope):
    """One sub-period result row of an employee (`weeks where ...`, `weeks.net`)."""

    def __init__(self, ctx: InstanceEval, employee_id: str) -> None:
        self.ctx = ctx
        self.employee_id = employee_id

    def name(self, name: str) -> Value:
        ctx = self.ctx
        if name in ctx.info.definitions:
            return ctx.value(f"def:{name}", self.employee_id)
        if name in ("red", "green", "net", "stars", "reward"):
            return ctx.value(name, self.employee_id)  # stars is missing when vetoed
        return ctx.employees[self.employee_id].get(name)

    def awarded(self, award: str) -> Value:
        return self.ctx.value(f"award:{award}", self.employee_id)  # false when vetoed


def tenure(employee: dict, inst: P.Instance) -> Decimal | None:
    hire = employee.get("hire_date")
    if hire is None:
        return None
    return Decimal(P.tenure_months(hire, inst.end))


# ---- the whole run ----------------------------------------------------------------------


class Run:
    """Everything shared by the instance evaluations of one run: the checked policy, the
    roster, the events by employee and type, where history starts, and the memo of
    evaluated instances (per kind, per instance)."""

    def __init__(
        self,
        policy: A.Policy,
        target: P.Instance,
        roster: list[dict],
        events: list[dict],
        catalog: Catalog | None = None,
    ):
        result = check_policy(policy, catalog)
        if not result.ok or result.analysis is None:
            problems = "; ".join(f"{d.code} {d.message}" for d in result.diagnostics if d.is_error)
            raise ValueError(f"the policy has errors: {problems}")
        self.policy = policy
        self.analysis = result.analysis
        self.blocks: dict[str, BlockAnalysis] = result.analysis.blocks
        if target.kind not in self.blocks:
            raise ValueError(f"the policy has no `each {target.kind}` block")
        if target.kind == "week" and target.week_ending != self.week_ending("week"):
            raise ValueError(f"the policy's weeks end on {self.week_ending('week')}")
        self.target = target
        self.roster = sorted(roster, key=lambda e: e["employee_id"])
        self.events: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for event in sorted(events, key=lambda e: e["local_date"]):
            self.events[(event["employee_id"], event["type"])].append(event)
        # History starts at the earliest event's local date (any type, any employee);
        # with no events, at the period being run.
        self.history_date = min((e["local_date"] for e in events), default=target.start)
        # DECISION: the history start only limits LOOKING BACK (`previous`, `for N
        # consecutive`): an earlier instance of a kind that ends before the instance of
        # that kind containing `history_date` counts as "not rated" there. Every instance
        # that is evaluated at all (the run's own instances, and the sub-periods nested in
        # any evaluated instance, e.g. the weeks of a month looked back at) is evaluated
        # in full with its real rated population, whether or not it lies before the
        # history start. So an instance's results never depend on which run asked for it.
        self.award_kind = {name: kind for kind, info in self.blocks.items() for name in info.awards}
        self.looks_back = {
            kind: any(isinstance(node, A.Previous | A.Consecutive) for node in A.walk(info.block))
            for kind, info in self.blocks.items()
        }
        self.memo: dict[tuple[str, P.Instance], InstanceEval] = {}

    def week_ending(self, kind: str) -> str | None:
        if kind != "week":
            return None
        return self.blocks["week"].block.period.week_ending or "sunday"

    def history_start(self, kind: str) -> P.Instance:
        return P.instance_containing(kind, self.history_date, self.week_ending(kind))

    def nested(self, kind: str, inst: P.Instance) -> list[P.Instance]:
        """Instances of the shorter ``kind`` that roll into ``inst`` (by their last day)."""
        return P.instances_within(kind, inst.start, inst.end, self.week_ending(kind))

    def instance(self, kind: str, inst: P.Instance) -> InstanceEval:
        """The (memoised) evaluation of one instance. A block that looks back has its
        earlier instances evaluated first, oldest first, from the history start, so that
        `previous(...)` finds them already done (and recursion stays shallow)."""
        key = (kind, inst)
        if key not in self.memo:
            if self.looks_back[kind]:
                earlier = self.history_start(kind)
                while earlier.end < inst.end:
                    if (kind, earlier) not in self.memo:
                        self.memo[(kind, earlier)] = InstanceEval(self, kind, earlier)
                    earlier = P.next_instance(earlier)
            self.memo[key] = InstanceEval(self, kind, inst)
        return self.memo[key]

    def looked_back(self, kind: str, inst: P.Instance) -> InstanceEval | None:
        """An earlier instance as seen by `previous` / `for N consecutive`: None (nobody
        rated) when it ends before the instance in which history starts."""
        if inst.end < self.history_start(kind).end:
            return None
        return self.instance(kind, inst)

    def is_rated(self, employee: dict, inst: P.Instance) -> bool:
        hire, leave = employee.get("hire_date"), employee.get("leave_date")
        if hire is not None and hire > inst.end:
            return False
        if leave is not None and leave < inst.start:
            return False
        applies = self.policy.applies_to
        return applies is None or truthy(ev(applies, HeaderScope(employee, inst)))

    def events_in(self, employee_id: str, event_type: str, inst: P.Instance) -> list[dict]:
        return [
            e
            for e in self.events.get((employee_id, event_type), [])
            if inst.contains(e["local_date"])
        ]

    def rows(self) -> list[dict]:
        # DECISION: rows of different kinds ending on the same day with the same employee
        # (a week ending 31 May and May) are ordered shorter kind first.
        rows: list[dict] = []
        top = P.KINDS.index(self.target.kind)
        for kind in P.KINDS[: top + 1]:
            if kind not in self.blocks:
                continue
            for inst in self.nested(kind, self.target):
                rows += self.instance(kind, inst).rows()
        rows.sort(key=lambda r: (r["period_end"], r["employee_id"], P.KINDS.index(r["_kind"])))
        for row in rows:
            del row["_kind"]
        return rows


# ---- one instance -----------------------------------------------------------------------


class InstanceEval:
    """All values of one block for one period instance, for every rated employee.

    Nodes are computed in the checker's dependency order ("def:NAME", "red", "green",
    "net", "veto", "stars", "award:NAME", "reward"), each for every rated employee;
    `value(node, employee_id)` reads them (computing a node on first use if needed).
    """

    def __init__(self, run: Run, kind: str, inst: P.Instance) -> None:
        self.run = run
        self.kind = kind
        self.inst = inst
        self.info = run.blocks[kind]
        self.statements = self.info.block.statements
        self.employees = {e["employee_id"]: e for e in run.roster if run.is_rated(e, inst)}
        self.store: dict[str, dict[str, object]] = {}
        self.rankings: dict[int, dict[str, Decimal | None]] = {}
        for node in self.info.order:
            self.compute(node)

    # -- access

    def rated(self, employee_id: str) -> bool:
        return employee_id in self.employees

    def value(self, node: str, employee_id: str) -> object:
        if node not in self.store:
            self.compute(node)
        return self.store[node][employee_id]

    def vetoed(self, employee_id: str) -> bool:
        return bool(self.value("veto", employee_id))

    def expr(self, expr: A.Expr, employee_id: str) -> Value:
        return ev(expr, BlockScope(self, employee_id))

    # -- nodes

    def compute(self, node: str) -> None:
        ids = list(self.employees)
        if node.startswith("def:"):
            definition = self.info.definitions[node[4:]]
            values = {e: self.definition(definition, e) for e in ids}
        elif node in ("red", "green"):
            values = {e: self.tally(node, e) for e in ids}
        elif node == "net":
            values = {e: arith("-", self.value("red", e), self.value("green", e)) for e in ids}
        elif node == "veto":
            values = {e: self.veto_reasons(e) for e in ids}
        elif node == "stars":
            values = {e: self.stars(e) for e in ids}
        elif node.startswith("award:"):
            winners = self.winners(self.info.awards[node[6:]])
            values = {e: e in winners for e in ids}
        elif node == "reward":
            values = {e: self.reward(e) for e in ids}
        else:
            raise AssertionError(node)
        self.store[node] = values

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
        for statement in self.statements:
            if isinstance(statement, A.Tally) and statement.color == color:
                total = arith("+", total, self.line(statement, e))
        return total

    def veto_reasons(self, e: str) -> list[str]:
        return [
            s.reason
            for s in self.statements
            if isinstance(s, A.Veto) and truthy(self.expr(s.condition, e))
        ]

    def stars(self, e: str) -> Decimal | None:
        if self.vetoed(e):
            return None
        for statement in self.statements:
            if isinstance(statement, A.Stars):
                for line in statement.lines:
                    if line.condition is None or truthy(self.expr(line.condition, e)):
                        return line.level.value
        return None

    def winners(self, award: A.Award) -> set[str]:
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
            if top.count.is_percent:
                limit = int(
                    CTX.multiply(top.count.value, Decimal(len(group))).to_integral_value(
                        rounding=ROUND_CEILING
                    )
                )
                limit = max(limit, 1)
            else:
                limit = int(top.count.value)
            for e in group:
                rank = 1 + sum(1 for other in group if ahead(keyed[other], keyed[e]))
                if rank <= limit:
                    winners.add(e)
        return winners

    def reward(self, e: str) -> Decimal:
        if self.vetoed(e):
            return ZERO
        total = ZERO
        for statement in self.statements:
            if isinstance(statement, A.Reward):
                if statement.when is None or truthy(self.expr(statement.when, e)):
                    total = arith("+", total, self.amount(statement.amount, e))
            elif isinstance(statement, A.RewardByStars):
                stars = self.value("stars", e)
                for entry in statement.entries:
                    if stars is not None and entry.level.value == stars:
                        total = arith("+", total, self.amount(entry.amount, e))
        for name, award in self.info.awards.items():
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
            key = self.employees[e].get(within) if within else None
            groups[("missing",) if key is None else ("value", key)].append(e)
        return groups

    def ranking(self, ranking: A.Ranking, e: str) -> Decimal | None:
        key = id(ranking)
        if key not in self.rankings:
            result: dict[str, Decimal | None] = {x: None for x in self.employees}
            eligible = [x for x in self.employees if not self.vetoed(x)]
            for group in self.groups(eligible, ranking.within).values():
                values = {x: self.expr(ranking.operand, x) for x in group}
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

    def count_events(self, e: str, event_type: str, where: A.Expr | None) -> Decimal:
        return Decimal(len(self.matching_events(e, event_type, where)))

    def matching_events(self, e: str, event_type: str, where: A.Expr | None) -> list[dict]:
        return [
            event
            for event in self.run.events_in(e, event_type, self.inst)
            if where is None or truthy(ev(where, EventScope(event)))
        ]

    def event_aggregate(self, agg: A.Aggregate, e: str) -> Decimal | None:
        events = self.matching_events(e, agg.source, agg.where)
        if agg.func == "count":
            return Decimal(len(events))
        values = [event.get(agg.attribute) for event in events]
        return fold(agg.func, [v for v in values if v is not None])

    def sub_rows(self, kind: str, e: str) -> list[InstanceEval]:
        """The evaluations of the shorter ``kind``'s instances nested in this one in which
        the employee was rated."""
        found = []
        for inst in self.run.nested(kind, self.inst):
            ctx = self.run.instance(kind, inst)
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
        rows = self.sub_rows(self.run.award_kind[award], e)
        return Decimal(sum(1 for ctx in rows if ctx.value(f"award:{award}", e)))

    def previous(self, expr: A.Previous, e: str) -> Value:
        ctx = self.run.looked_back(self.kind, P.previous_instance(self.inst))
        if ctx is None or not ctx.rated(e):
            return None
        return ctx.expr(expr.operand, e)

    def consecutive(self, expr: A.Consecutive, e: str) -> bool:
        ctx: InstanceEval | None = self
        inst = self.inst
        for i in range(int(expr.count.value)):
            if i > 0:
                inst = P.previous_instance(inst)
                ctx = self.run.looked_back(self.kind, inst)
            if ctx is None or not ctx.rated(e) or not truthy(ctx.expr(expr.operand, e)):
                return False
        return True

    # -- output

    def rows(self) -> list[dict]:
        rows = []
        for e in self.employees:
            reasons = self.value("veto", e)
            stars = self.value("stars", e)
            rows.append(
                {
                    "employee_id": e,
                    **self.inst.json_fields(),
                    "vetoed": bool(reasons),
                    "veto_reasons": list(reasons),  # type: ignore[call-overload]
                    "values": {
                        name: out(self.value(f"def:{name}", e)) for name in self.info.definitions
                    },
                    "red": norm(self.value("red", e)),  # type: ignore[arg-type]
                    "green": norm(self.value("green", e)),  # type: ignore[arg-type]
                    "net": norm(self.value("net", e)),  # type: ignore[arg-type]
                    "stars": None if stars is None else int(stars),  # type: ignore[call-overload]
                    "awards": [n for n in self.info.awards if self.value(f"award:{n}", e)],
                    "reward": norm(self.value("reward", e)),  # type: ignore[arg-type]
                    "_kind": self.kind,
                }
            )
        return rows


class BlockScope(Scope):
    """An expression of a block statement, for one employee in one instance."""

    def __init__(self, ctx: InstanceEval, employee_id: str) -> None:
        self.ctx = ctx
        self.employee_id = employee_id

    def name(self, name: str) -> Value:
        ctx, e = self.ctx, self.employee_id
        if name in ctx.info.definitions:
            return ctx.value(f"def:{name}", e)  # type: ignore[return-value]
        if name in ("red", "green", "net", "stars"):
            return ctx.value(name, e)  # type: ignore[return-value]
        if name == "tenure":
            return tenure(ctx.employees[e], ctx.inst)
        return ctx.employees[e].get(name)

    def awarded(self, award: str) -> Value:
        return self.ctx.value(f"award:{award}", self.employee_id)  # type: ignore[return-value]

    def special(self, expr: A.Expr) -> Value:
        ctx, e = self.ctx, self.employee_id
        if isinstance(expr, A.Aggregate):
            if expr.over_periods:
                return ctx.period_aggregate(expr, e)
            return ctx.event_aggregate(expr, e)
        if isinstance(expr, A.Wins):
            return ctx.wins(expr.award, e)
        if isinstance(expr, A.Ranking):
            return ctx.ranking(expr, e)
        if isinstance(expr, A.Previous):
            return ctx.previous(expr, e)
        if isinstance(expr, A.Consecutive):
            return ctx.consecutive(expr, e)
        raise AssertionError(expr)


# ---- helpers ----------------------------------------------------------------------------


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
        if x != y:
            return x > y  # type: ignore[operator]
    return False


def out(v: object) -> object:
    """A `values` entry: numbers normalised, other values as they are.

    DECISION: a `let` holding a condition reports true/false (or null when missing, e.g.
    `previous(awarded("X"))` for someone not rated then); a text `let` reports the text."""
    return norm(v) if isinstance(v, Decimal) else v


def evaluate(
    policy: A.Policy,
    target: P.Instance,
    roster: list[dict],
    events: list[dict],
    *,
    catalog: Catalog | None = None,
) -> list[dict]:
    """The result rows of running ``target`` (see the module docstring).

    ``catalog`` is optional: without one the checker knows only the standard roster
    columns, so pass one for policies that use other roster attributes."""
    return Run(policy, target, roster, events, catalog).rows()
