"""The CLI's defaults that mirror ``template.yaml`` stay equal to it."""

from __future__ import annotations

from legacy_auth.cli.main import build_parser
from legacy_auth.cli.timing import MIGRATION_MEMORY_MB
from tests.unit.template.support import load_sam


def test_scan_lambda_memory_default_is_the_template_migration_memory_size() -> None:
    template_default = int(load_sam()["Parameters"]["MigrationMemorySize"]["Default"])
    assert template_default == MIGRATION_MEMORY_MB
    args = build_parser().parse_args(["scan"])
    assert args.lambda_memory == template_default
