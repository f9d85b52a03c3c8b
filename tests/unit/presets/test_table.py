"""``TablePreset.scan_query``'s primary-key range (the admin CLI's range workers, ``cli/parallel_scan.py``)."""

from __future__ import annotations

from legacy_auth.apps import get_preset


def test_a_range_scan_adds_the_key_bounds_after_the_preset_filters() -> None:
    preset = get_preset("magento2", website_id=3)
    whole = preset.scan_query(prefix="", dialect="postgresql")
    part = preset.scan_query(prefix="", dialect="postgresql", between=(10, 20))
    assert part.sql == whole.sql.replace(' ORDER BY', ' AND "entity_id" BETWEEN %s AND %s ORDER BY')
    assert part.params == (3, 10, 20)


def test_a_range_scan_without_filters_gets_its_own_where() -> None:
    part = get_preset("q2a").scan_query(prefix="qa_", dialect="mysql", between=(1, 5))
    assert part.sql.endswith("FROM `qa_users` WHERE `userid` BETWEEN %s AND %s ORDER BY `userid`")
    assert part.params == (1, 5)
