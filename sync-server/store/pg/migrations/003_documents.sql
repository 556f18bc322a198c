-- Documents (store/pg/blobs.ts, store/pg/documentRepos.ts). Clear columns hold ids, hashes and
-- times only; every other value is sealed (store/pg/db.ts) for its row.

-- Uploaded bytes: one row per upload, keyed by a random id that names its chunks. The content
-- hash is known only at the end of an upload: `finish` then sets sha_key (an HMAC of the sha-256,
-- so that the table does not confirm that a known file is stored) and flips `complete` in one
-- transaction. Rows not complete are uploads in progress, or interrupted ones that sweepTemp
-- removes once untouched for a while.
CREATE TABLE blobs (
  upload_id uuid PRIMARY KEY,
  sha_key text UNIQUE,
  size bigint NOT NULL DEFAULT 0,
  chunks integer NOT NULL DEFAULT 0,
  complete boolean NOT NULL DEFAULT false,
  touched_at timestamptz NOT NULL DEFAULT now(),
  CHECK (complete = (sha_key IS NOT NULL))
);
CREATE INDEX blobs_incomplete ON blobs (touched_at) WHERE NOT complete;

-- Each chunk sealed (AES-256-GCM) for (upload id, index): a chunk moved to another place does not open.
CREATE TABLE blob_chunks (
  upload_id uuid NOT NULL REFERENCES blobs (upload_id) ON DELETE CASCADE,
  idx integer NOT NULL,
  payload bytea NOT NULL,
  PRIMARY KEY (upload_id, idx)
);
-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE blob_chunks ALTER COLUMN payload SET STORAGE EXTERNAL;

-- Who holds a blob (documents/blobRefs.ts), by the same HMAC of the content hash as blobs.sha_key.
-- owner: `dossier:<consultation id>` or `signature:<user id>`.
CREATE TABLE blob_refs (
  sha_key text NOT NULL,
  owner text NOT NULL,
  PRIMARY KEY (sha_key, owner)
);

-- The server's record of each document of a dossier (documents/documentRecords.ts).
CREATE TABLE document_records (
  consultation_id text NOT NULL,
  document_id text NOT NULL,
  payload bytea NOT NULL,
  PRIMARY KEY (consultation_id, document_id)
);

-- Each professional's signature image (documents/signatureImages.ts).
CREATE TABLE signature_images (
  user_id text PRIMARY KEY,
  payload bytea NOT NULL
);

-- «Coffre-fort» links (documents/vaultLinks.ts), keyed as in LMDB by the sha-256 of the link's
-- token. created_at: the link's ISO time, for forConsultation's order.
CREATE TABLE vault_links (
  token_hash text PRIMARY KEY,
  id text NOT NULL,
  consultation_id text NOT NULL,
  created_at text NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX vault_links_id ON vault_links (id);
CREATE INDEX vault_links_consultation ON vault_links (consultation_id);
