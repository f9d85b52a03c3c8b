"""Load the known-answer vectors (``tests/vectors/*.jsonl``) and map them onto ``get_context`` calls."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from legacy_auth.apps import HASH_RULES as APPS
from legacy_auth.apps import get_context
from legacy_auth.apps.generic import DIGEST_SCHEMES as GENERIC_SCHEMES
from legacy_auth.hashing import HashContext

VECTOR_DIR = Path(__file__).resolve().parents[2] / "vectors"

APP_NAMES = {
    "question2answer": "q2a",
    "drupal8": "drupal",
    "drupal10": "drupal",
    "rails": "devise",
    "rails_devise": "devise",
}

#: vector scheme name -> our scheme name (``None``: same name)
SCHEME_NAMES = {
    "q2a_sha1_passsalt_passcheck": "q2a_sha1",
    "q2a_passhash_bcrypt": "bcrypt",
    "wp_bcrypt_hmac_sha384": "wp_bcrypt_sha384",
    "phpass_portable_P": "phpass",
    "phpass_portable_H": "phpass",
    "wp_legacy_md5": "hex_md5",
    "bcrypt_plain": "bcrypt",
    "drupal7_sha512_S": "drupal_sha512",
    "drupal7_upgraded_md5_U": "drupal_upgraded_md5",
    "phpbb_combined_H_2y": "phpbb_bcrypt_phpass",
    "argon2id": "argon2",
    "argon2i": "argon2",
    "magento2_chained": "magento2_argon2id13",
    "symfony_native_bcrypt": "symfony_bcrypt",
    "symfony_message_digest_sha512": "symfony_sha512",
    "django_md5": "django_salted_md5",
    "django_sha1": "django_salted_sha1",
    "devise_bcrypt_pepper": "devise_bcrypt",
}

#: issue 15 apps whose schemes exist but whose app contexts are not wired yet: their vectors
#: (``tests/vectors/<app>-generated.jsonl``) are checked scheme by scheme (``scheme_vectors.py``), not here
SCHEME_LEVEL_APPS = frozenset({
    "vbulletin", "mybb", "smf", "xenforo", "invision", "mediawiki", "moodle", "opencart",
})

_BCRYPT_COST = re.compile(r"\$2[aby]\$(\d\d)\$")
_ITERATIONS = re.compile(r"^pbkdf2_\w+\$(\d+)\$")


@dataclass(frozen=True)
class Vector:
    """One known answer: what the legacy app answered for ``password`` against ``stored``."""

    source: str
    line: int
    app: str
    scheme: str
    password: str
    stored: str | None
    fields: dict[str, Any]
    options: dict[str, Any]
    expect: bool

    @property
    def expected_scheme(self) -> str:
        if self.app == "devise" and self.scheme in ("bcrypt", "devise_bcrypt"):
            return "devise_bcrypt"
        return SCHEME_NAMES.get(self.scheme, self.scheme)

    @property
    def slow(self) -> bool:
        text = self.stored or ""
        cost = _BCRYPT_COST.search(text)
        iterations = _ITERATIONS.match(text)
        return bool(
            (cost and int(cost.group(1)) >= 12)
            or "argon2" in self.scheme
            or "argon2" in text
            or (self.scheme.startswith("magento2") and self.scheme not in ("magento2_md5", "magento2_sha256"))
            or (iterations and int(iterations.group(1)) >= 100_000)
            or self.scheme == "django_scrypt"
        )

    @property
    def scheme_level(self) -> bool:
        """An app without a :func:`get_context` entry yet (issue 15): checked against ``SCHEMES[scheme]``."""
        return self.app not in APPS

    def context(self) -> HashContext:
        # no dummy padding after weak schemes: it never changes the answer (pinned in test_app_rules) and
        # would add a default-cost dummy verification to every weak vector
        return get_context(self.app, pad_weak=False, **self.options)


def _vector(source: str, line: int, raw: dict[str, Any]) -> Vector:
    app = APP_NAMES.get(raw["app"], raw["app"])
    extra = raw.get("extra") or {}
    stored: str | None = raw["hash"]
    fields: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if app == "q2a":
        stored = extra.get("q2a_passhash")
        if extra.get("q2a_passsalt") is not None:
            fields["passsalt"] = extra["q2a_passsalt"].encode("ascii")  # BINARY(16) comes back as bytes
            fields["passcheck"] = bytes.fromhex(extra["q2a_passcheck_hex"])  # BINARY(20) raw
    if app not in APPS:  # issue 15 apps: the row fields the scheme needs are spelled out under extra.fields
        fields = dict(extra.get("fields") or {})
    if extra.get("salt") is not None and app in ("symfony", "generic"):
        fields["salt"] = extra["salt"]
    if app == "generic" and raw["scheme"] in GENERIC_SCHEMES and "salt" in fields:
        options["generic_scheme"] = raw["scheme"]
    if app == "devise" and extra.get("pepper") not in (None, "None"):
        options["pepper"] = extra["pepper"]
    if app == "symfony" and extra.get("iterations"):
        options["symfony_iterations"] = int(extra["iterations"])
    if app == "discourse":  # the row's salt and password_algorithm columns (None: a row from before the column)
        fields = {"salt": extra.get("salt"), "algorithm": extra.get("algorithm")}
    if app == "prestashop" and extra.get("cookie_key"):
        options["cookie_key"] = extra["cookie_key"]
    return Vector(source, line, app, raw["scheme"], raw["password"], stored, fields, options, bool(raw["expect"]))


def load_vectors() -> list[Vector]:
    """Every vector of every ``tests/vectors/*.jsonl`` file, in file order."""
    out = []
    for path in sorted(VECTOR_DIR.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and json.loads(line)["app"] not in SCHEME_LEVEL_APPS:
                out.append(_vector(path.name, n, json.loads(line)))
    return out


def params(vectors: list[Vector]) -> list[Any]:
    """pytest params with readable ids, slow ones marked ``slow``."""
    return [
        pytest.param(v, id=f"{v.source.removesuffix('.jsonl')}:{v.line}-{v.app}-{v.scheme}-{v.expect}",
                     marks=[pytest.mark.slow] if v.slow else [])
        for v in vectors
    ]
