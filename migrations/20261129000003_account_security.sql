-- Account security: password-reset requests are rate-limited per address too, TOTP codes
-- cannot be replayed, and recovery codes stand in for a lost authenticator.

ALTER TABLE password_resets ADD COLUMN requested_ip inet;
-- A request for an address without an account is kept (used up at once) for the
-- per-address limit, with no person behind it.
ALTER TABLE password_resets ALTER COLUMN user_id DROP NOT NULL;
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);
CREATE INDEX password_resets_ip_idx ON password_resets (requested_ip, created_at);

-- The last 30-second TOTP step accepted for the person: a code is good once.
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- One-time recovery codes (SHA-256 of the code; the codes are shown once, at enrolment).
CREATE TABLE recovery_codes (
  user_id uuid NOT NULL REFERENCES users (id),
  code_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);
-- Not practice-owned: a person's own rows. Reached only through the account's own server
-- functions (scoped to that person) and the login check.
ALTER TABLE recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE recovery_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY recovery_codes_own ON recovery_codes
  USING (user_id = app_user_id() OR app_all_practices())
  WITH CHECK (user_id = app_user_id() OR app_all_practices());
GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_codes TO switchboard_app;
