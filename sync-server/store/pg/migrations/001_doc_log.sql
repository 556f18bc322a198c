-- The Yjs update log of each document (store/pg/docLog.ts): a head row per document (the last
-- sequence number given, the snapshot and what it folds), and the updates after the snapshot.
-- Payloads are sealed (store/pg/db.ts); doc names hold ids only (dossier/<consultation id>).
CREATE TABLE doc_heads (
  doc_name text PRIMARY KEY,
  last_seq bigint NOT NULL DEFAULT 0,
  snapshot_up_to bigint NOT NULL DEFAULT 0,
  snapshot bytea
);
CREATE TABLE doc_updates (
  doc_name text NOT NULL,
  seq bigint NOT NULL,
  payload bytea NOT NULL,
  PRIMARY KEY (doc_name, seq)
);
