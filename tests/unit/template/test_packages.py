"""The per-function Lambda packages (devstack/lambda/Makefile) ship what each handler imports, and no more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.template.support import LAMBDA_BUILD

RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six"}
# botocore is not forbidden: Powertools' user-agent module imports it when present (the runtime has it).
FORBIDDEN_IN_AUTHORIZER = {"pymysql", "passlib", "boto3", "psycopg", "bcrypt", "argon2", "legacy_auth", "triggers"}


def _requirement_closure(requirements_file: Path) -> set[str]:
    """Normalised distribution names a requirements list installs (following installed metadata)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [Requirement(line.split("#", 1)[0].strip()) for line in requirements_file.read_text().splitlines()
            if line.split("#", 1)[0].strip()]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        for raw in metadata.requires(req.name) or []:
            sub = Requirement(raw)
            env = {"extra": next(iter(req.extras), ""), "python_version": "3.13", "sys_platform": "linux",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython"}
            if sub.marker is None or sub.marker.evaluate(env):
                todo.append(sub)
    return seen


def _build_sources(logical_id: str, out: Path) -> None:
    subprocess.run(["make", "-s", "-f", str(LAMBDA_BUILD / "Makefile"), f"build-{logical_id}",
                    f"ARTIFACTS_DIR={out}", "SKIP_DEPS=1"], check=True, timeout=60, capture_output=True)


def _imported_top_level(package_dir: Path, module: str) -> dict[str, str]:
    """Import ``module`` from the built package in a fresh interpreter; top-level module -> file it came from."""
    code = (
        "import importlib, json, sys\n"
        "before = set(sys.modules)\n"
        f"sys.path.insert(0, {str(package_dir)!r})\n"
        f"importlib.import_module({module!r})\n"
        "out = {}\n"
        "for name, mod in list(sys.modules.items()):\n"
        "    top = name.split('.')[0]\n"
        "    if name in before or top in sys.stdlib_module_names or top in out or '.' in name:\n"
        "        continue\n"
        "    out[top] = str(getattr(mod, '__file__', '') or '')\n"
        "print(json.dumps(out))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "HOOKS_"))}
    result = subprocess.run([sys.executable, "-c", code], cwd=package_dir, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, f"importing {module} from its package failed:\n{result.stderr[-2000:]}"
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


PACKAGES = {
    "MigrationFunction": ("triggers.user_migration", "requirements-migration.txt"),
    "PreSignUpFunction": ("triggers.pre_signup", "requirements-hooks-db.txt"),
    "PostConfirmationFunction": ("triggers.post_confirmation", "requirements-hooks-db.txt"),
    "PreTokenGenerationFunction": ("triggers.pre_token_generation", "requirements-pre-token.txt"),
    "AuthorizerFunction": ("authorizer.handler", "requirements-authorizer.txt"),
    "ExampleBackendFunction": ("authorizer.example_backend", None),
}


@pytest.mark.parametrize("logical_id", sorted(PACKAGES))
def test_each_package_ships_what_its_handler_imports_and_nothing_it_does_not(logical_id: str, tmp_path: Path) -> None:
    from importlib import metadata

    from packaging.utils import canonicalize_name

    module, requirements = PACKAGES[logical_id]
    _build_sources(logical_id, tmp_path)
    imported = _imported_top_level(tmp_path, module)
    first_party = {"legacy_auth", "triggers", "authorizer", "devstack", "tests"}
    for top, origin in imported.items():
        if top in first_party:
            assert origin.startswith(str(tmp_path)), f"{top} imported from outside the package: {origin}"
    shipped = _requirement_closure(LAMBDA_BUILD / requirements) if requirements else set()
    dists = metadata.packages_distributions()
    allowed_runtime = RUNTIME_PROVIDED if logical_id != "AuthorizerFunction" else {"botocore"}
    for top in set(imported) - first_party:
        if top in allowed_runtime or (top.startswith("_") and top not in dists):
            continue
        owners = {canonicalize_name(d) for d in dists.get(top, [])}
        assert owners & shipped, f"{logical_id} imports {top} ({sorted(owners)}) but does not ship it"


def test_authorizer_package_contains_no_database_driver_hash_library_or_boto3(tmp_path: Path) -> None:
    _build_sources("AuthorizerFunction", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["authorizer"]
    shipped = _requirement_closure(LAMBDA_BUILD / "requirements-authorizer.txt")
    assert not shipped & {"pymysql", "libpass", "passlib", "boto3", "botocore", "psycopg", "bcrypt", "argon2-cffi"}
    imported = _imported_top_level(tmp_path, "authorizer.handler")
    assert not set(imported) & FORBIDDEN_IN_AUTHORIZER
