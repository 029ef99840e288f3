-- Server secrets ("media" signs file URLs) live in server_secrets, made by 0016_courses.sql.

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
