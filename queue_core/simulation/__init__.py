"""A clinic day on a virtual clock: a plan (what patients and desks do), a generator that makes
one from the configuration and a seed, and an engine that plays it through the real commands."""
