"""Findings speak plainly: singular/plural counts, and the setting that changes a warning."""

from __future__ import annotations

from legacy_auth.cli.findings import findings, plural
from legacy_auth.cli.scan import ScanReport, ScanRules


def test_one_duplicate_group_is_said_in_the_singular() -> None:
    report = ScanReport(duplicate_email_groups=1, duplicate_email_users=2, duplicate_username_groups=3,
                        duplicate_username_users=6)
    by_code = {f.code: f.message for f in findings(report, [], ScanRules())}
    assert "(1 group)" in by_code["duplicate_email"]
    assert "(3 groups)" in by_code["duplicate_username"]
    assert plural(1_234, "group") == "1,234 groups"


def test_unverified_email_warning_names_legacy_trust_emails() -> None:
    report = ScanReport(unverified_email_active=5)
    (finding,) = findings(report, [], ScanRules())
    assert finding.code == "no_verified_email"
    assert "LEGACY_TRUST_EMAILS=true" in finding.message
