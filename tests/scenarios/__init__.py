"""Scenarios and what they must leave behind: the tests play them short, the benchmarks full.

Each scenario takes its size as a parameter; its default is the full length that
docs/benchmarks.md reports. The tests pass a short size unless `CLINIC_QUEUE_LONG=1`.
"""
