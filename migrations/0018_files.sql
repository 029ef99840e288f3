-- Server secrets: one random value per name (e.g. "media" signs file URLs), made on first use
-- and shared by every app node through the database. 64 hex digits (32 random bytes).
CREATE TABLE server_secrets (
  name TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- Stored files (videos, downloads, images of a community). The bytes live on disk under the
-- data directory, named by id; this row is the truth about them. A deleted file keeps its row
-- (deleted_at) so that lessons pointing at it say "gone" rather than "never existed".
CREATE TABLE files (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id),
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  uploaded_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX files_community ON files(community_id, created_at);
