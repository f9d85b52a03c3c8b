"""Test-suite machinery that is not a fixture: the tiers (markers applied by path) and their guards."""
