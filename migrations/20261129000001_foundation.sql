-- Foundation: practices, people, memberships, sessions, invitations, audit log, mail outbox,
-- and the row-level-security that keeps one practice's rows away from another's.

-- The role every application query runs under (SET ROLE after connect, SET LOCAL ROLE in
-- each scoped transaction). Not a superuser and without BYPASSRLS, so policies hold even
-- when DATABASE_URL names a superuser. Roles are cluster-wide and test databases are
-- migrated concurrently, so a concurrent creation is not an error.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'switchboard_app') THEN
    CREATE ROLE switchboard_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
    EXECUTE format('GRANT switchboard_app TO %I', current_user);
  END IF;
END $$;

-- Scope of the current transaction, set by the application with set_config(..., true).
CREATE FUNCTION app_practice_ids() RETURNS uuid[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('app.practice_ids', true), ''), '{}')::uuid[]
$$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('app.user_id', true), '')::uuid
$$;
-- All practices: agency admins and system work (mail worker, token look-ups).
CREATE FUNCTION app_all_practices() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.all_practices', true), '') = 'on'
$$;
CREATE FUNCTION app_in_scope(p uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT app_all_practices() OR p = ANY (app_practice_ids())
$$;

CREATE TABLE practices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
  time_zone text NOT NULL,
  -- {"mon": [["08:00","17:00"]], ...}: local opening hours per weekday.
  business_hours jsonb NOT NULL DEFAULT '{}'::jsonb,
  phone_script text NOT NULL DEFAULT '',
  emergency_rules text NOT NULL DEFAULT '',
  idle_logout_minutes integer NOT NULL DEFAULT 15 CHECK (idle_logout_minutes BETWEEN 2 AND 480),
  require_admin_mfa boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  display_name text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 120),
  -- argon2id PHC string; NULL until an invitation is accepted.
  password_hash text,
  totp_secret text,
  totp_enabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE agency_admins (
  user_id uuid PRIMARY KEY REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE member_role AS ENUM ('assistant', 'clinician', 'practice_admin');

CREATE TABLE memberships (
  practice_id uuid NOT NULL REFERENCES practices (id),
  user_id uuid NOT NULL REFERENCES users (id),
  role member_role NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (practice_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
  token_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  idle_timeout_minutes integer NOT NULL CHECK (idle_timeout_minutes > 0),
  ip inet,
  user_agent text,
  ended_at timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Every login attempt, for per-account and per-address rate limiting across app nodes.
CREATE TABLE login_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  email_lower text NOT NULL,
  ip inet,
  succeeded boolean NOT NULL
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email_lower, at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at);

CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  email text NOT NULL,
  display_name text NOT NULL,
  role member_role NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  invited_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE password_resets (
  token_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Append-only access log. practice_id NULL: an event outside any practice (a login).
CREATE TABLE audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  practice_id uuid REFERENCES practices (id),
  actor_user_id uuid REFERENCES users (id),
  action text NOT NULL,
  subject_type text,
  subject_id text,
  patient_id uuid,
  ip inet,
  user_agent text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_practice_idx ON audit_events (practice_id, at DESC);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Mail is written here in the same transaction as the change that causes it; a worker sends.
CREATE TABLE mail_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid REFERENCES practices (id),
  to_address text NOT NULL,
  subject text NOT NULL,
  body_text text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  sent_at timestamptz
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Row-level security on every practice-owned table.
ALTER TABLE practices ENABLE ROW LEVEL SECURITY;
ALTER TABLE practices FORCE ROW LEVEL SECURITY;
CREATE POLICY practices_scope ON practices
  USING (app_in_scope(id))
  WITH CHECK (app_in_scope(id));
-- A person may read the practices they belong to (the practice switcher).
CREATE POLICY practices_member_read ON practices FOR SELECT
  USING (EXISTS (SELECT 1 FROM memberships m WHERE m.practice_id = id AND m.user_id = app_user_id()));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
-- A person may always read their own memberships: that is how their scope is found.
CREATE POLICY memberships_read ON memberships FOR SELECT
  USING (app_in_scope(practice_id) OR user_id = app_user_id());
CREATE POLICY memberships_insert ON memberships FOR INSERT WITH CHECK (app_in_scope(practice_id));
CREATE POLICY memberships_update ON memberships FOR UPDATE
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));
CREATE POLICY memberships_delete ON memberships FOR DELETE USING (app_in_scope(practice_id));

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_scope ON invitations
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit_events FOR SELECT USING (app_in_scope(practice_id));
CREATE POLICY audit_insert ON audit_events FOR INSERT
  WITH CHECK (practice_id IS NULL OR app_in_scope(practice_id));

ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_outbox_scope ON mail_outbox
  USING (practice_id IS NULL AND app_all_practices() OR app_in_scope(practice_id))
  WITH CHECK (practice_id IS NULL OR app_in_scope(practice_id));

-- Privileges of the application role. Later migrations grant their own tables.
GRANT USAGE ON SCHEMA public TO switchboard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
  practices, users, agency_admins, memberships, sessions, login_attempts, invitations,
  password_resets, mail_outbox
  TO switchboard_app;
GRANT SELECT, INSERT ON audit_events TO switchboard_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO switchboard_app;
