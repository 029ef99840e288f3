-- Products: what the layers above billing sell through the same checkout (a paid question, a
-- course, an event ticket). A checkout names the item by kind and id, and keeps the name and URL
-- it was sold under; the payment keeps the kind and id so that a refund can take the item back.
ALTER TABLE checkouts ADD COLUMN item_kind TEXT;
ALTER TABLE checkouts ADD COLUMN item_id BIGINT;
ALTER TABLE checkouts ADD COLUMN item_name TEXT NOT NULL DEFAULT '';
ALTER TABLE checkouts ADD COLUMN item_url TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN item_kind TEXT;
ALTER TABLE payments ADD COLUMN item_id BIGINT;
CREATE INDEX payments_item ON payments(item_kind, item_id);
