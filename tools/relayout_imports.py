"""Rewrite imports, dotted names and paths after the issue-13 package layout (idempotent).

Run from the repository root: ``python tools/relayout_imports.py [paths...]`` (default: every tracked text file).
Branches written against the old flat ``legacy_auth/`` layout can run it after merging.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CMDS = ("check", "clients", "export", "reconcile", "release", "scan", "sql", "status")
MOVES: dict[str, str] = {
    "migration": "migration.policy",
    "attributes": "migration.attributes",
    "store": "migration.store",
    "tracking": "migration.tracking",
    "canonical": "migration.canonical",
    "lockout": "migration.lockout",
    "config": "migration.config",
    "config_parse": "env",
    "hooks_config": "hooks.config",
    "db.deadline": "deadline",
    **{m: f"hooks.{m}" for m in ("signup_policy", "signup_guard", "signup_identity", "provisioning",
                                 "provisioning_failures", "reconcile", "claims", "cognito_users", "app_schema")},
    **{f"cli.{c}_cmd": f"cli.commands.{c}" for c in CMDS},
}
_ALT = "|".join(re.escape(k) for k in sorted(MOVES, key=len, reverse=True))
_SLASH_ALT = "|".join(re.escape(k.replace(".", "/")) for k in sorted(MOVES, key=len, reverse=True))
_NEW_LEAF = r"(policy|attributes|store|tracking|canonical|lockout|config)\b"
# Not already rewritten: "legacy_auth.migration.policy" must not become "...policy.policy".
_DOTTED = re.compile(rf"(?<![\w.])legacy_auth\.({_ALT})(?![\w])(?!\.{_NEW_LEAF})(?!\s+import\s+\(?\s*{_NEW_LEAF})")
_SLASH = re.compile(rf"(?<![\w/])legacy_auth/({_SLASH_ALT})\.py\b")
_FROM = re.compile(r"^(\s*)from legacy_auth(\.cli)? import ([a-z_]+)\s*$", re.M)


def _from(match: re.Match[str]) -> str:
    indent, sub, name = match.group(1), match.group(2) or "", match.group(3)
    key = (sub[1:] + "." if sub else "") + name
    if key not in MOVES:
        return match.group(0)
    parent, _, leaf = ("legacy_auth." + MOVES[key]).rpartition(".")
    alias = f" as {name}" if leaf != name else ""
    return f"{indent}from {parent} import {leaf}{alias}"


def rewrite(text: str) -> str:
    text = _DOTTED.sub(lambda m: "legacy_auth." + MOVES[m.group(1)], text)
    text = _FROM.sub(_from, text)
    return _SLASH.sub(lambda m: "legacy_auth/" + MOVES[m.group(1).replace("/", ".")].replace(".", "/") + ".py", text)


def main(argv: list[str]) -> int:
    git = ["git", "ls-files"]
    paths = argv or subprocess.run(git, check=True, capture_output=True, text=True).stdout.split()  # noqa: S603
    for name in paths:
        path = Path(name)
        if path.suffix not in {".py", ".md", ".toml", ".yaml", ".yml", ".txt", ".cfg", ".sh", ".json", ""}:
            continue
        if not path.is_file() or path.name in {"relayout_imports.py", "test_layout.py"}:
            continue
        try:
            old = path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        new = rewrite(old)
        if new != old:
            path.write_text(new, "utf-8")
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
