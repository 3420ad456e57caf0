-- OrleansRepl grain state, migration 1. The silo applies this itself at start-up (idempotently, under an
-- advisory lock); a DBA may run it by hand instead. Every statement is safe to run again.
CREATE TABLE IF NOT EXISTS orepl_grain_state (
    grain_type  text        NOT NULL,
    grain_key   text        NOT NULL,
    version     bigint      NOT NULL,
    payload     jsonb       NOT NULL,
    modified_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key)
);
