"""Defaults the command line needs before it imports any heavy module."""

VERIFY_SEED = 20261122  # the seed of ``symdl verify``'s check points
