-- Open realtime connections: who is online now, across every app node.
CREATE TABLE presence (
  connection_id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  connected_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX presence_user_idx ON presence (user_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON presence TO switchboard_app;
