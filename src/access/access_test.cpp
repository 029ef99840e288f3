#include "access/access.hpp"

#include <gtest/gtest.h>

namespace gh::access {
namespace {

TEST(AccessTest, RolesAreOrdered) {
  EXPECT_TRUE(allows(Role::Owner, Action::ChangeRoles));
  EXPECT_TRUE(allows(Role::Admin, Action::EditCommunity));
  EXPECT_FALSE(allows(Role::Moderator, Action::EditCommunity));
  EXPECT_TRUE(allows(Role::Moderator, Action::Moderate));
  EXPECT_FALSE(allows(Role::Creator, Action::Moderate));
  EXPECT_TRUE(allows(Role::Creator, Action::PostLongForm));
  EXPECT_FALSE(allows(Role::Member, Action::PostLongForm));
  EXPECT_TRUE(allows(Role::Member, Action::PostShortForm));
  EXPECT_TRUE(allows(Role::Creator, Action::GateContent));
  EXPECT_FALSE(allows(Role::Member, Action::GateContent));
  EXPECT_FALSE(allows(Role::None, Action::Comment));
  EXPECT_FALSE(allows(Role::None, Action::Vote));
}

TEST(AccessTest, RoleNamesRoundTrip) {
  for (auto role : {Role::Owner, Role::Admin, Role::Moderator, Role::Creator, Role::Member}) {
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
  EXPECT_FALSE(parse_role("superuser"));
  EXPECT_FALSE(parse_role(""));
}

TEST(AccessTest, DraftsAreTheAuthorsOnly) {
  const UserId author(1), other(2);
  PostFacts draft{author, "draft", std::nullopt, true};
  EXPECT_TRUE(can_read_post(draft, author, Role::Member, 100));
  EXPECT_FALSE(can_read_post(draft, other, Role::Owner, 100));
  EXPECT_FALSE(can_read_post(draft, std::nullopt, Role::None, 100));
}

TEST(AccessTest, ScheduledPostsAppearWhenDue) {
  const UserId author(1), other(2);
  PostFacts scheduled{author, "published", 1000, true};
  EXPECT_FALSE(can_read_post(scheduled, std::nullopt, Role::None, 999));
  EXPECT_FALSE(can_read_post(scheduled, other, Role::Member, 999));
  EXPECT_TRUE(can_read_post(scheduled, other, Role::Moderator, 999));
  EXPECT_TRUE(can_read_post(scheduled, author, Role::Member, 999));
  EXPECT_TRUE(can_read_post(scheduled, std::nullopt, Role::None, 1000));
}

TEST(AccessTest, DeletedPostsAreNobodys) {
  PostFacts deleted{UserId(1), "deleted", 0, true};
  EXPECT_FALSE(can_read_post(deleted, UserId(1), Role::Owner, 100));
}

TEST(AccessTest, PrivateCommunitiesAreMembersOnly) {
  PostFacts post{UserId(1), "published", 0, false};
  EXPECT_FALSE(can_read_post(post, std::nullopt, Role::None, 100));
  EXPECT_FALSE(can_read_post(post, UserId(3), Role::None, 100));
  EXPECT_TRUE(can_read_post(post, UserId(3), Role::Member, 100));
}

TEST(AccessTest, FilterNumbersItsParameters) {
  auto anonymous = readable_posts_filter(std::nullopt, 5, 3);
  EXPECT_NE(anonymous.sql.find("$3"), std::string::npos);
  EXPECT_EQ(anonymous.params.size(), 1u);
  auto member = readable_posts_filter(UserId(9), 5, 3);
  EXPECT_NE(member.sql.find("$4"), std::string::npos);
  EXPECT_EQ(member.params.size(), 2u);
}

}  // namespace
}  // namespace gh::access
