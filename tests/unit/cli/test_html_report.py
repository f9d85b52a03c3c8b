"""The HTML report escapes every value: nothing from the database becomes markup."""

from __future__ import annotations

from legacy_auth.cli.chart import aggregate
from legacy_auth.cli.html_report import page, svg_chart, table


def test_table_values_and_titles_are_escaped() -> None:
    document = page('<script>alert("t")</script>', [table(("id", "users"), [('<img src=x onerror="y">', 1_234)],
                                                          numeric=frozenset({1}))])
    assert "<script>" not in document
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in document
    assert "&lt;img src=x onerror=&quot;y&quot;&gt;" in document
    assert '<td class="n">1,234</td>' in document


def test_svg_chart_has_one_bar_per_bucket_and_both_lines() -> None:
    series = aggregate([("2026-11-01", 2), ("2026-11-02", 0), ("2026-11-03", 1)], before=0, migratable=5)
    svg = svg_chart(series, "t <1>")
    assert svg.count("<rect ") == 3
    assert svg.count("<polyline ") == 2
    assert "t &lt;1&gt;" in svg
    assert "2026-11-03: 1 migrated, 3 total, 2 remaining" in svg
