-- Migration tracking table (LEGACY_TRACK_MIGRATION=true), MySQL / MariaDB.
-- A separate table: the legacy users table is never altered. One row per legacy user, keyed by the legacy
-- primary key; written with an upsert so Cognito's up-to-3 retries of one sign-in leave one row.
-- status: reset_pending (forgot-password migration, reset code sent) < migrated (signed in with the legacy
-- password) < reset_completed (new password set in Cognito); a row never moves back to a lower status.
-- job_id, fingerprint: users imported by `legacy-auth export --start` (status imported, trigger_source
-- UserImport_*): the import job's id and a fingerprint of the exported row's state and hash (never the hash).
-- A table created before these columns: `legacy-auth export --start` prints the ALTER TABLE statements.
-- Table name: LEGACY_TRACKING_TABLE (default legacy_auth_migrations). Create it before enabling tracking.
CREATE TABLE IF NOT EXISTS `legacy_auth_migrations` (
    `legacy_id` VARCHAR(191) NOT NULL,
    `app` VARCHAR(32) NOT NULL,
    `status` VARCHAR(20) NOT NULL,
    `scheme` VARCHAR(64) NULL,
    `trigger_source` VARCHAR(64) NOT NULL,
    `events` INT NOT NULL DEFAULT 1,
    `first_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `last_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `completed_at` TIMESTAMP NULL DEFAULT NULL,
    `job_id` VARCHAR(64) NULL,
    `fingerprint` VARCHAR(80) NULL,
    PRIMARY KEY (`legacy_id`),
    KEY `ix_legacy_auth_migrations_status` (`status`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
