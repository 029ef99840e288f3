#include "render/markdown.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/text.hpp"

namespace gh::render {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return text::to_lower_ascii(haystack).find(text::to_lower_ascii(needle)) != std::string::npos;
}

// True when a URL attribute value would run script or load an unsafe data: document.
bool is_dangerous_url(std::string value) {
  std::string compact;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 5, "&amp;") == 0) {
      compact += '&';
      i += 4;
    } else if (static_cast<unsigned char>(value[i]) > ' ') {
      compact += value[i];  // Browsers ignore whitespace and control characters inside a scheme.
    }
  }
  compact = text::to_lower_ascii(compact);
  if (compact.starts_with("data:image/png") || compact.starts_with("data:image/gif") ||
      compact.starts_with("data:image/jpeg") || compact.starts_with("data:image/webp")) {
    return false;
  }
  return compact.starts_with("javascript:") || compact.starts_with("vbscript:") || compact.starts_with("data:") ||
         compact.starts_with("file:") || compact.find('&') != std::string::npos;
}

// Checks every tag of `html` against what markdown_to_html may produce. Returns "" when all is
// well, else a description of the first violation.
std::string find_unsafe_markup(const std::string& html) {
  static const std::set<std::string> kTags = {
      "p",  "a",  "img", "pre", "code", "span", "em", "strong", "del",   "ul",    "ol", "li", "blockquote", "h1",
      "h2", "h3", "h4",  "h5",  "h6",   "hr",   "br", "table",  "thead", "tbody", "tr", "th", "td",         "input"};
  static const std::set<std::string> kAttributes = {"href", "src",     "alt",      "title", "class", "rel",
                                                    "type", "checked", "disabled", "align", "start"};
  size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string::npos) {
    if (html.compare(pos, 4, "<!--") == 0) {
      const std::string omitted = "<!-- raw HTML omitted -->";
      if (html.compare(pos, omitted.size(), omitted) != 0) {
        return "unexpected comment at " + std::to_string(pos);
      }
      pos += omitted.size();
      continue;
    }
    const size_t end = html.find('>', pos);
    if (end == std::string::npos) {
      return "unclosed tag";
    }
    const std::string tag = html.substr(pos + 1, end - pos - 1);
    size_t i = tag.starts_with("/") ? 1 : 0;
    size_t name_end = i;
    while (name_end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[name_end]))) {
      ++name_end;
    }
    const std::string name = tag.substr(i, name_end - i);
    if (!kTags.contains(name)) {
      return "tag <" + tag + ">";
    }
    i = name_end;
    while (i < tag.size()) {
      if (tag[i] == ' ' || tag[i] == '/') {
        ++i;
        continue;
      }
      size_t attr_end = i;
      while (attr_end < tag.size() && tag[attr_end] != '=' && tag[attr_end] != ' ' && tag[attr_end] != '/') {
        ++attr_end;
      }
      const std::string attribute = tag.substr(i, attr_end - i);
      if (!kAttributes.contains(attribute)) {
        return "attribute '" + attribute + "' in <" + tag + ">";
      }
      i = attr_end;
      if (i < tag.size() && tag[i] == '=') {
        if (i + 1 >= tag.size() || tag[i + 1] != '"') {
          return "unquoted value in <" + tag + ">";
        }
        const size_t close = tag.find('"', i + 2);
        if (close == std::string::npos) {
          return "unterminated value in <" + tag + ">";
        }
        const std::string value = tag.substr(i + 2, close - i - 2);
        if ((attribute == "href" || attribute == "src") && is_dangerous_url(value)) {
          return "dangerous URL in <" + tag + ">";
        }
        i = close + 1;
      }
    }
    pos = end + 1;
  }
  return "";
}

TEST(MarkdownTest, RawHtmlNeverReachesOutput) {
  const std::vector<std::string> attacks = {
      "<script>alert(1)</script>",
      "hello <script>alert(1)</script> world",
      "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
      "<img src=x onerror=alert(1)>",
      "text <img src=x onerror=alert(1)> text",
      "[x](javascript:alert(1))",
      "[x](JaVaScRiPt:alert(1))",
      "[x](java&#x09;script:alert(1))",
      "[x](&#106;avascript:alert(1))",
      "[x](javascript&colon;alert(1))",
      "[x](< javascript:alert(1)>)",
      "[x](\x01javascript:alert(1))",
      "[x](vbscript:msgbox(1))",
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      "[x](file:///etc/passwd)",
      "[x]: javascript:alert(1)\n\n[click][x]",
      "<javascript:alert(1)>",
      "![x](javascript:alert(1))",
      "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
      "<a href=\"https://example.com\" onclick=\"alert(1)\">x</a>",
      "<a href=\"javascript:alert(1)\">x</a>",
      "[x](https://example.com \"t\\\" onclick=\\\"alert(1)\")",
      "```\n<script>alert(1)</script>\n```",
      "```\"><script>alert(1)</script>\ncode\n```",
      "```html\n<img src=x onerror=alert(1)>\n```",
      "~~~js\" onmouseover=\"alert(1)\n1\n~~~",
      "<iframe src=\"https://evil.example\"></iframe>",
      "<style>body{display:none}</style>",
      "<div onmouseover=\"alert(1)\">hover</div>",
      "<svg onload=alert(1)>",
      "<details open ontoggle=alert(1)>",
      "`<script>alert(1)</script>`",
      "| a |\n|---|\n| <script>alert(1)</script> |",
      "- [ ] <img src=x onerror=alert(1)>",
      "www.example.com/<script>alert(1)</script>",
      "https://example.com/\"onmouseover=\"alert(1)",
      "<!-- <script>alert(1)</script> -->",
      "<textarea><script>alert(1)</script></textarea>",
      "<xmp><script>alert(1)</script></xmp>",
  };
  for (const std::string& attack : attacks) {
    SCOPED_TRACE(attack);
    const std::string html = markdown_to_html(attack);
    EXPECT_FALSE(contains_ci(html, "<script")) << html;
    EXPECT_FALSE(contains_ci(html, "<iframe")) << html;
    EXPECT_FALSE(contains_ci(html, "<style")) << html;
    EXPECT_EQ(find_unsafe_markup(html), "") << html;
  }
}

TEST(MarkdownTest, DangerousUrlsAreBlankedAndSafeImagesKept) {
  EXPECT_NE(markdown_to_html("[x](javascript:alert(1))").find("href=\"\""), std::string::npos);
  EXPECT_NE(markdown_to_html("![x](javascript:alert(1))").find("src=\"\""), std::string::npos);
  const std::string png = markdown_to_html("![dot](data:image/png;base64,iVBORw0KGgo=)");
  EXPECT_NE(png.find("src=\"data:image/png;base64,iVBORw0KGgo=\""), std::string::npos) << png;
}

TEST(MarkdownTest, LinksGetRelNofollow) {
  EXPECT_EQ(markdown_to_html("[x](https://example.com \"T\")"),
            "<p><a rel=\"nofollow ugc noopener\" href=\"https://example.com\" title=\"T\">x</a></p>\n");
  // Link-like text is escaped text, so it is not rewritten.
  EXPECT_EQ(markdown_to_html("`<a href=\"x\">`"), "<p><code>&lt;a href=&quot;x&quot;&gt;</code></p>\n");
}

TEST(MarkdownTest, RendersTables) {
  const std::string html = markdown_to_html("| a | b |\n|---|:-:|\n| 1 | **2** |\n");
  EXPECT_NE(html.find("<table>"), std::string::npos) << html;
  EXPECT_NE(html.find("<th>a</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td align=\"center\"><strong>2</strong></td>"), std::string::npos) << html;
}

TEST(MarkdownTest, RendersStrikethrough) {
  EXPECT_EQ(markdown_to_html("~~gone~~ here"), "<p><del>gone</del> here</p>\n");
}

TEST(MarkdownTest, AutolinksBareUrls) {
  const std::string html = markdown_to_html("see www.example.com and https://example.org/x?a=1&b=2.");
  EXPECT_NE(html.find("<a rel=\"nofollow ugc noopener\" href=\"http://www.example.com\">www.example.com</a>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("href=\"https://example.org/x?a=1&amp;b=2\""), std::string::npos) << html;
}

TEST(MarkdownTest, RendersTaskLists) {
  const std::string html = markdown_to_html("- [ ] todo\n- [x] done\n");
  EXPECT_NE(html.find("<input type=\"checkbox\" disabled=\"\" /> todo"), std::string::npos) << html;
  EXPECT_NE(html.find("<input type=\"checkbox\" checked=\"\" disabled=\"\" /> done"), std::string::npos) << html;
  EXPECT_EQ(find_unsafe_markup(html), "");
}

struct FenceCase {
  std::string language;
  std::string code;
  std::vector<std::string> expected;
};

TEST(MarkdownTest, HighlightsFencedCodeWithLanguageClass) {
  const std::vector<FenceCase> cases = {
      {"cpp",
       "#include <vector>\nint main() { return 0x1F; } // done",
       {"<pre><code class=\"language-cpp\">", "<span class=\"tok-pre\">#include &lt;vector&gt;</span>",
        "<span class=\"tok-ty\">int</span>", "<span class=\"tok-fn\">main</span>",
        "<span class=\"tok-kw\">return</span>", "<span class=\"tok-num\">0x1F</span>",
        "<span class=\"tok-com\">// done</span>"}},
      {"python",
       "@cache\ndef greet(name):\n    # hi\n    return f\"hi {name}\"",
       {"class=\"language-python\"", "<span class=\"tok-pre\">@cache</span>", "<span class=\"tok-kw\">def</span>",
        "<span class=\"tok-fn\">greet</span>", "<span class=\"tok-com\"># hi</span>",
        "<span class=\"tok-str\">f&quot;hi {name}&quot;</span>"}},
      {"rust",
       "fn first<'a>(v: &'a Vec<u32>) -> u32 { println!(\"{}\", v[0]); v[0] }",
       {"<span class=\"tok-kw\">fn</span>", "<span class=\"tok-fn\">first</span>", "&lt;&#39;a&gt;",
        "<span class=\"tok-ty\">Vec</span>", "<span class=\"tok-ty\">u32</span>",
        "<span class=\"tok-fn\">println</span>", "<span class=\"tok-str\">&quot;{}&quot;</span>"}},
      {"go",
       "func Add(a int) int { return a + 1 } // sum",
       {"<span class=\"tok-kw\">func</span>", "<span class=\"tok-fn\">Add</span>", "<span class=\"tok-ty\">int</span>",
        "<span class=\"tok-num\">1</span>", "<span class=\"tok-com\">// sum</span>"}},
      {"js",
       "const x = `a${b}`; function f() { return null; } /* c */",
       {"<span class=\"tok-kw\">const</span>", "<span class=\"tok-str\">`a${b}`</span>",
        "<span class=\"tok-kw\">function</span>", "<span class=\"tok-fn\">f</span>",
        "<span class=\"tok-com\">/* c */</span>"}},
      {"sql",
       "SELECT id, count(*) FROM users WHERE name = 'bob' -- c",
       {"<span class=\"tok-kw\">SELECT</span>", "<span class=\"tok-fn\">count</span>",
        "<span class=\"tok-kw\">FROM</span>", "<span class=\"tok-str\">&#39;bob&#39;</span>",
        "<span class=\"tok-com\">-- c</span>"}},
      {"bash",
       "#!/bin/bash\nif [ -f x ]; then echo \"$HOME\"; fi # done",
       {"<span class=\"tok-com\">#!/bin/bash</span>", "<span class=\"tok-kw\">if</span>",
        "<span class=\"tok-str\">&quot;$HOME&quot;</span>", "<span class=\"tok-com\"># done</span>"}},
  };
  for (const FenceCase& c : cases) {
    SCOPED_TRACE(c.language);
    const std::string html = markdown_to_html("```" + c.language + "\n" + c.code + "\n```\n");
    EXPECT_TRUE(html.starts_with("<pre><code class=\"language-" + c.language + "\">")) << html;
    EXPECT_TRUE(html.ends_with("\n</code></pre>\n")) << html;
    for (const std::string& expected : c.expected) {
      EXPECT_NE(html.find(expected), std::string::npos) << "missing " << expected << " in " << html;
    }
    EXPECT_EQ(find_unsafe_markup(html), "") << html;
  }
}

TEST(MarkdownTest, HtmlInCodeIsEscaped) {
  EXPECT_EQ(markdown_to_html("```\n<script>alert(1)</script>\n```"),
            "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n");
  const std::string html = markdown_to_html("```html\n<script>alert(\"x\")</script>\n```");
  EXPECT_NE(html.find("&lt;<span class=\"tok-kw\">script</span>&gt;"), std::string::npos) << html;
  EXPECT_FALSE(contains_ci(html, "<script"));
}

TEST(MarkdownTest, FenceInfoIsSanitisedForTheClassAttribute) {
  EXPECT_EQ(code_language("c++ {.numberLines}"), "c++");
  EXPECT_EQ(code_language("\"><script>alert(1)</script>"), "scriptalert1script");
  EXPECT_EQ(code_language("c#"), "c#");
  EXPECT_EQ(code_language(""), "");
  EXPECT_EQ(code_language(std::string(100, 'a')).size(), 32U);
  const std::string html = markdown_to_html("```\"><script>\nx\n```");
  EXPECT_TRUE(html.starts_with("<pre><code class=\"language-script\">")) << html;
  EXPECT_EQ(markdown_to_html("```unknownlang\na < b\n```"),
            "<pre><code class=\"language-unknownlang\">a &lt; b\n</code></pre>\n");
}

TEST(MarkdownTest, CodeBlocksKeepTheirOrderInsideListsAndQuotes) {
  const std::string md =
      "1. first\n\n   ```py\n   x = 1\n   ```\n\n> ```go\n> y := 2\n> ```\n\n    indented <code>\n\ntext\n";
  const std::string html = markdown_to_html(md);
  const size_t py = html.find("<code class=\"language-py\">x = <span class=\"tok-num\">1</span>");
  const size_t go = html.find("<code class=\"language-go\">y := <span class=\"tok-num\">2</span>");
  const size_t indented = html.find("<pre><code>indented &lt;code&gt;\n</code></pre>");
  ASSERT_NE(py, std::string::npos) << html;
  ASSERT_NE(go, std::string::npos) << html;
  ASSERT_NE(indented, std::string::npos) << html;
  EXPECT_LT(py, go);
  EXPECT_LT(go, indented);
  EXPECT_NE(html.find("<blockquote>"), std::string::npos);
}

TEST(MarkdownTest, RendersCjkText) {
  EXPECT_EQ(markdown_to_html("# 你好，世界\n\n这是**粗体**和~~删除~~。"),
            "<h1>你好，世界</h1>\n<p>这是<strong>粗体</strong>和<del>删除</del>。</p>\n");
}

TEST(MarkdownTest, InvalidUtf8IsReplaced) {
  const std::string html = markdown_to_html(std::string("a\xff b\xc3"));
  EXPECT_TRUE(text::is_valid_utf8(html)) << html;
  EXPECT_NE(html.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(MarkdownTest, EmptyInputGivesEmptyOutput) {
  EXPECT_EQ(markdown_to_html(""), "");
}

TEST(MarkdownTest, ConcurrentRendersAgree) {
  const std::string md =
      "~~old~~ and www.example.com\n\n| a | b |\n|---|---|\n| ~~x~~ | https://e.org |\n\n```cpp\nint x = 1;\n```\n";
  const std::string expected = markdown_to_html(md);
  ASSERT_NE(expected.find("<del>old</del>"), std::string::npos);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        if (markdown_to_html(md) != expected || plain_excerpt(md, 20).empty()) {
          ++mismatches[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(PlainExcerptTest, KeepsTextAndSkipsCodeHtmlAndImages) {
  const std::string md =
      "# Title\n\nSome *emphasis*, `code` &amp; a [link](https://x.org).\n\n```\nskip me\n```\n\n"
      "- item one\n- item two\n\n![alt text](x.png) after <b>bold</b>\n\n| h1 | h2 |\n|---|---|\n| c1 | c2 |\n";
  EXPECT_EQ(plain_excerpt(md, 500), "Title Some emphasis, code & a link. item one item two after bold h1 h2 c1 c2");
}

TEST(PlainExcerptTest, TruncatesOnWordAndUtf8Boundaries) {
  EXPECT_EQ(plain_excerpt("one two three four five", 100), "one two three four five");
  EXPECT_EQ(plain_excerpt("one two three four five", 12), "one two…");
  EXPECT_EQ(plain_excerpt("abcdefghijklmnopqrstuvwxyz", 10), "abcdefghi…");
  EXPECT_EQ(plain_excerpt("你好世界你好世界", 5), "你好世界…");
  EXPECT_EQ(plain_excerpt("你好世界", 4), "你好世界");
  EXPECT_EQ(plain_excerpt("anything", 0), "");
  EXPECT_EQ(plain_excerpt("anything", 1), "…");
  EXPECT_EQ(plain_excerpt("", 10), "");
  for (size_t n = 1; n < 30; ++n) {
    const std::string cut = plain_excerpt("混合 mixed 文本 text with 中文 and more words", n);
    EXPECT_TRUE(text::is_valid_utf8(cut)) << n;
    EXPECT_LE(text::utf8_length(cut), n);
  }
}

}  // namespace
}  // namespace gh::render
