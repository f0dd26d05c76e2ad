"""Suite-wide settings: property tests draw the same examples every run (no flaky test from a lucky
draw) and have no per-example deadline (a loaded machine must not fail them)."""

from hypothesis import settings

settings.register_profile("symdl", derandomize=True, deadline=None, database=None)
settings.load_profile("symdl")
