-- OrleansRepl membership, migration 2: the silos, their addresses, generations and heartbeats. Safe to run again.
CREATE TABLE IF NOT EXISTS orepl_membership (
    silo_id          text        NOT NULL PRIMARY KEY,
    node_id          text        NOT NULL,
    host             text        NOT NULL,
    replication_port int         NOT NULL,
    gateway_port     int         NOT NULL,
    status           text        NOT NULL,
    generation       bigint      NOT NULL,
    started_at       timestamptz NOT NULL,
    i_am_alive       timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS orepl_membership_node ON orepl_membership (node_id, generation);
