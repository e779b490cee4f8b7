-- Secret links (invitation, password reset, appointment, waitlist offer, calendar feed) carry
-- the only credential in their token. A client address that presents too many tokens that
-- match nothing is refused for a while: these rows count the misses. No practice owns them.
CREATE TABLE link_misses (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  ip inet NOT NULL
);
CREATE INDEX link_misses_ip_idx ON link_misses (ip, at);
GRANT SELECT, INSERT ON link_misses TO switchboard_app;
GRANT USAGE, SELECT ON SEQUENCE link_misses_id_seq TO switchboard_app;
