#include "render/highlight.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace gh::render {
namespace {

const std::vector<std::string> kLanguages = {
    "c",  "cpp",  "c++", "python", "py", "javascript", "js",   "typescript", "ts",   "go",  "rust",
    "rs", "java", "sql", "bash",   "sh", "shell",      "json", "yaml",       "html", "xml", "css"};

// Removes the spans highlight_code adds; fails the test on any other markup.
std::string strip_spans(const std::string& html) {
  std::string out;
  size_t pos = 0;
  while (pos < html.size()) {
    if (html.compare(pos, 7, "</span>") == 0) {
      pos += 7;
      continue;
    }
    if (html.compare(pos, 17, "<span class=\"tok-") == 0) {
      const size_t end = html.find("\">", pos);
      EXPECT_NE(end, std::string::npos);
      const std::string token_class = html.substr(pos + 13, end - pos - 13);
      EXPECT_TRUE(token_class == "tok-kw" || token_class == "tok-str" || token_class == "tok-com" ||
                  token_class == "tok-num" || token_class == "tok-fn" || token_class == "tok-ty" ||
                  token_class == "tok-pre")
          << token_class;
      pos = end + 2;
      continue;
    }
    out += html[pos++];
  }
  return out;
}

std::string unescape(const std::string& s) {
  static const std::vector<std::pair<std::string, char>> kEntities = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  std::string out;
  size_t pos = 0;
  while (pos < s.size()) {
    bool matched = false;
    for (const auto& [entity, c] : kEntities) {
      if (s.compare(pos, entity.size(), entity) == 0) {
        out += c;
        pos += entity.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      out += s[pos++];
    }
  }
  return out;
}

// The output must be the input, escaped, with only our spans added.
void expect_round_trip(const std::string& code, const std::string& language) {
  const std::string html = highlight_code(code, language);
  const std::string text = strip_spans(html);
  EXPECT_EQ(text.find_first_of("<>\"'"), std::string::npos) << language << ": " << html;
  EXPECT_EQ(unescape(text), code) << language << ": " << html;
}

TEST(HighlightTest, UnknownLanguageIsEscapedTextOnly) {
  EXPECT_EQ(highlight_code("<script>&\"'", "brainfuck"), "&lt;script&gt;&amp;&quot;&#39;");
  EXPECT_EQ(highlight_code("int x;", ""), "int x;");
  EXPECT_FALSE(is_highlighted_language("brainfuck"));
  EXPECT_TRUE(is_highlighted_language("CPP"));
}

TEST(HighlightTest, NeverEmitsUnescapedInput) {
  const std::string nasty =
      "<script>alert('x')</script> \"<img onerror=1>\" /* <b> */ // <i>\n# <pre>\n'<'\n`<`\n"
      "<!-- <x> --> <a href=\"<\" b='>' c=<d>> @media { a: <b>; } r#\"<\"# '''<''' \"\"\"<\n"
      "\"unterminated <string\n/* unterminated <comment";
  for (const std::string& language : kLanguages) {
    expect_round_trip(nasty, language);
  }
}

TEST(HighlightTest, RandomInputRoundTrips) {
  const std::string alphabet = "<>&\"'`/\\*#-@!$[]{}();:=.,_0x9eE+ \n\tabcAZ中文";
  std::mt19937 rng(42);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 60);
  for (const std::string& language : kLanguages) {
    for (int i = 0; i < 200; ++i) {
      std::string code;
      const size_t n = length(rng);
      for (size_t k = 0; k < n; ++k) {
        code += alphabet[pick(rng)];
      }
      expect_round_trip(code, language);
    }
  }
}

struct SpotCase {
  std::string language;
  std::string code;
  std::string expected;
};

TEST(HighlightTest, MarksTokensPerLanguage) {
  const std::vector<SpotCase> cases = {
      {"c", "#define N 1 \\\n  + 2\nint",
       "<span class=\"tok-pre\">#define N 1 \\\n  + 2</span>\n"
       "<span class=\"tok-ty\">int</span>"},
      {"cpp", "std::string s = u8\"x\";",
       "std::<span class=\"tok-ty\">string</span> s = <span class=\"tok-str\">u8&quot;x&quot;</span>;"},
      {"cpp", "Widget w; MAX_SIZE; 1.5e-3f",
       "<span class=\"tok-ty\">Widget</span> w; MAX_SIZE; <span class=\"tok-num\">1.5e-3f</span>"},
      {"python", "s = \"\"\"a\n'b'\"\"\"",
       "s = <span class=\"tok-str\">&quot;&quot;&quot;a\n&#39;b&#39;&quot;&quot;&quot;</span>"},
      {"python", "x = None", "x = <span class=\"tok-kw\">None</span>"},
      {"ts", "f<T>(x: T)",
       "f&lt;<span class=\"tok-ty\">T</span>&gt;(x: "
       "<span class=\"tok-ty\">T</span>)"},
      {"ts", "let n: number = 1;",
       "<span class=\"tok-kw\">let</span> n: <span class=\"tok-ty\">number</span> = <span class=\"tok-num\">1</span>;"},
      {"java", "@Override\npublic void run()",
       "<span class=\"tok-pre\">@Override</span>\n<span class=\"tok-kw\">public</span> "
       "<span class=\"tok-ty\">void</span> <span class=\"tok-fn\">run</span>()"},
      {"rust", "#[derive(Debug)]\nlet c = 'x';",
       "<span class=\"tok-pre\">#[derive(Debug)]</span>\n<span class=\"tok-kw\">let</span> c = "
       "<span class=\"tok-str\">&#39;x&#39;</span>;"},
      {"go", "s := `raw\\`", "s := <span class=\"tok-str\">`raw\\`</span>"},
      {"sql", "select * from t", "<span class=\"tok-kw\">select</span> * <span class=\"tok-kw\">from</span> t"},
      {"sql", "CREATE TABLE t (id BIGINT)",
       "<span class=\"tok-kw\">CREATE</span> <span class=\"tok-kw\">TABLE</span> t "
       "(id <span class=\"tok-ty\">BIGINT</span>)"},
      {"bash", "echo $# x#y", "<span class=\"tok-kw\">echo</span> $# x#y"},
      {"json", "{\"a\": [1, true, null]}",
       "{<span class=\"tok-str\">&quot;a&quot;</span>: [<span class=\"tok-num\">1</span>, "
       "<span class=\"tok-kw\">true</span>, <span class=\"tok-kw\">null</span>]}"},
      {"yaml", "name: it's # note\nport: 80",
       "<span class=\"tok-ty\">name</span>: it&#39;s <span class=\"tok-com\"># note</span>\n"
       "<span class=\"tok-ty\">port</span>: <span class=\"tok-num\">80</span>"},
      {"html", "<!-- c --><a href=\"/x\" hidden>t</a>",
       "<span class=\"tok-com\">&lt;!-- c --&gt;</span>&lt;<span class=\"tok-kw\">a</span> "
       "<span class=\"tok-ty\">href</span>=<span class=\"tok-str\">&quot;/x&quot;</span> "
       "<span class=\"tok-ty\">hidden</span>&gt;t&lt;/<span class=\"tok-kw\">a</span>&gt;"},
      {"css", "@media print { a { color: #fff; margin: -2px !important; } }",
       "<span class=\"tok-kw\">@media</span> print { a { <span class=\"tok-kw\">color</span>: "
       "<span class=\"tok-num\">#fff</span>; <span class=\"tok-kw\">margin</span>: "
       "<span class=\"tok-num\">-2px</span> <span class=\"tok-kw\">!important</span>; } }"},
      {"css", "a { background: url(\"x.png\") }",
       "a { <span class=\"tok-kw\">background</span>: <span class=\"tok-fn\">url</span>("
       "<span class=\"tok-str\">&quot;x.png&quot;</span>) }"},
  };
  for (const SpotCase& c : cases) {
    EXPECT_EQ(highlight_code(c.code, c.language), c.expected) << c.language << ": " << c.code;
  }
}

}  // namespace
}  // namespace gh::render
