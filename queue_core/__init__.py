"""The domain core of clinic-queue: rules, the shared SQLite store, commands and the event log.

It imports nothing from the desk TUI or the display server; both are built on top of it.
"""
