-- Busy claims found through a b-tree on plain start times.
--
-- Row-level security evaluates its policy before any condition that is not leakproof, and
-- the range operator `&&` is not: a search `span && $window` could use the index only for
-- `practice_id`, and read every claim of the practice. Timestamp comparisons are leakproof,
-- so conditions on these columns reach the index. A claim lasts at most a day plus the
-- largest buffers (2 h before, 2 h after), which bounds a search on `starts` on both sides.

ALTER TABLE busy_claims
  ADD COLUMN starts timestamptz GENERATED ALWAYS AS (lower(span)) STORED,
  ADD COLUMN ends timestamptz GENERATED ALWAYS AS (upper(span)) STORED,
  ADD CONSTRAINT busy_claims_length CHECK (upper(span) <= lower(span) + interval '1 day 4 hours');

CREATE INDEX busy_claims_starts_idx ON busy_claims (practice_id, resource_id, starts);
