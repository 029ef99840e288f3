#include "billing/stripe.hpp"

#include <gtest/gtest.h>

namespace gh::billing {
namespace {

constexpr std::string_view kSecret = "whsec_test_secret";
constexpr std::string_view kBody = R"({"id":"evt_1","type":"checkout.session.completed"})";
constexpr int64_t kT = 1'790'000'000;  // Unix seconds.
constexpr Millis kNow = kT * 1000;

std::string code_of(const Status& s) {
  return s ? std::string() : s.error().code;
}

TEST(StripeSignature, AcceptsAValidSignature) {
  EXPECT_TRUE(verify_stripe_signature(stripe_signature_header(kBody, kSecret, kT), kBody, kSecret, kNow));
}

TEST(StripeSignature, AcceptsAnyOfSeveralV1AndIgnoresOtherSchemes) {
  const auto good = stripe_signature_header(kBody, kSecret, kT);
  const auto v1 = good.substr(good.find("v1=") + 3);
  const std::string header = "t=" + std::to_string(kT) + ", v1=" + std::string(64, 'a') + ",v0=" + v1 + ",v1=" + v1;
  EXPECT_TRUE(verify_stripe_signature(header, kBody, kSecret, kNow));
  // The right digest under the wrong scheme alone does not count.
  EXPECT_EQ(code_of(verify_stripe_signature("t=" + std::to_string(kT) + ",v0=" + v1, kBody, kSecret, kNow)),
            "billing.webhook_signature_invalid");
}

TEST(StripeSignature, RefusesAWrongSecretOrATamperedBody) {
  const auto header = stripe_signature_header(kBody, kSecret, kT);
  EXPECT_EQ(code_of(verify_stripe_signature(header, kBody, "whsec_other", kNow)), "billing.webhook_signature_invalid");
  std::string tampered(kBody);
  tampered[tampered.size() - 3] = 'x';
  EXPECT_EQ(code_of(verify_stripe_signature(header, tampered, kSecret, kNow)), "billing.webhook_signature_invalid");
  EXPECT_EQ(code_of(verify_stripe_signature(header, std::string(kBody) + " ", kSecret, kNow)),
            "billing.webhook_signature_invalid");
}

TEST(StripeSignature, FiveMinutesEitherWay) {
  const Millis five = 5 * 60 * 1000;
  EXPECT_TRUE(verify_stripe_signature(stripe_signature_header(kBody, kSecret, kT), kBody, kSecret, kNow + five));
  EXPECT_TRUE(verify_stripe_signature(stripe_signature_header(kBody, kSecret, kT), kBody, kSecret, kNow - five));
  EXPECT_EQ(
      code_of(verify_stripe_signature(stripe_signature_header(kBody, kSecret, kT), kBody, kSecret, kNow + five + 1000)),
      "billing.webhook_timestamp_out_of_range");
  EXPECT_EQ(code_of(verify_stripe_signature(stripe_signature_header(kBody, kSecret, kT + 301), kBody, kSecret, kNow)),
            "billing.webhook_timestamp_out_of_range");
}

TEST(StripeSignature, MissingOrGarbledHeaders) {
  EXPECT_EQ(code_of(verify_stripe_signature("", kBody, kSecret, kNow)), "billing.webhook_signature_missing");
  EXPECT_EQ(code_of(verify_stripe_signature("   ", kBody, kSecret, kNow)), "billing.webhook_signature_missing");
  const auto good = stripe_signature_header(kBody, kSecret, kT);
  const auto v1 = good.substr(good.find("v1=") + 3);
  for (const std::string& header :
       {std::string("garbage"), "t=,v1=" + v1, "v1=" + v1, "t=" + std::to_string(kT), "t=12x4,v1=" + v1,
        "t=" + std::to_string(kT) + ",v1=", "t=" + std::to_string(kT) + ",v1=" + v1.substr(1), std::string(",,,=,=")}) {
    EXPECT_EQ(code_of(verify_stripe_signature(header, kBody, kSecret, kNow)), "billing.webhook_signature_invalid")
        << header;
  }
  // No configured secret never verifies.
  EXPECT_FALSE(verify_stripe_signature(good, kBody, "", kNow));
}

TEST(StripeCurrency, Lowercase) {
  EXPECT_EQ(stripe_currency("CNY"), "cny");
}

}  // namespace
}  // namespace gh::billing
