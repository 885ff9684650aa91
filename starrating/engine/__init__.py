"""The engine: compiled SQL and a period in, result rows out.

Enters: a compiled policy, a period label or an as-of time, and a store connection.
Leaves: the result rows and contributions of each period instance, evaluated in DuckDB,
and a run document (policy text, as-of, digests) ready to be recorded. Periods (the
calendar of weeks, months, quarters, half-years and years in the policy's time zone) and
policy tests live here too.
"""
