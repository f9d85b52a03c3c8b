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
SCHEME_LEVEL_APPS: frozenset[str] = frozenset()  # every issue 15 app is wired to get_context now

#: issue 15 apps wired to get_context -> the ``extra`` keys of their vectors that are row fields
EXTRA_FIELDS = {"vbulletin": ("salt", "scheme"), "mybb": ("salt",), "smf": ("username",)}

#: wired issue 15 apps -> the ``extra`` keys of their vectors that are row fields (``None`` values are left out)
ISSUE15_ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "invision": ("salt",),
    "mediawiki": (),
    "moodle": (),
    "opencart": ("salt",),
}

_BCRYPT_COST = re.compile(r"\$2[aby]\$(\d\d)\$")
_ITERATIONS = re.compile(r"^pbkdf2_\w+\$(\d+)\$|^pbkdf2:\w+:(\d+)\$|^\$pbkdf2[-\w]*\$(\d+)\$")
_SCRYPT_N = re.compile(r"^scrypt:(\d+):|ln=(\d+),|^\{scrypt[^}]*\}\$([0-9a-f]{1,3})[0-9a-f]{4}\$")
#: Spring's PBKDF2 encoders run their fixed defaults (185,000 / 310,000 iterations) whatever the value says
_FIXED_COST = frozenset({"spring_pbkdf2", "spring_pbkdf2_v5_8"})


def _costly_scrypt(stored: str) -> bool:
    """Werkzeug ``scrypt:N:...`` or passlib ``ln=`` at N >= 2^14 (16 MiB and more)."""
    m = _SCRYPT_N.search(stored)
    if m is None:
        return False
    if m.group(3):  # Spring: hex params = log2(N) << 16 | r << 8 | p
        return int(m.group(3), 16) >= 14
    return (int(m.group(1)) if m.group(1) else 1 << int(m.group(2))) >= 1 << 14


def _costly_keycloak(fields: dict[str, Any]) -> bool:
    """A Keycloak credential of argon2 or of 100,000+ PBKDF2 iterations (its ``credential_data`` says)."""
    try:
        data = json.loads(fields.get("credential_data") or "{}")
    except ValueError:
        return False
    return isinstance(data, dict) and (data.get("algorithm") == "argon2" or
                                       int(data.get("hashIterations") or 0) >= 100_000)


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
            or (iterations and int(next(g for g in iterations.groups() if g)) >= 100_000)
            or _costly_scrypt(text)
            or self.scheme == "django_scrypt"
            or _costly_keycloak(self.fields)
            or self.scheme in _FIXED_COST
        )

    @property
    def scheme_level(self) -> bool:
        """An app without a :func:`get_context` entry yet (issue 15): checked against ``SCHEMES[scheme]``."""
        return self.app not in APPS

    def context(self) -> HashContext:
        # no dummy padding after weak schemes: it never changes the answer (pinned in test_app_rules) and
        # would add a default-cost dummy verification to every weak vector
        return get_context(self.app, pad_weak=False, **self.options)


def _refused_before_hashing(app: str, password: str) -> bool:
    rules = APPS[app]
    too_long = rules.max_bytes is not None and len(password.encode("utf-8")) > rules.max_bytes
    return password in rules.reject_empty or too_long


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
    if app not in APPS or "fields" in extra:  # issue 15 apps: the row fields the scheme needs, under extra.fields
        fields = dict(extra.get("fields") or {})
    if app == "firebase":  # the row's salt; the project's parameters are the app's options
        project = dict(extra["fields"])
        fields = {"salt": project.pop("salt")}
        options = {f"firebase_{key}": value for key, value in project.items()}
    if app == "ldap" and source.startswith("ldap389"):  # 389 Directory Server's own values
        options["ldap_server"] = "389ds"
    if app in EXTRA_FIELDS:  # issue 15 apps wired to get_context: their row fields sit directly under extra
        fields = {k: extra[k] for k in EXTRA_FIELDS[app] if k in extra}
    if app == "xenforo":  # XenForo stores the handler's class beside the serialised data
        fields["scheme_class"] = "XF:Core12" if raw["scheme"] == "xenforo_core12" else "XF:Core"
        if extra.get("bmp_only"):
            options["xenforo_bmp_only"] = True
    fields.update({k: extra[k] for k in ISSUE15_ROW_FIELDS.get(app, ()) if extra.get(k) is not None})
    if extra.get("salt") is not None and app in ("symfony", "generic"):
        fields["salt"] = extra["salt"]
    if app == "generic" and raw["scheme"] in GENERIC_SCHEMES and "salt" in fields:
        options["generic_scheme"] = raw["scheme"]
    if app == "devise" and extra.get("pepper") not in (None, "None"):
        options["pepper"] = extra["pepper"]
    if app == "werkzeug" and raw["scheme"] == "werkzeug_legacy_digest":  # made by Werkzeug 2.2.3
        options["werkzeug_legacy_digests"] = True
    if app == "moodle" and extra.get("site_salt"):
        options["moodle_site_salt"] = extra["site_salt"]
    if app == "moodle" and extra.get("alt_salts"):
        options["moodle_alt_salts"] = json.dumps(extra["alt_salts"])  # LEGACY_MOODLE_ALT_SALTS is a JSON array
    if app == "opencart" and extra.get("transform") == "opencart3_input":
        options["opencart_version"] = 3  # answered by OpenCart 3's login (the app's default rules are 4's)
    if app == "symfony" and extra.get("iterations"):
        options["symfony_iterations"] = int(extra["iterations"])
    if app == "discourse":  # the row's salt and password_algorithm columns (None: a row from before the column)
        fields = {"salt": extra.get("salt"), "algorithm": extra.get("algorithm")}
    if app == "prestashop" and extra.get("cookie_key"):
        options["cookie_key"] = extra["cookie_key"]
    # a hash-level "yes" for a password the app refuses before hashing (MediaWiki's password policy refuses "" and
    # more than 4096 bytes at login; its Password::verify accepts both) is the app's "no" through get_context
    expect = bool(raw["expect"]) and not (app in ISSUE15_ROW_FIELDS and _refused_before_hashing(app, raw["password"]))
    return Vector(source, line, app, raw["scheme"], raw["password"], stored, fields, options, expect)


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
