-- One row the readiness check writes and reads back (GET /api/health/ready).
CREATE TABLE relais_probe (id integer PRIMARY KEY, at timestamptz NOT NULL);
