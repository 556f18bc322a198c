-- The records that are not co-edited: one table per kind, one module per kind (store/pg/*.ts).
-- Clear columns hold ids, foreign ids, times and HMAC lookups (store/pg/db.ts `lookup`) only; the
-- record itself is the sealed `payload`, bound to its table and key. Keys are compared byte by
-- byte (COLLATE "C"), the order LMDB keeps, whatever the database's locale.

CREATE TABLE users (
  id text COLLATE "C" PRIMARY KEY,
  -- HMAC of the lowercased identifier: unique, so two nodes cannot give one identifier twice.
  identifier_lookup text NOT NULL UNIQUE,
  -- HMAC of the RPPS number (Pro Santé Connect logins), null for an account without one.
  rpps_lookup text,
  payload bytea NOT NULL
);
CREATE INDEX users_rpps ON users (rpps_lookup) WHERE rpps_lookup IS NOT NULL;

-- Keyed by the sha-256 of the session token.
CREATE TABLE sessions (
  token_hash text COLLATE "C" PRIMARY KEY,
  user_id text COLLATE "C" NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE establishments (
  id text COLLATE "C" PRIMARY KEY,
  payload bytea NOT NULL
);

CREATE TABLE consultations (
  id text COLLATE "C" PRIMARY KEY,
  establishment_id text COLLATE "C" NOT NULL,
  patient_id text COLLATE "C" NOT NULL,
  -- User ids of the professionals taking part (forParticipant).
  participants text[] NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX consultations_participants ON consultations USING gin (participants);
CREATE INDEX consultations_establishment ON consultations (establishment_id);

-- Names and birth dates are health data: sealed only, searched in Node (store/pg/patients.ts).
CREATE TABLE patients (
  id text COLLATE "C" PRIMARY KEY,
  establishment_id text COLLATE "C" NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX patients_establishment ON patients (establishment_id);

-- Public RPPS data, sealed all the same (one rule for every table).
CREATE TABLE directory (
  rpps text COLLATE "C" PRIMARY KEY,
  payload bytea NOT NULL
);

CREATE TABLE invitations (
  id text COLLATE "C" PRIMARY KEY,
  consultation_id text COLLATE "C" NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX invitations_consultation ON invitations (consultation_id);

CREATE TABLE messages (
  id text COLLATE "C" PRIMARY KEY,
  -- The record's createdAt (ISO time): records() newest first.
  created_at text COLLATE "C" NOT NULL,
  -- Epoch ms of the next try, null when none is planned.
  next_attempt_at bigint,
  payload bytea NOT NULL
);
CREATE INDEX messages_created ON messages (created_at DESC, id);
CREATE INDEX messages_pending ON messages (id) WHERE next_attempt_at IS NOT NULL;

CREATE TABLE auth_states (
  user_id text COLLATE "C" PRIMARY KEY,
  payload bytea NOT NULL
);

CREATE TABLE login_challenges (
  id text COLLATE "C" PRIMARY KEY,
  user_id text COLLATE "C" NOT NULL,
  -- Epoch ms.
  expires_at bigint NOT NULL,
  payload bytea NOT NULL
);

-- Append-only: nothing updates nor deletes a row (a trigger refuses it).
CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_id text COLLATE "C",
  patient_id text COLLATE "C",
  payload bytea NOT NULL
);
CREATE INDEX audit_at ON audit (at DESC, id DESC);
CREATE INDEX audit_actor ON audit (actor_id, at DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_patient ON audit (patient_id, at DESC, id DESC) WHERE patient_id IS NOT NULL;
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- Keyed `scope:id` (a recipient's id is a hash); the payload seals the recent send times.
CREATE TABLE message_caps (
  key text COLLATE "C" PRIMARY KEY,
  payload bytea NOT NULL
);
