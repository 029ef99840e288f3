#include "learn/rules.hpp"

#include <gtest/gtest.h>

namespace gh::learn {
namespace {

TEST(AccessTest, TheMatrix) {
  const CourseGate free{CourseAccess::Free, {}};
  const CourseGate tiers{CourseAccess::Tiers, {7, 8}};
  const CourseGate paid{CourseAccess::Paid, {}};
  const CourseGate paid_or_tier{CourseAccess::Paid, {8}};

  const Reader nobody;
  Reader staff;
  staff.staff = true;
  Reader buyer;
  buyer.paid = true;
  Reader gold;
  gold.entitlements.tiers = {7};
  Reader silver;
  silver.entitlements.tiers = {9};
  silver.entitlements.any_paid_tier = true;

  struct Case {
    const CourseGate& gate;
    const Reader& reader;
    bool full;
  };
  const Case cases[] = {
      {free, nobody, true},        {free, silver, true},          {tiers, nobody, false}, {tiers, gold, true},
      {tiers, silver, false},      {tiers, buyer, false},         {tiers, staff, true},   {paid, nobody, false},
      {paid, buyer, true},         {paid, gold, false},           {paid, staff, true},    {paid_or_tier, gold, false},
      {paid_or_tier, buyer, true}, {paid_or_tier, silver, false},
  };
  int i = 0;
  for (const auto& c : cases) {
    EXPECT_EQ(can_read_course(c.gate, c.reader), c.full) << "case " << i;
    EXPECT_EQ(can_read_lesson(c.gate, false, c.reader), c.full) << "case " << i;
    EXPECT_TRUE(can_read_lesson(c.gate, true, c.reader)) << "a preview is open, case " << i;
    ++i;
  }
  Reader tier8;
  tier8.entitlements.tiers = {8};
  EXPECT_TRUE(can_read_course(paid_or_tier, tier8)) << "a paid course may also come with a tier";
}

TEST(QuizTest, ChoicesMustBeExactlyRight) {
  std::vector<QuizQuestion> quiz = {
      {1, QuestionKind::Single, "2+2?", {{10, "3", false}, {11, "4", true}}},
      {2, QuestionKind::Multiple, "Primes?", {{20, "2", true}, {21, "4", false}, {22, "5", true}}},
      {3, QuestionKind::Short, "Capital of France?", {{30, "Paris", true}, {31, "paris city", true}}},
  };
  auto all = score_quiz(quiz, {{1, {11}, ""}, {2, {22, 20}, ""}, {3, {}, "  PARIS "}}, 100);
  EXPECT_EQ(all.correct, 3);
  EXPECT_EQ(all.percent, 100);
  EXPECT_TRUE(all.passed);

  auto partial = score_quiz(quiz, {{1, {10, 11}, ""}, {2, {20}, ""}, {3, {}, "Paris\t \n City"}}, 34);
  EXPECT_EQ(partial.correct, 1);
  EXPECT_EQ(partial.percent, 33);
  EXPECT_FALSE(partial.passed);
  EXPECT_EQ(partial.results[0], std::make_pair(int64_t{1}, false)) << "two choices on a single question";
  EXPECT_EQ(partial.results[2], std::make_pair(int64_t{3}, true)) << "white space runs count as one";

  auto none = score_quiz(quiz, {}, 0);
  EXPECT_EQ(none.correct, 0);
  EXPECT_TRUE(none.passed) << "a pass mark of 0 passes everything";
  EXPECT_FALSE(score_quiz(quiz, {{3, {}, "   "}}, 1).passed) << "blank never matches";
  EXPECT_EQ(normalize_answer("  Hello   World\n"), "hello world");
  EXPECT_EQ(normalize_answer("北京 "), "北京");
}

TEST(CertificateTest, SignedIdsVerifyAndTamperedOnesDoNot) {
  const std::string secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const auto code = certificate_code(secret, 42);
  EXPECT_EQ(code.substr(0, 3), "42-");
  EXPECT_EQ(code.size(), 3u + 64u);
  EXPECT_EQ(parse_certificate_code(secret, code), 42);
  EXPECT_FALSE(parse_certificate_code("another secret", code));
  auto tampered = code;
  tampered[0] = '4';
  tampered[1] = '3';
  EXPECT_FALSE(parse_certificate_code(secret, tampered));
  auto flipped = code;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(parse_certificate_code(secret, flipped));
  EXPECT_FALSE(parse_certificate_code(secret, "42"));
  EXPECT_FALSE(parse_certificate_code(secret, "042-" + code.substr(3)));
  EXPECT_FALSE(parse_certificate_code(secret, "-" + code.substr(3)));
  EXPECT_FALSE(parse_certificate_code(secret, code.substr(0, code.size() - 1)));
}

}  // namespace
}  // namespace gh::learn
