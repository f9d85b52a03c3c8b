"""Reliability harness (issue #8): fault proxy, JWKS fault server, scenarios, load, fuzz and the report.

``make reliability`` runs :mod:`tests.reliability.report` (every scenario at full counts, writes
``docs/reliability.md``); ``pytest tests/reliability`` runs the same scenarios at small counts.
"""
