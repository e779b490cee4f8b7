-- A person's notifications: a short text (never patient data: it may show on a lock
-- screen), a link to its object inside the app (ids only), per practice. Written inside the
-- transaction of the change that caused it, like the mail outbox, and delivered live to the
-- person's open pages. Nothing is deleted; reading marks it read.
CREATE TABLE notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  user_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL,
  text text NOT NULL CHECK (length(text) BETWEEN 1 AND 160),
  link text NOT NULL CHECK (link LIKE '/p/%'),
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
-- Anyone working in the practice may notify one of its people; each reads and marks only
-- their own, and only of practices in the transaction's scope.
CREATE POLICY notifications_insert ON notifications FOR INSERT
  WITH CHECK ((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]));
CREATE POLICY notifications_read ON notifications FOR SELECT
  USING (((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]))
    AND user_id = (SELECT app_user_id()));
CREATE POLICY notifications_mark ON notifications FOR UPDATE
  USING (((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]))
    AND user_id = (SELECT app_user_id()))
  WITH CHECK (user_id = (SELECT app_user_id()));
GRANT SELECT, INSERT, UPDATE (read_at) ON notifications TO switchboard_app;
