// Bench-only: aws-jwt-verify's CognitoJwtVerifier.verifySync over the same tokens and JWKS as
// tests/bench/bench_authorizer.py. Usage: node ajv.mjs <input.json>; prints one JSON line.
// input: {userPoolId, clientId, jwks, tokens: [...], rounds, repeatToken}
import { readFileSync } from "node:fs";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const verifier = CognitoJwtVerifier.create({
  userPoolId: input.userPoolId,
  tokenUse: "access",
  clientId: input.clientId,
});
verifier.cacheJwks(input.jwks);

// CPU time (user + system, microseconds), like the Python side's thread_time: robust to preemption
// on a busy shared machine. Wall time is reported too.
function cpuMicros() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function perTokenMicros(tokens) {
  const c0 = cpuMicros();
  for (const t of tokens) verifier.verifySync(t);
  return (cpuMicros() - c0) / tokens.length;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const distinct = input.tokens;
const repeat = new Array(distinct.length).fill(input.repeatToken);
for (let i = 0; i < 3; i++) { perTokenMicros(distinct); perTokenMicros(repeat); }
const d = [], r = [];
for (let i = 0; i < input.rounds; i++) { d.push(perTokenMicros(distinct)); r.push(perTokenMicros(repeat)); }
let rejected = 0;
for (const t of input.invalid || []) { try { verifier.verifySync(t); } catch { rejected++; } }
console.log(JSON.stringify({
  version: JSON.parse(readFileSync(new URL("./node_modules/aws-jwt-verify/package.json", import.meta.url))).version,
  node: process.version,
  distinct_us: median(d),
  repeat_us: median(r),
  distinct_rounds: d,
  repeat_rounds: r,
  invalid_rejected: rejected,
}));
