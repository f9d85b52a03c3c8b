"""Fitness test of the unit-test layout (issue 13): ``tests/unit`` mirrors the production packages.

A module's unit tests live at ``tests/unit/<package>/test_<module>.py``, where ``<package>`` is a subpackage of
``legacy_auth`` (``tests/unit/migration/`` for ``legacy_auth/migration/``) or one of the other top-level packages
(``authorizer``, ``triggers``); the tests of a shared top-level module of ``legacy_auth`` sit at the top
(``tests/unit/test_errors.py`` for ``legacy_auth/errors.py``). Besides those, the top of ``tests/unit`` holds only the
repository-wide tests in :data:`REPOSITORY_WIDE`, and the only folders that are not packages are the ones in
:data:`NOT_PACKAGES`. Helpers shared by several tiers live in ``tests/support/``.

No folder under ``tests/unit`` has an ``__init__.py``: with ``--import-mode=importlib`` pytest then names each test
module by its path from the repository root (``tests.unit.authorizer.test_config``), so files in two folders may share
a base name, and a test folder named after a package never stands in for that package in ``sys.modules`` (with an
``__init__.py``, ``tests/unit/authorizer/`` was imported as the top-level module ``authorizer``).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "tests" / "unit"
#: Top-level production packages besides ``legacy_auth`` (whose subpackages each get a folder of their own).
TOP_PACKAGES = ("authorizer", "triggers")
#: Test files at the top of ``tests/unit`` that check the repository as a whole, not one module.
REPOSITORY_WIDE = {
    "test_layout.py": "which package may import which (docs/architecture.md)",
    "test_security_doc.py": "docs/security.md names tests that exist",
    "test_test_layout.py": "this file: tests/unit mirrors the packages",
    "test_tiers.py": "the static and slow tiers of tests/support/tiers.py and the Makefile targets",
}
#: Folders of ``tests/unit`` that check a repository file rather than a package.
NOT_PACKAGES = {
    "template": "template.yaml and samconfig.toml, through cfn-lint and the SAM translator",
}


def _folders() -> list[Path]:
    return sorted(p for p in UNIT.rglob("*") if p.is_dir() and p.name != "__pycache__" and not p.name.startswith("."))


def _package_for(folder: Path) -> Path:
    """The production package ``folder`` (a folder under ``tests/unit``) stands for."""
    parts = folder.relative_to(UNIT).parts
    return ROOT.joinpath(*parts) if parts[0] in TOP_PACKAGES else ROOT.joinpath("legacy_auth", *parts)


def test_every_unit_test_folder_names_a_production_package() -> None:
    strays = [str(folder.relative_to(ROOT)) for folder in _folders()
              if folder.relative_to(UNIT).parts[0] not in NOT_PACKAGES
              and not (_package_for(folder) / "__init__.py").is_file()]
    assert strays == [], "each tests/unit/<dir>/ names a package of legacy_auth, or authorizer or triggers"


def test_the_top_of_tests_unit_holds_only_shared_module_tests_and_repository_wide_tests() -> None:
    shared = {f"test_{p.stem}.py" for p in (ROOT / "legacy_auth").glob("*.py") if p.stem != "__init__"}
    loose = sorted(p.name for p in UNIT.glob("*.py") if p.name not in shared and p.name not in REPOSITORY_WIDE)
    assert loose == [], "move these to tests/unit/<package>/test_<module>.py (or list a repository-wide test here)"


def test_every_allowed_exception_still_exists() -> None:
    assert [name for name in REPOSITORY_WIDE if not (UNIT / name).is_file()] == []
    assert [name for name in NOT_PACKAGES if not (UNIT / name).is_dir()] == []
    assert [name for name in TOP_PACKAGES if not (ROOT / name / "__init__.py").is_file()] == []


def test_no_unit_test_folder_is_a_python_package() -> None:
    packages = sorted(str(p.relative_to(ROOT)) for p in UNIT.rglob("__init__.py"))
    assert packages == [], "tests/unit folders take no __init__.py (see this module's docstring)"
