-- Housekeeping removes secret-link misses once they no longer count (the app role could
-- only add them), and old login attempts by time.
GRANT DELETE ON link_misses TO switchboard_app;
CREATE INDEX IF NOT EXISTS login_attempts_at_idx ON login_attempts (at);
