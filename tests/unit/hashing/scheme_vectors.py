"""Load the issue-15 (part A) vectors and map them onto :meth:`Scheme.verify` calls.

These apps have schemes but no ``get_context`` app yet, so each vector is checked against the scheme it names,
with the row fields and context options from ``extra`` and the app's input transform named by
``extra.transform`` (when the app changes the password before hashing it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from legacy_auth.hashing.forum_schemes import smf_input
from legacy_auth.hashing.shop_schemes import opencart3_input, opencart4_input

from .vectors import SCHEME_LEVEL_APPS, VECTOR_DIR

#: ``extra`` keys that are row fields or context options of the schemes (everything else is a note)
FIELD_KEYS = ("salt", "username", "algorithm", "site_salt", "alt_salts", "cookie_key")
TRANSFORMS: dict[str, Callable[[str], list[str]]] = {
    "opencart3_input": opencart3_input,
    "opencart4_input": opencart4_input,
    "smf_input": smf_input,
}
_BCRYPT_COST = re.compile(r"\$2[aby]\$(\d\d)\$")


@dataclass(frozen=True)
class SchemeVector:
    """One known answer of an issue-15 app, checked at the scheme level."""

    source: str
    line: int
    app: str
    scheme: str
    password: str
    stored: str
    fields: dict[str, Any]
    transform: Callable[[str], list[str]] | None
    expect: bool

    def candidates(self) -> list[str]:
        return self.transform(self.password) if self.transform else [self.password]

    @property
    def slow(self) -> bool:
        cost = _BCRYPT_COST.search(self.stored)
        return bool((cost and int(cost.group(1)) >= 12) or "i=600000" in str(self.fields.get("algorithm")))


def load_scheme_vectors() -> list[SchemeVector]:
    """Every vector of the scheme-level apps, in file order."""
    out = []
    for path in sorted(VECTOR_DIR.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            if raw["app"] not in SCHEME_LEVEL_APPS:
                continue
            extra = raw.get("extra") or {}
            fields = {k: extra[k] for k in FIELD_KEYS if k in extra}
            transform = TRANSFORMS[extra["transform"]] if "transform" in extra else None
            out.append(SchemeVector(path.name, n, raw["app"], raw["scheme"], raw["password"], raw["hash"], fields,
                                    transform, bool(raw["expect"])))
    return out


def params(vectors: list[SchemeVector]) -> list[Any]:
    """pytest params with readable ids, slow ones marked ``slow``."""
    return [
        pytest.param(v, id=f"{v.source.removesuffix('.jsonl')}:{v.line}-{v.scheme}-{v.expect}",
                     marks=[pytest.mark.slow] if v.slow else [])
        for v in vectors
    ]
