-- Guessing bound for not-yet-migrated users (LEGACY_LOCKOUT_MAX_FAILURES > 0), SQLite (3.24+ for the upsert).
-- A separate table in the tracking database (the legacy database): the legacy users table is never altered.
-- One row per legacy account ("u:" + legacy primary key), or one of 16 "d:NN" rows written for logins that match
-- no account (so every answer runs the same statements). Written with one upsert per sign-in attempt:
--   attempts      attempts counted in the current window (the trigger verifies while attempts <= the limit)
--   window_start  epoch seconds when the window began (a new window starts at the first attempt after it ends)
--   fingerprint   keyed HMAC-SHA256 (truncated to 64 bits) of the last attempt, never a password or a plain
--                 hash of one: a Cognito retry of the same sign-in within 30 s is counted once
--   seen_at       epoch seconds of the last attempt
-- A successful sign-in deletes the row. Table name: LEGACY_LOCKOUT_TABLE (default legacy_auth_lockouts).
-- The trigger needs SELECT, INSERT, UPDATE, DELETE on this one table. Create it before enabling the bound.
CREATE TABLE IF NOT EXISTS "legacy_auth_lockouts" (
    "account" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "window_start" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "seen_at" INTEGER NOT NULL,
    PRIMARY KEY ("account")
);
