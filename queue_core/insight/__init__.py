"""Where a day went, from its event log alone: waits, visits, desks' load and fairness.

The numbers are pure functions over events and the configuration (no clock, no I/O), so the
report, the console's report screen and a rule dry-run all count the same way; `reader`
is the one place that takes a day's events out of the store. docs/reports.md defines them.
"""
