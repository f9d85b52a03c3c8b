"""Instruction counts (valgrind callgrind) of the authorizer's paths, per token: deterministic where CPU time is not.

Run: ``.venv/bin/python tests/bench/callgrind_authorizer.py [N]`` (valgrind required). Tokens and keys are made
once outside valgrind; each path then runs under callgrind twice, on N tokens and on none, and the difference
divided by N is its cost per token (``PYTHONHASHSEED=0``). Paths: raw ``cryptography`` verify, the verify path
before issue #17 (from git, ``BENCH_AUTHORIZER_BEFORE``), today's single-issuer verify, verify with three issuers
configured, and the REST ``TOKEN`` handler with three issuers. It reports; the targets live in bench_authorizer.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

PATHS = ("raw", "before", "verify1", "verify3", "handler3", "step_base64", "step_json", "step_claims")
_CHILD = r'''
import base64, json, sys
sys.path[:0] = [sys.argv[3], sys.argv[3] + "/tests/bench"]
from bench_authorizer import _verifier_before, three_issuer_authorizer
from authorizer.handler import build_authorizer
data = json.load(open(sys.argv[1]))
every, n, path = data["tokens"], int(sys.argv[2]), data["path"]
tokens = every[:n]  # prepared data below is built from every token in both runs, so only the loops differ
env = {"USER_POOL_ID": data["pool"], "APP_CLIENT_IDS": data["client"], "JWKS_JSON": json.dumps(data["jwks"]),
       "TOKEN_CACHE_SIZE": "0"}
plain = build_authorizer(env)
multi = three_issuer_authorizer(data["jwks"], 0)
if path == "raw":
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    key, pad, sha = plain.keys.get(data["kid"]), padding.PKCS1v15(), hashes.SHA256()
    signed = [(base64.urlsafe_b64decode(t.split(".")[2] + "=="), t.rsplit(".", 1)[0].encode()) for t in every]
    for sig, msg in signed[:n]:
        key.verify(sig, msg, pad, sha)
elif path.startswith("step_"):  # the mandatory steps alone, as in docs/authorizer.md
    import binascii, time
    from authorizer.strictjson import loads_object
    parts = [t.split(".") for t in every]
    std = [(p.replace("-", "+").replace("_", "/") + "=" * (-len(p) % 4),
            s.replace("-", "+").replace("_", "/") + "=" * (-len(s) % 4)) for _, p, s in parts]
    raw_payloads = [binascii.a2b_base64(p) for p, _ in std]
    payloads = [loads_object(p) for p in raw_payloads]
    check, now = next(iter(multi.verifier.issuers.values())).check, time.time()
    if path == "step_base64":
        for p, s in std[:n]:
            binascii.a2b_base64(p, strict_mode=True)
            binascii.a2b_base64(s, strict_mode=True)
    elif path == "step_json":
        for p in raw_payloads[:n]:
            loads_object(p)
    else:
        for claims in payloads[:n]:
            check(claims, now)
elif path == "before":
    verify = _verifier_before(plain.settings, plain.keys)
    for t in tokens:
        verify(t)
elif path == "verify1":
    for t in tokens:
        plain.verifier.verify(t)
elif path == "verify3":
    for t in tokens:
        multi.verifier.verify(t)
else:
    import authorizer.handler as h
    h.AUTHORIZER = multi
    event = {"type": "TOKEN", "authorizationToken": "", "methodArn":
             "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/reports/2026"}
    for t in tokens:
        event["authorizationToken"] = "Bearer " + t
        h.handler(event, None)
'''


def _instructions(script: Path, data: Path, n: int, workdir: Path) -> int:
    out = workdir / f"cg.{os.getpid()}.{n}.out"
    env = dict(os.environ, PYTHONHASHSEED="0", POWERTOOLS_LOG_LEVEL="ERROR", USER_POOL_ID="eu-west-1_Cold1",
               APP_CLIENT_IDS="coldclient")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(script),
                    str(data), str(n), str(ROOT)], check=True, env=env, capture_output=True)
    text = out.read_text(encoding="utf-8", errors="replace")
    out.unlink()
    m = re.search(r"^summary:\s+(\d+)", text, re.MULTILINE) or re.search(r"^totals:\s+(\d+)", text, re.MULTILINE)
    assert m is not None, "no callgrind summary"
    return int(m.group(1))


def main(n: int) -> int:
    from tests.unit.authorizer.support import CLIENT_ID, POOL_ID, RsaKey, access_claims, jwks, mint

    key = RsaKey("bench-access-kid")
    tokens = [mint(key, access_claims()) for _ in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        script = work / "child.py"
        script.write_text(_CHILD, encoding="utf-8")
        per_token: dict[str, float] = {}
        for path in PATHS:
            data = work / f"{path}.json"
            data.write_text(json.dumps({"tokens": tokens, "path": path, "pool": POOL_ID, "client": CLIENT_ID,
                                        "jwks": jwks(key), "kid": key.kid}), encoding="utf-8")
            per_token[path] = (_instructions(script, data, n, work) - _instructions(script, data, 0, work)) / n
    print(f"instructions per token (callgrind, {n} tokens minus none)")
    for path in PATHS:
        print(f"  {path:10s} {per_token[path] / 1000:8.1f} k   x raw {per_token[path] / per_token['raw']:.3f}")
    steps = per_token["step_base64"] + per_token["step_json"] + per_token["step_claims"]
    rest = (per_token["handler3"] - per_token["raw"] - steps) / 1000
    print(f"  rest of handler3 (segments, header, issuer and key lookup, principal, event, policy) {rest:.1f} k")
    print(f"  handler3 / verify before issue #17 = {per_token['handler3'] / per_token['before']:.3f}")
    print(f"  handler3 / verify1 (single issuer) = {per_token['handler3'] / per_token['verify1']:.3f}")
    print(f"  verify3 / verify before issue #17  = {per_token['verify3'] / per_token['before']:.3f}")
    print(f"  raw / handler3                     = {per_token['raw'] / per_token['handler3']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
