-- Access tokens. A token is shown once when it is created; only
-- its SHA-256 is stored, so a copy of the database cannot be used to call
-- the API. The name is the actor written to the change log for every edit
-- made with the token.

CREATE TABLE api_token (
  id           bigserial   PRIMARY KEY,
  hash         bytea       NOT NULL UNIQUE CHECK (length(hash) = 32),
  name         text        NOT NULL CHECK (name ~ '^[^[:cntrl:]]{1,100}$'),
  role         text        NOT NULL CHECK (role IN ('admin', 'editor', 'reporter', 'viewer')),
  -- scope_code limits the token to a unit and its descendants by code
  -- prefix; NULL means everywhere.
  scope_code   text        CHECK (scope_code ~ '^[0-9]{6}([0-9]{3}){0,4}$'),
  created_by   text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  -- last_used_at is refreshed at most once a minute per token, so that
  -- authenticating is not a write per request.
  last_used_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX api_token_name_idx ON api_token (name);
