-- A kept change serves its 30 seconds of undo; housekeeping (system work across every
-- practice, nobody signed in) removes those older than a day, and sees only those (a DELETE
-- reads what it removes). Nothing younger is deleted, by anyone.
CREATE POLICY entry_undos_purge_read ON entry_undos FOR SELECT
  USING (app_all_practices() AND (SELECT app_user_id()) IS NULL AND made_at < now() - interval '1 day');
CREATE POLICY entry_undos_purge ON entry_undos FOR DELETE
  USING (app_all_practices() AND (SELECT app_user_id()) IS NULL);
CREATE POLICY entry_undos_only_old ON entry_undos AS RESTRICTIVE FOR DELETE
  USING (made_at < now() - interval '1 day');
GRANT DELETE ON entry_undos TO switchboard_app;
