#include "notify/mentions.hpp"

#include <gtest/gtest.h>

namespace gh::notify {
namespace {

using Names = std::vector<std::string>;

TEST(MentionsTest, FindsMentions) {
  struct Case {
    std::string text;
    Names want;
  } cases[] = {
      {"hi @alice", {"alice"}},
      {"@Bob, see this", {"bob"}},
      {"(@carol) and @dave!", {"carol", "dave"}},
      {"@alice @alice @ALICE", {"alice"}},
      {"cc @user_1 @user-2.", {"user_1", "user-2"}},
      {"mail me at me@alice.com", {}},
      {"https://x.org/@alice", {}},
      {"@ab is too short", {}},
      {"@_alice starts badly", {}},
      {"@bob@example.com is an address", {}},
      {"@bob.smith is not bob", {}},
      {"in `@alice` code", {}},
      {"``@x `@alice` `` then @bob", {"bob"}},
      {"```\n@alice\n```\n@bob", {"bob"}},
      {"~~~cpp\n@alice\n~~~", {}},
      {"    @alice indented code", {}},
      {"中文 @张三 @li_lei", {"li_lei"}},
      {"", {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_mentions(c.text), c.want) << c.text;
  }
}

TEST(MentionsTest, CapsTheNumberOfMentions) {
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text += "@user" + std::to_string(100 + i) + " ";
  }
  const auto names = parse_mentions(text);
  ASSERT_EQ(names.size(), kMaxMentions);
  EXPECT_EQ(names.front(), "user100");
}

}  // namespace
}  // namespace gh::notify
