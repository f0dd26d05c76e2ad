"""The built-in derivations, one module each; found by symdl.registry."""
