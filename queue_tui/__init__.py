"""The nurses' consoles: a desk screen per consultation room and the triage desk (Textual)."""
