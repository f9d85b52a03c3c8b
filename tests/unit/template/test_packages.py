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


def _build_sources(logical_id: str, out: Path, *extra: str) -> None:
    subprocess.run(["make", "-s", "-f", str(LAMBDA_BUILD / "Makefile"), f"build-{logical_id}",
                    f"ARTIFACTS_DIR={out}", "SKIP_DEPS=1", *extra], check=True, timeout=60, capture_output=True)


def _imported_top_level(package_dir: Path, module: str, extra_env: dict[str, str] | None = None) -> dict[str, str]:
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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "HOOKS_"))} | (extra_env or {})
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
    "ExampleBackendFunction": ("devstack.example_backend", None),
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


TRIGGERS = ("MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction", "PreTokenGenerationFunction")
DATABASE_FUNCTIONS = ("MigrationFunction", "PreSignUpFunction", "PostConfirmationFunction")


@pytest.mark.parametrize("logical_id", TRIGGERS)
def test_a_traced_trigger_package_ships_the_xray_sdk_it_imports(logical_id: str, tmp_path: Path) -> None:
    from importlib import metadata

    from packaging.utils import canonicalize_name

    module, requirements = PACKAGES[logical_id]
    _build_sources(logical_id, tmp_path)
    untraced = _imported_top_level(tmp_path, module)
    traced = _imported_top_level(tmp_path, module, {"LEGACY_AUTH_TRACING": "Active"})
    assert "aws_xray_sdk" not in untraced  # the cold start without tracing pays nothing
    assert "aws_xray_sdk" in traced
    assert requirements is not None
    shipped = _requirement_closure(LAMBDA_BUILD / requirements) | _requirement_closure(
        LAMBDA_BUILD / "requirements-tracing.txt")
    dists = metadata.packages_distributions()
    # botocore (the runtime's) imports certifi when present and falls back to its own CA bundle otherwise
    for top in set(traced) - set(untraced) - RUNTIME_PROVIDED - {"certifi"}:
        if top.startswith("_") and top not in dists:
            continue
        owners = {canonicalize_name(d) for d in dists.get(top, [])}
        assert owners & shipped, f"{logical_id} with tracing imports {top} ({sorted(owners)}) but does not ship it"


def test_the_tracing_requirements_pin_exactly_what_the_sdk_needs_beside_the_runtime() -> None:
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lines = [line.split("#", 1)[0].strip() for line in (LAMBDA_BUILD / "requirements-tracing.txt").read_text()
             .splitlines()]
    pinned = {canonicalize_name(Requirement(line).name): Requirement(line) for line in lines if line}
    assert set(pinned) == {"aws-xray-sdk", "wrapt"}
    assert all(str(r.specifier).startswith("==") for r in pinned.values())
    needs = {canonicalize_name(Requirement(r).name) for r in metadata.requires("aws-xray-sdk") or []}
    assert needs - set(pinned) <= RUNTIME_PROVIDED | {"botocore"}  # installed --no-deps: the rest is the runtime's


def test_ca_bundles_are_copied_into_the_database_functions_only(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "global-bundle.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    for logical_id in (*TRIGGERS, "AuthorizerFunction"):
        out = tmp_path / logical_id
        _build_sources(logical_id, out, f"CA_DIR={certs}")
        bundle = out / "certs" / "global-bundle.pem"
        assert bundle.exists() == (logical_id in DATABASE_FUNCTIONS), logical_id


def test_a_ca_bundle_without_a_certificate_stops_the_build(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "not-a-bundle.pem").write_text("<html>404</html>\n")
    result = subprocess.run(["make", "-s", "-f", str(LAMBDA_BUILD / "Makefile"), "build-MigrationFunction",
                             f"ARTIFACTS_DIR={tmp_path / 'out'}", "SKIP_DEPS=1", f"CA_DIR={certs}"],
                            timeout=60, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "holds no PEM certificate" in result.stdout + result.stderr
