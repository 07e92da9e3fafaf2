"""The `clinic-queue` command line: a thin layer over queue_core (and the TUI and server)."""
