-- Topology edits (a vertex move, a split, a merge) that carried a client
-- id, so that a retry is answered as the first attempt was.
--
-- A split or a merge cannot recognise its own retry by content: after a
-- split the line no longer cuts the unit in two, after a merge the merged
-- codes are retired. So a client names each edit with a UUID of its
-- choosing, as it names a report or a workflow step, and the edit's own
-- transaction records it here, after the topology lock: a retry by the same
-- actor with the same request (the fingerprint) reads the answer back from
-- this row and writes nothing; the id with another request is refused.
--
-- The answer is kept by reference — the versions it named, which are never
-- changed once written (an edit closes a version, it does not alter it) —
-- so a replay reads the same boundaries by code and version. Topology
-- edits are rare and each row is small; nothing prunes them.
CREATE TABLE topology_request (
  client_id   uuid        PRIMARY KEY,
  actor       text        NOT NULL,
  kind        text        NOT NULL CHECK (kind IN ('move', 'split', 'merge')),
  -- fingerprint is the hex SHA-256 of the validated request in a fixed
  -- encoding (geo.RetryKey): the unit, the line at full precision, the
  -- codes and names given; not of the bytes sent.
  fingerprint text        NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  -- at is when the edit wrote its versions (their valid_from); for a move
  -- that found everything moved already, when it was recorded.
  at          timestamptz NOT NULL,
  -- units and enclaves are the versions the answer listed, in its order,
  -- as [{"kind", "code", "version"}]; retired and unchanged as answered;
  -- warnings as answered (geo.ImportIssue).
  units       jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(units) = 'array'),
  enclaves    jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(enclaves) = 'array'),
  retired     jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(retired) = 'array'),
  unchanged   jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(unchanged) = 'array'),
  warnings    jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(warnings) = 'array')
);
