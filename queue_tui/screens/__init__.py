"""One module per screen, each with its stylesheet beside it."""
