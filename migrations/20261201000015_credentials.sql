-- Credentials apart from the people they belong to.
--
-- Password hashes and sealed authenticator secrets lived on `users`, which every scope
-- reads (colleagues' names): a practice-scoped transaction could read every hash and
-- rewrite another practice's person's. Here they are the person's own rows: a transaction
-- sees and writes only the credentials of the person it is scoped to (`app.user_id`), in
-- any scope, the agency's and background work's included. Sign-in, a password reset and
-- accepting an invitation narrow their transaction to the person first.
CREATE TABLE credentials (
  user_id uuid PRIMARY KEY REFERENCES users (id),
  -- argon2id PHC string; NULL until an invitation is accepted.
  password_hash text,
  totp_secret text,
  totp_enabled_at timestamptz,
  -- The last 30-second TOTP step accepted: a code is good once.
  totp_last_step bigint
);
INSERT INTO credentials (user_id, password_hash, totp_secret, totp_enabled_at, totp_last_step)
  SELECT id, password_hash, totp_secret, totp_enabled_at, totp_last_step FROM users
   WHERE password_hash IS NOT NULL OR totp_secret IS NOT NULL;
ALTER TABLE users
  DROP COLUMN password_hash,
  DROP COLUMN totp_secret,
  DROP COLUMN totp_enabled_at,
  DROP COLUMN totp_last_step;

-- Not FORCE'd: the owner (migrations, start-up's re-sealing of secrets, has_password) reads
-- every row; the application's login, which owns nothing, only its person's.
ALTER TABLE credentials ENABLE ROW LEVEL SECURITY;
CREATE POLICY credentials_own ON credentials
  USING (user_id = (SELECT app_user_id()))
  WITH CHECK (user_id = (SELECT app_user_id()));
GRANT SELECT, INSERT, UPDATE ON credentials TO switchboard_app;

-- Whether an account can sign in with a password (an invited person has none yet): all
-- that anyone else may learn of a person's credentials.
CREATE FUNCTION has_password(person uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (SELECT 1 FROM public.credentials c WHERE c.user_id = person AND c.password_hash IS NOT NULL)
$$;
REVOKE ALL ON FUNCTION has_password(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION has_password(uuid) TO switchboard_app;

-- Recovery codes likewise: the person's own, never the agency's or a worker's.
ALTER POLICY recovery_codes_own ON recovery_codes
  USING (user_id = (SELECT app_user_id()))
  WITH CHECK (user_id = (SELECT app_user_id()));

-- An audit event names as its actor the person the transaction is scoped to, or no one:
-- the application cannot write an event that blames someone else.
ALTER POLICY audit_insert ON audit_events
  WITH CHECK (
    (practice_id IS NULL OR (SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]))
    AND (actor_user_id IS NULL OR actor_user_id = (SELECT app_user_id()))
  );
