#include "render/i18n.hpp"

#include <gtest/gtest.h>

namespace gh::render {
namespace {

I18n make_i18n() {
  auto i18n = I18n::create({
      {"en", R"({"nav.home": "Home", "greet": "Hello, {name}! You have {count} posts.", "only.en": "English"})"},
      {"zh-CN", R"({"nav": {"home": "首页"}, "greet": "{name}，你好！你有 {count} 篇文章。"})"},
  });
  EXPECT_TRUE(i18n.has_value());
  return std::move(i18n).value();
}

TEST(I18nTest, TranslatesWithFallbackToEnglishThenKey) {
  const I18n i18n = make_i18n();
  EXPECT_EQ(i18n.t("en", "nav.home"), "Home");
  EXPECT_EQ(i18n.t("zh-CN", "nav.home"), "首页");  // Nested objects are flattened with dots.
  EXPECT_EQ(i18n.t("zh-CN", "only.en"), "English");
  EXPECT_EQ(i18n.t("fr", "nav.home"), "Home");
  EXPECT_EQ(i18n.t("zh-CN", "no.such.key"), "no.such.key");
  EXPECT_FALSE(i18n.find("zh-CN", "only.en").has_value());
  EXPECT_EQ(I18n().t("en", "x.y"), "x.y");
}

TEST(I18nTest, ListsLanguagesSorted) {
  EXPECT_EQ(make_i18n().languages(), (std::vector<std::string>{"en", "zh-CN"}));
}

TEST(I18nTest, FormatReplacesNamedPlaceholders) {
  const I18n i18n = make_i18n();
  EXPECT_EQ(i18n.format("en", "greet", {{"name", "Ada"}, {"count", "3"}}), "Hello, Ada! You have 3 posts.");
  EXPECT_EQ(i18n.format("zh-CN", "greet", {{"count", "3"}, {"name", "林"}}), "林，你好！你有 3 篇文章。");
  EXPECT_EQ(i18n.format("en", "greet", {{"name", "{count}"}}), "Hello, {count}! You have {count} posts.");
  EXPECT_EQ(i18n.format("en", "raw {x} {{y}} {", {{"x", "1"}, {"y", "2"}}), "raw 1 {2} {");
}

TEST(I18nTest, RejectsBadCatalogues) {
  const auto bad_json = I18n::create({{"en", "{not json"}});
  ASSERT_FALSE(bad_json.has_value());
  EXPECT_EQ(bad_json.error().kind, ErrorKind::Invalid);
  EXPECT_EQ(bad_json.error().code, "i18n.invalid_json");

  const auto not_object = I18n::create({{"en", "[1, 2]"}});
  ASSERT_FALSE(not_object.has_value());
  EXPECT_EQ(not_object.error().code, "i18n.not_an_object");

  const auto not_string = I18n::create({{"en", R"({"a": {"b": 3}})"}});
  ASSERT_FALSE(not_string.has_value());
  EXPECT_EQ(not_string.error().code, "i18n.not_a_string");
  EXPECT_NE(not_string.error().message.find("a.b"), std::string::npos);
}

TEST(I18nTest, LoadsEmbeddedLocaleFiles) {
  const embedded::File files[] = {
      {"en.json", R"({"k": "v"})"}, {"zh-CN.json", R"({"k": "值"})"}, {"README.md", "not a locale"}};
  const auto i18n = I18n::create(std::span<const embedded::File>(files));
  ASSERT_TRUE(i18n.has_value());
  EXPECT_EQ(i18n->languages(), (std::vector<std::string>{"en", "zh-CN"}));
  EXPECT_EQ(i18n->t("zh-CN", "k"), "值");
}

struct NegotiateCase {
  std::string accept_language;
  std::string cookie;
  std::string expected;
};

TEST(I18nTest, NegotiatesLanguage) {
  const std::vector<std::string> supported = {"en", "zh-CN"};
  const std::vector<NegotiateCase> cases = {
      {"", "", "en"},
      {"zh-CN,zh;q=0.9,en;q=0.8", "", "zh-CN"},
      {"zh", "", "zh-CN"},
      {"zh-TW", "", "zh-CN"},
      {"zh-Hans", "", "zh-CN"},
      {"zh-hant-HK", "", "zh-CN"},
      {"en-US,en;q=0.9", "", "en"},
      {"en-GB", "", "en"},
      {"fr-FR, en;q=0.5, zh;q=0.4", "", "en"},
      {"fr-FR, de", "", "en"},
      {"en;q=0.5, zh;q=0.9", "", "zh-CN"},
      {"zh;q=0, en;q=0.1", "", "en"},
      {"zh;q=0", "", "en"},
      {"*", "", "en"},
      {"de, zh-tw;q=0.3", "", "zh-CN"},
      {"zh;q=abc, en", "", "en"},
      {"zh;q=2", "", "en"},
      {" ZH-cn ; q=0.7 ", "", "zh-CN"},
      {"en", "zh-CN", "zh-CN"},
      {"en", "ZH-cn", "zh-CN"},
      {"en", "zh_CN", "zh-CN"},
      {"zh", "fr", "zh-CN"},
      {"zh", "en", "en"},
      {",,;,;q=,", "", "en"},
  };
  for (const NegotiateCase& c : cases) {
    EXPECT_EQ(I18n::negotiate(c.accept_language, c.cookie, supported), c.expected)
        << "Accept-Language '" << c.accept_language << "', cookie '" << c.cookie << "'";
  }
  EXPECT_EQ(I18n::negotiate("fr", "", {"zh-CN"}), "zh-CN");
  EXPECT_EQ(I18n::negotiate("fr", "", {}), "en");
}

}  // namespace
}  // namespace gh::render
