-- Gift purchases: a member buys a tier for someone else. The checkout is marked gift; completing
-- it books the payment as usual but, instead of a membership for the buyer, makes a one-code
-- batch linked to the payment, which the buyer passes on. Refunding the payment voids the code
-- while it is unredeemed (and is refused once it is redeemed).
ALTER TABLE checkouts ADD COLUMN gift INTEGER NOT NULL DEFAULT 0;
ALTER TABLE code_batches ADD COLUMN payment_id BIGINT REFERENCES payments(id);
ALTER TABLE redeem_codes ADD COLUMN voided_at BIGINT;
CREATE INDEX code_batches_payment ON code_batches(payment_id);
