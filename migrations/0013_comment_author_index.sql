-- The spam limits count a member's comments of the last hour on every comment (access/sanctions):
-- without this index that count scanned every comment, inside the write transaction.
CREATE INDEX comments_author ON comments(author_id, created_at);
