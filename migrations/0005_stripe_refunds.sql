-- Stripe and refunds. A Stripe payment keeps the payment intent and the charge it was paid
-- with, so a refund (ours or one made on Stripe's dashboard) can name it and find it; a
-- subscription's later events find their membership by provider_subscription_id (0003).
ALTER TABLE payments ADD COLUMN provider_payment_intent TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN provider_charge TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN refunded_by BIGINT REFERENCES users(id);
CREATE INDEX payments_payment_intent ON payments(provider, provider_payment_intent);
CREATE INDEX payments_charge ON payments(provider, provider_charge);
CREATE INDEX memberships_subscription ON memberships(provider, provider_subscription_id);
CREATE INDEX checkouts_session ON checkouts(provider, provider_session_id);
