"""``docs/security.md`` names, for each guarantee, the test that shows it: every one of those tests must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
#: `path.py::name`, `path.py` or `::name` (a name in the last path named before it).
REFERENCE = re.compile(r"`([a-z_/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def _references() -> list[tuple[str, str | None]]:
    current = ""
    found: list[tuple[str, str | None]] = []
    for match in REFERENCE.finditer(DOC.read_text(encoding="utf-8")):
        if match.group(1):
            current = match.group(1)
            found.append((current, match.group(2)))
        else:
            found.append((current, match.group(3)))
    return found


def test_security_doc_names_tests_for_each_threat_class() -> None:
    refs = _references()
    assert len(refs) >= 50
    text = DOC.read_text(encoding="utf-8")
    for heading in ("leaked legacy password", "list of usernames", "crafted sign-up", "crafted token"):
        assert heading in text


def test_every_test_the_security_doc_names_exists() -> None:
    missing = []
    for path, name in _references():
        file = ROOT / "tests" / path
        if not file.is_file():
            missing.append(path)
        elif name is not None and not re.search(rf"^def {name}\(", file.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
