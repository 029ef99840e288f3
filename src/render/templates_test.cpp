#include "render/templates.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace gh::render {
namespace {

I18n make_i18n() {
  auto i18n = I18n::create({
      {"en", R"({"nav.home": "Home", "title.suffix": "Guildhall & friends", "trap": "{{secret}}"})"},
      {"zh-CN", R"({"nav.home": "首页"})"},
  });
  EXPECT_TRUE(i18n.has_value());
  return std::move(i18n).value();
}

using Sources = std::vector<std::pair<std::string, std::string>>;

TEST(TemplatesTest, ReplacesTranslationMarkersPerLanguage) {
  const TemplateRegistry registry({{"page.html", "<a href=\"/\">[[nav.home]]</a> [[title.suffix]]"}}, make_i18n());
  EXPECT_EQ(registry.render("en", "page", {}), "<a href=\"/\">Home</a> Guildhall &amp; friends");
  // zh-CN has its own compiled copy; a key it lacks falls back to English.
  EXPECT_EQ(registry.render("zh-CN", "page", {}), "<a href=\"/\">首页</a> Guildhall &amp; friends");
  // An unknown language renders in English.
  EXPECT_EQ(registry.render("fr", "page.html", {}), "<a href=\"/\">Home</a> Guildhall &amp; friends");
  EXPECT_EQ(registry.languages(), (std::vector<std::string>{"en", "zh-CN"}));
}

TEST(TemplatesTest, LeavesNonMarkersAndReportsMissingKeys) {
  const TemplateRegistry registry({{"page.html", "[[missing.key]] [[ not a key ]] a[[b [[[nav.home]]]"}}, make_i18n());
  EXPECT_EQ(registry.render("en", "page", {}), "missing.key [[ not a key ]] a[[b [Home]");
  ASSERT_EQ(registry.missing_translations().size(), 2U);
  EXPECT_EQ(registry.missing_translations()[0].key, "missing.key");
  EXPECT_EQ(registry.missing_translations()[0].template_name, "page.html");
}

TEST(TemplatesTest, TranslationCannotOpenAMustacheTag) {
  const TemplateRegistry registry({{"page.html", "[[trap]]"}}, make_i18n());
  EXPECT_EQ(registry.render("en", "page", make_object({{"secret", "s3cret"}})), "&#123;&#123;secret&#125;&#125;");
}

TEST(TemplatesTest, ResolvesPartialsInTheSameLanguage) {
  const Sources sources = {
      {"partials/header.html", "<h1>{{title}}</h1><nav>[[nav.home]]</nav>\n"},
      {"partials/footer.html", "<footer>{{> partials/small}}</footer>"},
      {"partials/small.html", "<small>{{year}}</small>"},
      {"layouts/base.html", "{{> partials/header}}<main>{{{body}}}</main>{{>partials/footer.html}}"},
  };
  const TemplateRegistry registry(sources, make_i18n());
  const Data data = make_object({{"title", "T<1>"}, {"body", "<p>ok</p>"}, {"year", "2025"}});
  EXPECT_EQ(registry.render("en", "layouts/base", data),
            "<h1>T&lt;1&gt;</h1><nav>Home</nav>\n<main><p>ok</p></main><footer><small>2025</small></footer>");
  EXPECT_EQ(registry.render("zh-CN", "layouts/base", data),
            "<h1>T&lt;1&gt;</h1><nav>首页</nav>\n<main><p>ok</p></main><footer><small>2025</small></footer>");
  EXPECT_TRUE(registry.contains("partials/small"));
  EXPECT_FALSE(registry.contains("partials/large"));
}

TEST(TemplatesTest, EscapesDoubleBracesButNotTriple) {
  const TemplateRegistry registry({{"x.html", "<p title=\"{{x}}\">{{x}}</p>{{{x}}}"}}, make_i18n());
  const std::string rendered = registry.render("en", "x", make_object({{"x", "<script>\"'`=&"}}));
  EXPECT_EQ(rendered,
            "<p title=\"&lt;script&gt;&quot;&#39;&#96;&#61;&amp;\">&lt;script&gt;&quot;&#39;&#96;&#61;&amp;</p>"
            "<script>\"'`=&");
}

TEST(TemplatesTest, RendersSectionsAndLists) {
  const TemplateRegistry registry(
      {{"list.html", "{{#posts}}<li>{{title}}{{#paid}}*{{/paid}}</li>{{/posts}}{{^posts}}none{{/posts}}"}},
      make_i18n());
  struct Post {
    std::string title;
    bool paid;
  };
  const std::vector<Post> posts = {{"a", false}, {"b", true}};
  const Data data = make_object({{"posts", make_list(posts, [](const Post& p) {
                                    return make_object({{"title", p.title}, {"paid", p.paid}});
                                  })}});
  EXPECT_EQ(registry.render("en", "list", data), "<li>a</li><li>b*</li>");
  EXPECT_EQ(registry.render("en", "list", make_object({{"posts", List{}}})), "none");
}

TEST(TemplatesTest, ReportsBrokenTemplatesAtLoad) {
  const auto message_of = [](const Sources& sources) -> std::string {
    try {
      const TemplateRegistry registry(sources, make_i18n());
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message_of({{"ok.html", "fine"}, {"broken.html", "{{#open}}x"}}).find("broken.html"), std::string::npos);
  EXPECT_NE(message_of({{"page.html", "{{> partials/nope}}"}}).find("unknown partial 'partials/nope'"),
            std::string::npos);
  EXPECT_NE(message_of({{"a.html", "{{> b}}"}, {"b.html", "{{> a}}"}}).find("recursive partial"), std::string::npos);
  EXPECT_NE(message_of({{"a.html", "x"}, {"a.html", "y"}}).find("defined twice"), std::string::npos);
}

TEST(TemplatesTest, UnknownTemplateThrows) {
  const TemplateRegistry registry({{"a.html", "x"}}, make_i18n());
  EXPECT_THROW((void)registry.render("en", "b", {}), std::runtime_error);
}

TEST(TemplatesTest, RenderErrorDoesNotPoisonTheTemplate) {
  const TemplateRegistry registry({{"a.html", "<{{value}}>"}}, make_i18n());
  const kainjow::mustache::lambda2 bad = [](const std::string&, const kainjow::mustache::renderer&) {
    return std::string("never");
  };
  EXPECT_THROW((void)registry.render("en", "a", make_object({{"value", Data{bad}}})), std::runtime_error);
  EXPECT_EQ(registry.render("en", "a", make_object({{"value", "fine"}})), "<fine>");
}

TEST(TemplatesTest, WorksWithoutLanguages) {
  const TemplateRegistry registry({{"a.html", "[[k]]{{v}}"}}, I18n());
  EXPECT_EQ(registry.languages(), (std::vector<std::string>{"en"}));
  EXPECT_EQ(registry.render("zh-CN", "a", make_object({{"v", "1"}})), "k1");
}

TEST(TemplatesTest, ConcurrentRenderFromFourThreads) {
  const Sources sources = {
      {"partials/item.html", "<li>{{name}} [[nav.home]]</li>"},
      {"page.html", "<ul>{{#items}}{{> partials/item}}{{/items}}</ul>"},
  };
  const TemplateRegistry registry(sources, make_i18n());
  List items;
  for (int i = 0; i < 20; ++i) {
    items.push_back(make_object({{"name", "n<" + std::to_string(i) + ">"}}));
  }
  const Data data = make_object({{"items", items}});
  const std::string expected_en = registry.render("en", "page", data);
  const std::string expected_zh = registry.render("zh-CN", "page", data);
  ASSERT_NE(expected_en, expected_zh);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const bool zh = (i + t) % 2 == 0;
        if (registry.render(zh ? "zh-CN" : "en", "page", data) != (zh ? expected_zh : expected_en)) {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace gh::render
