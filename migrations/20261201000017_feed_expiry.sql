-- A calendar feed may be made to stop working by itself (a phone that is only borrowed, a
-- locum's month): past its expiry it answers like a revoked one.
ALTER TABLE calendar_feeds ADD COLUMN expires_at timestamptz;
