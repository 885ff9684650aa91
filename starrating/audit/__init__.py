"""The audit trail: recorded runs in, answers for an auditor out.

Enters: the store's recorded runs (and, for what-if, an edited policy).
Leaves: lists of runs, replays compared with what was recorded, closed (official) periods,
the explanation of one employee's result line by line, and what a policy edit would change.
"""
