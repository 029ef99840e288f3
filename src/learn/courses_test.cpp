// The course service on a real database (SQLite, or PostgreSQL with GH_TEST_PG): syllabus and
// locked lessons, enrolment by access kind, buying and refunding through billing's checkout,
// progress and points, quizzes, certificates, reviews and the cohort seat race.
#include "learn/courses.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "billing/books.hpp"
#include "billing/fixture_test.hpp"
#include "billing/refunds.hpp"
#include "engage/points.hpp"
#include "identity/secrets.hpp"
#include "learn/course_product.hpp"

namespace gh::learn {
namespace {

class CoursesTest : public billing::BillingFixture {
 protected:
  Courses courses{database.db(), clock};
  CourseProduct product{communities};
  billing::Catalog catalog;
  billing::Checkouts sales{database.db(), clock, communities, billing::CheckoutOptions{500, nullptr, &catalog}};
  billing::Refunds refunds{database.db(), clock, billing::RefundOptions{72, nullptr, &catalog}};
  UserId creator, member;

  void SetUp() override {
    BillingFixture::SetUp();
    catalog.add("course", product);
    creator = user("teacher");
    member = user("member");
    ASSERT_TRUE(communities.join(creator, "club"));
    ASSERT_TRUE(communities.join(member, "club"));
    ASSERT_TRUE(communities.set_role(owner, "club", "teacher", "creator"));
  }

  Course make(const std::string& access, std::vector<int64_t> tier_ids = {}, int64_t price = 0) {
    CourseInput in{"Modern C++", "From zero", "", access, std::move(tier_ids), std::nullopt};
    if (price > 0) {
      in.price = Money::create(price, "CNY").value();
    }
    auto c = courses.create(creator, "club", in);
    EXPECT_TRUE(c) << c.error().code;
    return *c;
  }

  Lesson text_lesson(int64_t course, const std::string& title, bool preview = false) {
    LessonInput in;
    in.title = title;
    in.kind = "text";
    in.body_md = "SECRET " + title;
    in.preview = preview;
    auto l = courses.add_lesson(creator, course, in);
    EXPECT_TRUE(l) << l.error().code;
    return *l;
  }

  Lesson quiz(int64_t course) {
    LessonInput in;
    in.title = "Check";
    in.kind = "quiz";
    in.pass_percent = 50;
    in.questions = {{"single", "2+2?", {"3", "4"}, {1}, {}}, {"short", "Language?", {}, {}, {"C++", "cpp"}}};
    auto l = courses.add_lesson(creator, course, in);
    EXPECT_TRUE(l) << l.error().code;
    return *l;
  }

  billing::Payment buy(UserId who, int64_t course) {
    billing::CheckoutInput in;
    in.provider = "manual";
    in.item_kind = "course";
    in.item_id = course;
    auto checkout = sales.start(who, in);
    EXPECT_TRUE(checkout) << checkout.error().code;
    auto payment = sales.confirm_manual(owner, checkout->public_id);
    EXPECT_TRUE(payment) << payment.error().code;
    return *payment;
  }
};

TEST_F(CoursesTest, OnlyCreatorsMakeCoursesAndInputIsChecked) {
  EXPECT_EQ(courses.create(member, "club", {"T", "", "", "free", {}, std::nullopt}).error().code,
            "learn.creators_only");
  EXPECT_EQ(courses.create(creator, "club", {"", "", "", "free", {}, std::nullopt}).error().fields.count("title"), 1u);
  EXPECT_EQ(courses.create(creator, "club", {"T", "", "", "gratis", {}, std::nullopt}).error().code,
            "learn.invalid_access");
  EXPECT_EQ(courses.create(creator, "club", {"T", "", "", "tiers", {}, std::nullopt}).error().code,
            "learn.tiers_required");
  EXPECT_EQ(courses.create(creator, "club", {"T", "", "", "tiers", {gold + 100}, std::nullopt}).error().code,
            "learn.invalid_tier");
  EXPECT_EQ(courses.create(creator, "club", {"T", "", "", "paid", {}, std::nullopt}).error().code,
            "learn.price_required");
  EXPECT_EQ(courses.create(creator, "club", {"T", "", "javascript:x", "free", {}, std::nullopt}).error().code,
            "learn.invalid_cover_url");
  EXPECT_EQ(count("SELECT COUNT(*) FROM courses"), 0);
  auto c = make("free");
  ASSERT_EQ(c.instructors.size(), 1u);
  EXPECT_EQ(c.instructors[0].username, "teacher");

  LessonInput bad;
  bad.title = "Video";
  bad.kind = "video";
  bad.video_url = "https://evil.example/v.mp4";
  EXPECT_EQ(courses.add_lesson(creator, c.id, bad).error().code, "learn.video_host");
  bad.video_url = "https://youtu.be/abc123";
  auto video = courses.add_lesson(creator, c.id, bad);
  ASSERT_TRUE(video);
  EXPECT_EQ(video->video_embed_url, "https://www.youtube-nocookie.com/embed/abc123");
  bad.kind = "file";
  EXPECT_EQ(courses.add_lesson(creator, c.id, bad).error().code, "learn.file_required");
  bad.kind = "quiz";
  EXPECT_EQ(courses.add_lesson(creator, c.id, bad).error().code, "learn.questions_required");
  bad.questions = {{"single", "Pick", {"a", "b"}, {0, 1}, {}}};
  EXPECT_EQ(courses.add_lesson(creator, c.id, bad).error().code, "learn.invalid_question");
  EXPECT_EQ(courses.add_lesson(member, c.id, bad).error().code, "learn.instructors_only");
  EXPECT_EQ(count("SELECT COUNT(*) FROM lessons"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM course_sections"), 1) << "a default section was made";
}

TEST_F(CoursesTest, LockedLessonsShowTheirTitleOnlyAndPreviewsAreOpen) {
  auto c = make("paid", {}, 1900);
  auto intro = text_lesson(c.id, "Intro", true);
  auto deep = text_lesson(c.id, "Deep");
  auto q = quiz(c.id);
  for (auto viewer : {std::optional<UserId>(member), std::optional<UserId>()}) {
    auto got = courses.get(viewer, c.id);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->viewer_full);
    const auto& lessons = got->sections.at(0).lessons;
    ASSERT_EQ(lessons.size(), 3u);
    EXPECT_FALSE(lessons[0].locked);
    EXPECT_TRUE(lessons[1].locked);
    auto locked = courses.get_lesson(viewer, deep.id);
    ASSERT_TRUE(locked);
    EXPECT_TRUE(locked->locked);
    EXPECT_EQ(locked->title, "Deep");
    EXPECT_TRUE(locked->body_html.empty());
    EXPECT_TRUE(locked->body_md.empty());
    auto locked_quiz = courses.get_lesson(viewer, q.id);
    EXPECT_TRUE(locked_quiz->questions.empty());
    auto open = courses.get_lesson(viewer, intro.id);
    EXPECT_FALSE(open->locked);
    EXPECT_NE(open->body_html.find("SECRET Intro"), std::string::npos);
  }
  // Staff see the answers; nobody else ever does before submitting.
  auto staff_quiz = courses.get_lesson(creator, q.id);
  EXPECT_TRUE(staff_quiz->answers_shown);
  EXPECT_TRUE(staff_quiz->questions.at(0).options.at(1).correct);
  EXPECT_EQ(courses.enroll(member, c.id, std::nullopt).error().kind, ErrorKind::PaymentRequired);
  EXPECT_EQ(courses.complete(member, deep.id).error().code, "learn.not_enrolled");
}

TEST_F(CoursesTest, BuyCompleteQuizCertificateAndRefund) {
  auto c = make("paid", {}, 1900);
  auto one = text_lesson(c.id, "One");
  auto two = text_lesson(c.id, "Two");
  auto q = quiz(c.id);
  // Staff cannot buy what they have; the quote checks.
  billing::CheckoutInput in;
  in.provider = "manual";
  in.item_kind = "course";
  in.item_id = c.id;
  EXPECT_EQ(sales.start(creator, in).error().code, "learn.already_enrolled");

  auto payment = buy(member, c.id);
  EXPECT_EQ(payment.item_kind, "course");
  EXPECT_EQ(sales.start(member, in).error().code, "learn.already_enrolled");
  auto got = courses.get(member, c.id);
  EXPECT_TRUE(got->viewer_full);
  EXPECT_TRUE(got->viewer_enrolled);
  auto lesson = courses.get_lesson(member, two.id);
  EXPECT_FALSE(lesson->locked);
  EXPECT_NE(lesson->body_html.find("SECRET Two"), std::string::npos);
  auto learner_quiz = courses.get_lesson(member, q.id);
  EXPECT_FALSE(learner_quiz->answers_shown);
  ASSERT_EQ(learner_quiz->questions.size(), 2u);
  for (const auto& o : learner_quiz->questions[0].options) {
    EXPECT_FALSE(o.correct);
  }
  EXPECT_TRUE(learner_quiz->questions[1].options.empty()) << "accepted answers stay hidden";

  auto p1 = courses.complete(member, one.id);
  ASSERT_TRUE(p1) << p1.error().code;
  EXPECT_EQ(p1->completed, 1);
  EXPECT_EQ(p1->total, 3);
  EXPECT_EQ(p1->points, 3);
  EXPECT_EQ(p1->continue_lesson_id, two.id);
  EXPECT_EQ(courses.complete(member, one.id)->points, 0) << "points once per lesson";
  EXPECT_EQ(courses.complete(member, q.id).error().code, "learn.quiz_not_passed");
  ASSERT_TRUE(courses.save_position(member, two.id, 95));
  EXPECT_EQ(courses.get_lesson(member, two.id)->position_seconds, 95);
  EXPECT_EQ(courses.progress(member, c.id)->continue_lesson_id, two.id);
  ASSERT_TRUE(courses.complete(member, two.id));

  const auto qs = courses.get_lesson(creator, q.id)->questions;
  auto failed = courses.submit_quiz(member, q.id, {{qs[0].id, {qs[0].options[0].id}, ""}, {qs[1].id, {}, "java"}});
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->score.passed);
  EXPECT_FALSE(failed->certificate_code);
  auto passed = courses.submit_quiz(member, q.id, {{qs[0].id, {qs[0].options[1].id}, ""}, {qs[1].id, {}, " CPP "}});
  ASSERT_TRUE(passed);
  EXPECT_TRUE(passed->score.passed);
  ASSERT_TRUE(passed->certificate_code);
  EXPECT_EQ(count("SELECT COUNT(*) FROM quiz_attempts"), 2);
  auto progress = courses.progress(member, c.id);
  EXPECT_EQ(progress->completed, 3);
  EXPECT_FALSE(progress->continue_lesson_id);
  EXPECT_EQ(progress->certificate_code, passed->certificate_code);

  auto cert = courses.certificate(*passed->certificate_code);
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->learner.username, "member");
  EXPECT_EQ(cert->course_title, "Modern C++");
  auto tampered = *passed->certificate_code;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(courses.certificate(tampered).error().code, "learn.certificate_not_found");
  EXPECT_EQ(courses.certificate("1").error().kind, ErrorKind::NotFound);

  auto refunded = refunds.refund(owner, payment.public_id);
  ASSERT_TRUE(refunded) << refunded.error().code;
  EXPECT_TRUE(courses.get_lesson(member, two.id)->locked) << "refund removes access at once";
  EXPECT_FALSE(courses.get(member, c.id)->viewer_enrolled);
  EXPECT_EQ(courses.complete(member, two.id).error().code, "learn.not_enrolled");
  expect_books_ok();
  EXPECT_TRUE(database.db().read([](db::Tx& tx) { return billing::check_books(tx); }).ok);
}

TEST_F(CoursesTest, TierCoursesFollowTheLiveEntitlementAndFreeOnesEnrolAtOnce) {
  auto tier_course = make("tiers", {gold});
  auto lesson = text_lesson(tier_course.id, "Gold lesson");
  EXPECT_EQ(courses.enroll(member, tier_course.id, std::nullopt).error().code, "learn.tier_required");
  billing::CheckoutInput in;
  in.provider = "manual";
  in.tier_id = gold;
  auto checkout = sales.start(member, in);
  ASSERT_TRUE(sales.confirm_manual(owner, checkout->public_id));
  ASSERT_TRUE(courses.enroll(member, tier_course.id, std::nullopt));
  EXPECT_FALSE(courses.get_lesson(member, lesson.id)->locked);
  clock.advance_ms(40LL * 86'400'000);  // The month has run out.
  EXPECT_TRUE(courses.get_lesson(member, lesson.id)->locked);

  auto free_course = make("free");
  auto free_lesson = text_lesson(free_course.id, "Free lesson");
  EXPECT_FALSE(courses.get_lesson(std::nullopt, free_lesson.id)->locked);
  auto enrolment = courses.enroll(buyer, free_course.id, std::nullopt);
  ASSERT_TRUE(enrolment);
  EXPECT_FALSE(enrolment->paid);
  EXPECT_EQ(courses.complete(buyer, free_lesson.id)->completed, 1);
  EXPECT_TRUE(courses.progress(buyer, free_course.id)->certificate_code);
  billing::CheckoutInput buy_free;
  buy_free.provider = "manual";
  buy_free.item_kind = "course";
  buy_free.item_id = free_course.id;
  EXPECT_EQ(sales.start(user("x"), buy_free).error().code, "learn.not_for_sale");
}

TEST_F(CoursesTest, ReviewsOnlyByEnrolledLearnersOneEach) {
  auto c = make("free");
  EXPECT_EQ(courses.review(member, c.id, 5, "Great").error().code, "learn.learners_only");
  ASSERT_TRUE(courses.enroll(member, c.id, std::nullopt));
  EXPECT_EQ(courses.review(member, c.id, 6, "").error().code, "learn.invalid_rating");
  ASSERT_TRUE(courses.review(member, c.id, 5, "Great"));
  ASSERT_TRUE(courses.review(member, c.id, 3, "Good, on second thought"));
  auto list = courses.reviews(std::nullopt, c.id);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).rating, 3);
  auto got = courses.get(std::nullopt, c.id);
  EXPECT_EQ(got->rating_count, 1);
  EXPECT_EQ(got->rating_sum, 3);
  auto listed = courses.list(std::nullopt, "club");
  EXPECT_EQ(listed->at(0).rating_count, 1);
}

TEST_F(CoursesTest, TwentyLearnersRaceForFiveSeats) {
  auto c = make("free");
  const Millis start = clock.now_ms() + 86'400'000;
  auto cohort = courses.create_cohort(creator, c.id, {"Spring", start, start + 30 * 86'400'000LL, 5});
  ASSERT_TRUE(cohort) << cohort.error().code;
  auto session =
      courses.add_session(creator, cohort->id, {"Kick-off", start, start + 3'600'000, "https://meet.example/x"});
  ASSERT_TRUE(session);
  std::vector<UserId> learners;
  for (int i = 0; i < 20; ++i) {
    learners.push_back(user("l" + std::to_string(i)));
  }
  std::atomic<int> joined{0}, full{0};
  race(20, [&](int i) {
    auto r = courses.enroll(learners[i], c.id, cohort->id);
    if (r) {
      ++joined;
    } else if (r.error().code == "learn.cohort_full") {
      ++full;
    }
  });
  EXPECT_EQ(joined.load(), 5);
  EXPECT_EQ(full.load(), 15);
  EXPECT_EQ(count("SELECT seats_taken FROM cohorts"), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM enrolments WHERE cohort_id IS NOT NULL"), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM enrolments"), 5) << "a refused seat enrols nobody";
  // The link: for the cohort's learners and staff only.
  UserId in_cohort;
  for (auto l : learners) {
    if (database.db().read(
            [&](db::Tx& tx) { return tx.one("SELECT 1 FROM enrolments WHERE user_id = $1", {l.value}).has_value(); })) {
      in_cohort = l;
      break;
    }
  }
  EXPECT_EQ(courses.cohorts(in_cohort, c.id)->at(0).sessions.at(0).link, "https://meet.example/x");
  EXPECT_EQ(courses.cohorts(creator, c.id)->at(0).sessions.at(0).link, "https://meet.example/x");
  EXPECT_EQ(courses.cohorts(member, c.id)->at(0).sessions.at(0).link, "");
  EXPECT_EQ(courses.cohorts(std::nullopt, c.id)->at(0).sessions.at(0).link, "");
  EXPECT_EQ(courses.create_cohort(member, c.id, {"X", start, start + 1, 5}).error().code, "learn.instructors_only");
  EXPECT_EQ(courses.create_cohort(creator, c.id, {"X", start, start, 5}).error().code, "learn.invalid_dates");
}

TEST_F(CoursesTest, SectionsAndLessonsReorder) {
  auto c = make("free");
  auto a = text_lesson(c.id, "A");
  auto b = text_lesson(c.id, "B");
  auto d = text_lesson(c.id, "C");
  ASSERT_TRUE(courses.move_lesson(creator, d.id, 1));
  auto second = courses.add_section(creator, c.id, "Part two");
  ASSERT_TRUE(second);
  ASSERT_TRUE(courses.update_section(creator, second->id, std::string("Part 2"), 1));
  LessonInput in;
  in.title = "B moved";
  in.kind = "text";
  in.body_md = "b";
  in.section_id = second->id;
  ASSERT_TRUE(courses.update_lesson(creator, b.id, in));
  auto got = courses.get(creator, c.id);
  ASSERT_EQ(got->sections.size(), 2u);
  EXPECT_EQ(got->sections[0].title, "Part 2");
  ASSERT_EQ(got->sections[0].lessons.size(), 1u);
  EXPECT_EQ(got->sections[0].lessons[0].title, "B moved");
  ASSERT_EQ(got->sections[1].lessons.size(), 2u);
  EXPECT_EQ(got->sections[1].lessons[0].id, d.id);
  EXPECT_EQ(got->sections[1].lessons[1].id, a.id);
  EXPECT_EQ(courses.get_lesson(creator, d.id)->previous_id, b.id);
  EXPECT_EQ(courses.move_lesson(member, a.id, 1).error().code, "learn.instructors_only");
}

TEST_F(CoursesTest, InstructorsAreCreatorsOrAbove) {
  auto c = make("free");
  EXPECT_EQ(courses.add_instructor(creator, c.id, "member").error().code, "learn.instructor_role");
  EXPECT_EQ(courses.add_instructor(member, c.id, "owner").error().code, "learn.instructors_only");
  auto added = courses.add_instructor(creator, c.id, "owner");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->instructors.size(), 2u);
}

}  // namespace
}  // namespace gh::learn
