#include "render/highlight.hpp"

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/text.hpp"

namespace gh::render {
namespace {

using WordSet = std::unordered_set<std::string_view>;

enum class Mode { Code, Markup, Css };

// What the generic scanner needs to know about one language. Everything defaults to "off".
struct LanguageSpec {
  Mode mode = Mode::Code;
  std::vector<std::string_view> line_comments;
  std::string_view block_open;
  std::string_view block_close;
  std::string_view quotes = "\"'";
  std::string_view multiline_quotes;       // Quotes whose strings may span lines.
  std::string_view raw_quotes;             // Quotes inside which a backslash is an ordinary character.
  bool triple_quotes = false;              // """...""" (Python, Java text blocks).
  bool string_prefixes = false;            // r"..", b'..', f"..", u8"..", L"..".
  bool preprocessor = false;               // '#' first on a line starts a preprocessor line.
  bool annotations = false;                // @name is a decorator or annotation.
  bool rust_syntax = false;                // #[attributes], 'lifetimes and name!( macros.
  bool hash_comment_needs_space = false;   // '#' starts a comment only at a word start (shell, YAML).
  bool quote_needs_boundary = false;       // A quote right after a letter is an apostrophe (YAML).
  bool keys_before_colon = false;          // "name:" marks a key (YAML), shown as a type.
  bool case_insensitive = false;           // SQL: keyword tables hold lower case.
  bool call_needs_adjacent_paren = false;  // SQL: "INSERT INTO t (a)" is no call, "count(*)" is.
  bool capitalized_types = true;           // Foo is a type name.
  std::string_view extra_ident_chars;      // '$' (JS, shell) or '-' (YAML) inside identifiers.
  WordSet keywords;
  WordSet types;
  WordSet definers;  // Keywords after which the next name is a function: fn, def, func, function.
};

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool contains(std::string_view set, char c) {
  return c != '\0' && set.find(c) != std::string_view::npos;
}

const WordSet& c_keywords() {
  static const WordSet words = {
      "auto",           "break",     "case",     "const",         "continue", "default",  "do",
      "else",           "enum",      "extern",   "for",           "goto",     "if",       "inline",
      "register",       "restrict",  "return",   "sizeof",        "static",   "struct",   "switch",
      "typedef",        "union",     "volatile", "while",         "_Alignas", "_Alignof", "_Atomic",
      "_Static_assert", "_Noreturn", "_Generic", "_Thread_local", "NULL",     "true",     "false",
  };
  return words;
}
const WordSet& c_types() {
  static const WordSet words = {
      "void",    "char",    "short",   "int",      "long",      "float",    "double",    "signed", "unsigned",
      "bool",    "_Bool",   "size_t",  "ssize_t",  "ptrdiff_t", "intptr_t", "uintptr_t", "int8_t", "int16_t",
      "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",  "uint64_t", "wchar_t",   "FILE",
  };
  return words;
}

WordSet cpp_keywords() {
  WordSet words = c_keywords();
  for (std::string_view w : {"alignas",      "alignof",
                             "and",          "asm",
                             "catch",        "class",
                             "co_await",     "co_return",
                             "co_yield",     "concept",
                             "consteval",    "constexpr",
                             "constinit",    "const_cast",
                             "decltype",     "delete",
                             "dynamic_cast", "explicit",
                             "export",       "final",
                             "friend",       "mutable",
                             "namespace",    "new",
                             "noexcept",     "not",
                             "nullptr",      "operator",
                             "or",           "override",
                             "private",      "protected",
                             "public",       "reinterpret_cast",
                             "requires",     "static_assert",
                             "static_cast",  "template",
                             "this",         "thread_local",
                             "throw",        "try",
                             "typeid",       "typename",
                             "using",        "virtual",
                             "xor"}) {
    words.insert(w);
  }
  return words;
}

WordSet cpp_types() {
  WordSet words = c_types();
  for (std::string_view w :
       {"char8_t", "char16_t", "char32_t", "string", "string_view", "vector", "map", "unordered_map", "set",
        "unordered_set", "array", "span", "optional", "variant", "unique_ptr", "shared_ptr", "pair", "tuple"}) {
    words.insert(w);
  }
  return words;
}

const WordSet& js_keywords() {
  static const WordSet words = {
      "break", "case",      "catch",   "class",   "const",  "continue", "debugger", "default", "delete", "do",
      "else",  "export",    "extends", "finally", "for",    "function", "if",       "import",  "in",     "instanceof",
      "let",   "new",       "return",  "super",   "switch", "this",     "throw",    "try",     "typeof", "var",
      "void",  "while",     "with",    "yield",   "async",  "await",    "of",       "static",  "get",    "set",
      "null",  "undefined", "true",    "false",   "NaN",    "Infinity",
  };
  return words;
}

WordSet ts_keywords() {
  WordSet words = js_keywords();
  for (std::string_view w : {"type", "interface", "enum", "implements", "namespace", "declare", "abstract", "private",
                             "protected", "public", "readonly", "as", "is", "keyof", "infer", "satisfies", "module"}) {
    words.insert(w);
  }
  return words;
}

LanguageSpec make_c() {
  LanguageSpec s;
  s.line_comments = {"//"};
  s.block_open = "/*";
  s.block_close = "*/";
  s.preprocessor = true;
  s.string_prefixes = true;
  s.keywords = c_keywords();
  s.types = c_types();
  return s;
}

LanguageSpec make_cpp() {
  LanguageSpec s = make_c();
  s.keywords = cpp_keywords();
  s.types = cpp_types();
  return s;
}

LanguageSpec make_python() {
  LanguageSpec s;
  s.line_comments = {"#"};
  s.triple_quotes = true;
  s.string_prefixes = true;
  s.annotations = true;
  s.keywords = {"False",    "None",   "True",  "and",  "as",     "assert",   "async",   "await", "break", "class",
                "continue", "def",    "del",   "elif", "else",   "except",   "finally", "for",   "from",  "global",
                "if",       "import", "in",    "is",   "lambda", "nonlocal", "not",     "or",    "pass",  "raise",
                "return",   "try",    "while", "with", "yield",  "match",    "case"};
  s.types = {"int",   "float",     "str",    "bool",    "list",      "dict", "set",  "tuple",
             "bytes", "bytearray", "object", "complex", "frozenset", "type", "range"};
  s.definers = {"def"};
  return s;
}

LanguageSpec make_js() {
  LanguageSpec s;
  s.line_comments = {"//"};
  s.block_open = "/*";
  s.block_close = "*/";
  s.quotes = "\"'`";
  s.multiline_quotes = "`";
  s.extra_ident_chars = "$";
  s.keywords = js_keywords();
  s.definers = {"function"};
  return s;
}

LanguageSpec make_ts() {
  LanguageSpec s = make_js();
  s.annotations = true;
  s.keywords = ts_keywords();
  s.types = {"string", "number", "boolean", "any", "unknown", "never", "void", "object", "symbol", "bigint"};
  return s;
}

LanguageSpec make_go() {
  LanguageSpec s;
  s.line_comments = {"//"};
  s.block_open = "/*";
  s.block_close = "*/";
  s.quotes = "\"'`";
  s.multiline_quotes = "`";
  s.raw_quotes = "`";
  s.keywords = {"break",       "case",    "chan",  "const",  "continue", "default", "defer",  "else",
                "fallthrough", "for",     "func",  "go",     "goto",     "if",      "import", "interface",
                "map",         "package", "range", "return", "select",   "struct",  "switch", "type",
                "var",         "nil",     "true",  "false",  "iota"};
  s.types = {"bool", "byte",  "complex64", "complex128", "error",  "float32", "float64",
             "int",  "int8",  "int16",     "int32",      "int64",  "rune",    "string",
             "uint", "uint8", "uint16",    "uint32",     "uint64", "uintptr", "any"};
  s.definers = {"func"};
  return s;
}

LanguageSpec make_rust() {
  LanguageSpec s;
  s.line_comments = {"//"};
  s.block_open = "/*";
  s.block_close = "*/";
  s.multiline_quotes = "\"";
  s.string_prefixes = true;
  s.rust_syntax = true;
  s.keywords = {"as",     "async", "await", "break", "const",  "continue", "crate", "dyn",   "else",   "enum",
                "extern", "false", "fn",    "for",   "if",     "impl",     "in",    "let",   "loop",   "match",
                "mod",    "move",  "mut",   "pub",   "ref",    "return",   "self",  "Self",  "static", "struct",
                "super",  "trait", "true",  "type",  "unsafe", "use",      "where", "while", "union",  "macro_rules"};
  s.types = {"i8",  "i16",  "i32",   "i64", "i128", "isize", "u8",   "u16", "u32",
             "u64", "u128", "usize", "f32", "f64",  "bool",  "char", "str"};
  s.definers = {"fn"};
  return s;
}

LanguageSpec make_java() {
  LanguageSpec s;
  s.line_comments = {"//"};
  s.block_open = "/*";
  s.block_close = "*/";
  s.triple_quotes = true;
  s.annotations = true;
  s.keywords = {"abstract",  "assert",  "break",     "case",    "catch",      "class",        "const",
                "continue",  "default", "do",        "else",    "enum",       "extends",      "final",
                "finally",   "for",     "goto",      "if",      "implements", "import",       "instanceof",
                "interface", "native",  "new",       "package", "private",    "protected",    "public",
                "return",    "static",  "strictfp",  "super",   "switch",     "synchronized", "this",
                "throw",     "throws",  "transient", "try",     "volatile",   "while",        "var",
                "record",    "yield",   "sealed",    "permits", "null",       "true",         "false"};
  s.types = {"boolean", "byte", "char", "short", "int", "long", "float", "double", "void"};
  return s;
}

LanguageSpec make_sql() {
  LanguageSpec s;
  s.line_comments = {"--"};
  s.block_open = "/*";
  s.block_close = "*/";
  s.multiline_quotes = "'\"";
  s.raw_quotes = "'\"";
  s.case_insensitive = true;
  s.call_needs_adjacent_paren = true;
  s.capitalized_types = false;
  s.keywords = {"select",   "from",        "where",     "and",       "or",      "not",     "insert",  "into",
                "values",   "update",      "set",       "delete",    "create",  "table",   "drop",    "alter",
                "add",      "column",      "index",     "unique",    "primary", "key",     "foreign", "references",
                "on",       "join",        "inner",     "left",      "right",   "outer",   "full",    "cross",
                "group",    "by",          "order",     "having",    "limit",   "offset",  "as",      "distinct",
                "union",    "all",         "exists",    "in",        "is",      "null",    "like",    "ilike",
                "between",  "case",        "when",      "then",      "else",    "end",     "begin",   "commit",
                "rollback", "transaction", "returning", "conflict",  "do",      "nothing", "default", "constraint",
                "check",    "if",          "with",      "recursive", "cascade", "view",    "trigger", "asc",
                "desc",     "true",        "false",     "using",     "natural", "explain", "analyze", "vacuum",
                "pragma",   "for",         "skip",      "locked",    "nulls",   "first",   "last"};
  s.types = {"int",         "integer",  "bigint",  "smallint", "serial", "bigserial", "text",
             "varchar",     "char",     "boolean", "bool",     "date",   "time",      "timestamp",
             "timestamptz", "interval", "numeric", "decimal",  "real",   "double",    "precision",
             "float",       "blob",     "bytea",   "json",     "jsonb",  "uuid"};
  return s;
}

LanguageSpec make_bash() {
  LanguageSpec s;
  s.line_comments = {"#"};
  s.hash_comment_needs_space = true;
  s.multiline_quotes = "\"'";
  s.raw_quotes = "'";
  s.capitalized_types = false;
  s.extra_ident_chars = "$";
  s.keywords = {"if",    "then",   "else",     "elif",     "fi",     "for",   "while",  "until",    "do",      "done",
                "case",  "esac",   "in",       "function", "return", "local", "export", "readonly", "declare", "unset",
                "shift", "break",  "continue", "exit",     "source", "alias", "set",    "trap",     "eval",    "exec",
                "echo",  "printf", "read",     "cd",       "test",   "true",  "false"};
  return s;
}

LanguageSpec make_json() {
  LanguageSpec s;
  s.quotes = "\"";
  s.capitalized_types = false;
  s.keywords = {"true", "false", "null"};
  return s;
}

LanguageSpec make_yaml() {
  LanguageSpec s;
  s.line_comments = {"#"};
  s.hash_comment_needs_space = true;
  s.quote_needs_boundary = true;
  s.keys_before_colon = true;
  s.capitalized_types = false;
  s.extra_ident_chars = "-";
  s.keywords = {"true", "false", "null", "yes", "no", "on", "off", "True", "False", "Null", "TRUE", "FALSE"};
  return s;
}

LanguageSpec make_markup() {
  LanguageSpec s;
  s.mode = Mode::Markup;
  return s;
}

LanguageSpec make_css() {
  LanguageSpec s;
  s.mode = Mode::Css;
  return s;
}

// The table for `language`, or nullptr. Tables are built once, on first use (thread-safe statics).
const LanguageSpec* find_spec(std::string_view language) {
  static const LanguageSpec c = make_c();
  static const LanguageSpec cpp = make_cpp();
  static const LanguageSpec python = make_python();
  static const LanguageSpec js = make_js();
  static const LanguageSpec ts = make_ts();
  static const LanguageSpec go = make_go();
  static const LanguageSpec rust = make_rust();
  static const LanguageSpec java = make_java();
  static const LanguageSpec sql = make_sql();
  static const LanguageSpec bash = make_bash();
  static const LanguageSpec json = make_json();
  static const LanguageSpec yaml = make_yaml();
  static const LanguageSpec markup = make_markup();
  static const LanguageSpec css = make_css();
  static const std::vector<std::pair<std::string_view, const LanguageSpec*>> aliases = {
      {"c", &c},           {"h", &c},           {"cpp", &cpp},        {"c++", &cpp},
      {"cc", &cpp},        {"cxx", &cpp},       {"hpp", &cpp},        {"hh", &cpp},
      {"python", &python}, {"py", &python},     {"python3", &python}, {"javascript", &js},
      {"js", &js},         {"jsx", &js},        {"mjs", &js},         {"cjs", &js},
      {"node", &js},       {"typescript", &ts}, {"ts", &ts},          {"tsx", &ts},
      {"go", &go},         {"golang", &go},     {"rust", &rust},      {"rs", &rust},
      {"java", &java},     {"sql", &sql},       {"postgresql", &sql}, {"postgres", &sql},
      {"sqlite", &sql},    {"mysql", &sql},     {"bash", &bash},      {"sh", &bash},
      {"shell", &bash},    {"zsh", &bash},      {"console", &bash},   {"json", &json},
      {"jsonc", &json},    {"yaml", &yaml},     {"yml", &yaml},       {"html", &markup},
      {"htm", &markup},    {"xhtml", &markup},  {"xml", &markup},     {"svg", &markup},
      {"css", &css},
  };
  if (language.empty() || language.size() > 16) {
    return nullptr;
  }
  const std::string lower = text::to_lower_ascii(language);
  for (const auto& [name, spec] : aliases) {
    if (name == lower) {
      return spec;
    }
  }
  return nullptr;
}

// One pass over `code`, appending escaped text and spans to the output. Plain text between
// tokens is buffered as a range [plain_begin_, pos) and escaped in one piece.
class Highlighter {
 public:
  Highlighter(std::string_view code, const LanguageSpec& spec) : code_(code), spec_(spec) {
    out_.reserve(code.size() + code.size() / 2);
  }

  std::string run() && {
    switch (spec_.mode) {
      case Mode::Code: run_code(); break;
      case Mode::Markup: run_markup(); break;
      case Mode::Css: run_css(); break;
    }
    flush_plain(code_.size());
    return std::move(out_);
  }

 private:
  char at(size_t i) const { return i < code_.size() ? code_[i] : '\0'; }
  bool starts_at(size_t i, std::string_view s) const {
    return !s.empty() && i <= code_.size() && code_.substr(i).starts_with(s);
  }
  size_t end_of_line(size_t i) const {
    const size_t nl = code_.find('\n', i);
    return nl == std::string_view::npos ? code_.size() : nl;
  }
  size_t skip_blanks(size_t i) const {
    while (i < code_.size() && is_blank(code_[i])) {
      ++i;
    }
    return i;
  }
  // End of the text closed by `close`, searched from `from`; the whole rest when unclosed.
  size_t end_after(size_t from, std::string_view close) const {
    const size_t found = code_.find(close, from);
    return found == std::string_view::npos ? code_.size() : found + close.size();
  }

  void flush_plain(size_t upto) {
    if (upto > plain_begin_) {
      out_ += text::html_escape(code_.substr(plain_begin_, upto - plain_begin_));
      plain_begin_ = upto;
    }
  }
  // REQUIRES: plain_begin_ <= begin <= end.
  void emit(size_t begin, size_t end, std::string_view token_class) {
    if (end <= begin) {
      return;
    }
    flush_plain(begin);
    out_ += "<span class=\"";
    out_ += token_class;
    out_ += "\">";
    out_ += text::html_escape(code_.substr(begin, end - begin));
    out_ += "</span>";
    plain_begin_ = end;
  }

  bool is_ident_start(char c) const {
    return is_alpha(c) || c == '_' || (c == '$' && contains(spec_.extra_ident_chars, '$'));
  }
  bool is_ident_char(char c) const { return is_alnum(c) || c == '_' || contains(spec_.extra_ident_chars, c); }
  size_t ident_end(size_t i) const {
    while (i < code_.size() && is_ident_char(code_[i])) {
      ++i;
    }
    return i;
  }

  bool is_word(const WordSet& words, std::string_view word) const {
    if (!spec_.case_insensitive) {
      return words.contains(word);
    }
    return words.contains(text::to_lower_ascii(word));
  }

  static bool is_capitalized(std::string_view word) {
    if (word.empty() || word[0] < 'A' || word[0] > 'Z') {
      return false;
    }
    if (word.size() == 1) {
      return true;  // A generic parameter such as T.
    }
    for (char c : word) {
      if (c >= 'a' && c <= 'z') {
        return true;
      }
    }
    return false;  // ALL_CAPS reads as a constant, not a type.
  }

  static bool is_string_prefix(std::string_view word) {
    if (word.size() > 3) {
      return false;
    }
    for (char c : word) {
      if (!contains("rRbBfFuUL8", c)) {
        return false;
      }
    }
    return true;
  }

  // End of the string literal whose opening quote is at `quote_pos`.
  size_t string_end(size_t quote_pos) const {
    const size_t n = code_.size();
    const char quote = code_[quote_pos];
    if (spec_.triple_quotes && at(quote_pos + 1) == quote && at(quote_pos + 2) == quote) {
      const std::string_view delimiter = code_.substr(quote_pos, 3);
      size_t i = quote_pos + 3;
      while (i < n) {
        if (code_[i] == '\\') {
          i += 2;
          continue;
        }
        if (starts_at(i, delimiter)) {
          return i + 3;
        }
        ++i;
      }
      return n;
    }
    const bool multiline = contains(spec_.multiline_quotes, quote);
    const bool raw = contains(spec_.raw_quotes, quote);
    size_t i = quote_pos + 1;
    while (i < n) {
      const char c = code_[i];
      if (c == '\\' && !raw) {
        i += 2;
        continue;
      }
      if (c == quote) {
        return i + 1;
      }
      if (c == '\n' && !multiline) {
        return i;
      }
      ++i;
    }
    return n;
  }

  size_t number_end(size_t i) const {
    const size_t n = code_.size();
    bool hex = false;
    bool seen_dot = false;
    if (code_[i] == '0' && (at(i + 1) == 'x' || at(i + 1) == 'X')) {
      hex = true;
      i += 2;
    }
    while (i < n) {
      const char c = code_[i];
      if (!hex && (c == 'e' || c == 'E') && (at(i + 1) == '+' || at(i + 1) == '-') && is_digit(at(i + 2))) {
        i += 3;
        continue;
      }
      if (is_alnum(c) || c == '_') {
        ++i;
        continue;
      }
      if (c == '.' && !seen_dot && !hex && is_digit(at(i + 1))) {
        seen_dot = true;
        ++i;
        continue;
      }
      break;
    }
    return i;
  }

  // A preprocessor line, following backslash continuations.
  size_t preprocessor_end(size_t i) const {
    for (;;) {
      const size_t eol = end_of_line(i);
      size_t last = eol;
      if (last > i && code_[last - 1] == '\r') {
        --last;
      }
      if (eol == code_.size() || last == i || code_[last - 1] != '\\') {
        return eol;
      }
      i = eol + 1;
    }
  }

  std::string_view classify(std::string_view word, size_t end) const {
    if (word == "$") {
      return {};  // Shell's $(...) and $? are punctuation, not calls.
    }
    if (is_word(spec_.keywords, word)) {
      return kTokenKeyword;
    }
    if (is_word(spec_.types, word)) {
      return kTokenType;
    }
    if (spec_.keys_before_colon && at(end) == ':' && (end + 1 >= code_.size() || is_space(code_[end + 1]))) {
      return kTokenType;
    }
    const size_t next = spec_.call_needs_adjacent_paren ? end : skip_blanks(end);
    if (at(next) == '(') {
      return kTokenFunction;
    }
    if (spec_.rust_syntax && at(end) == '!' && contains("([{", at(end + 1))) {
      return kTokenFunction;
    }
    if (spec_.capitalized_types && is_capitalized(word)) {
      return kTokenType;
    }
    return {};
  }

  // Returns the end of a comment starting at `pos`, or `pos` when none starts there.
  size_t comment_end(size_t pos) const {
    if (starts_at(pos, spec_.block_open)) {
      return end_after(pos + spec_.block_open.size(), spec_.block_close);
    }
    for (std::string_view marker : spec_.line_comments) {
      if (!starts_at(pos, marker)) {
        continue;
      }
      if (marker == "#" && spec_.hash_comment_needs_space && pos > 0 && !is_space(code_[pos - 1])) {
        continue;
      }
      return end_of_line(pos);
    }
    return pos;
  }

  void run_code() {
    const size_t n = code_.size();
    size_t pos = 0;
    bool line_start = true;      // Only blanks since the last newline.
    bool after_definer = false;  // The previous token was "fn", "def", "func" or "function".
    while (pos < n) {
      const char c = code_[pos];
      if (c == '\n') {
        line_start = true;
        ++pos;
        continue;
      }
      if (is_space(c)) {
        ++pos;
        continue;
      }
      const bool first_on_line = line_start;
      line_start = false;
      const bool name_expected = after_definer;  // Only the token right after "fn" / "def".
      after_definer = false;
      if (spec_.preprocessor && first_on_line && c == '#') {
        const size_t end = preprocessor_end(pos);
        emit(pos, end, kTokenPreprocessor);
        pos = end;
        continue;
      }
      if (spec_.rust_syntax && c == '#' && (at(pos + 1) == '[' || (at(pos + 1) == '!' && at(pos + 2) == '['))) {
        const size_t close = code_.find(']', pos);
        const size_t eol = end_of_line(pos);
        const size_t end = close == std::string_view::npos || close > eol ? eol : close + 1;
        emit(pos, end, kTokenPreprocessor);
        pos = end;
        continue;
      }
      if (const size_t end = comment_end(pos); end > pos) {
        emit(pos, end, kTokenComment);
        pos = end;
        continue;
      }
      if (contains(spec_.quotes, c)) {
        if (spec_.quote_needs_boundary && pos > 0 && is_alnum(code_[pos - 1])) {
          ++pos;
          continue;
        }
        if (spec_.rust_syntax && c == '\'' && is_ident_start(at(pos + 1)) && at(pos + 2) != '\'') {
          pos = ident_end(pos + 1);  // A lifetime such as 'a stays plain.
          continue;
        }
        const size_t end = string_end(pos);
        emit(pos, end, kTokenString);
        pos = end;
        continue;
      }
      const bool after_word = pos > 0 && is_ident_char(code_[pos - 1]);
      if (!after_word && (is_digit(c) || (c == '.' && is_digit(at(pos + 1))))) {
        const size_t end = number_end(pos);
        emit(pos, end, kTokenNumber);
        pos = end;
        continue;
      }
      if (spec_.annotations && c == '@' && is_ident_start(at(pos + 1))) {
        size_t end = ident_end(pos + 1);
        while (at(end) == '.' && is_ident_start(at(end + 1))) {
          end = ident_end(end + 1);
        }
        emit(pos, end, kTokenPreprocessor);
        pos = end;
        continue;
      }
      if (is_ident_start(c)) {
        const size_t end = ident_end(pos);
        const std::string_view word = code_.substr(pos, end - pos);
        if (spec_.string_prefixes && contains(spec_.quotes, at(end)) && is_string_prefix(word)) {
          const size_t string_close = string_end(end);
          emit(pos, string_close, kTokenString);
          pos = string_close;
          continue;
        }
        const bool is_keyword = is_word(spec_.keywords, word);
        const std::string_view token_class = name_expected && !is_keyword ? kTokenFunction : classify(word, end);
        after_definer = is_keyword && spec_.definers.contains(word);
        if (!token_class.empty()) {
          emit(pos, end, token_class);
        }
        pos = end;
        continue;
      }
      ++pos;  // Operators, punctuation and non-ASCII bytes stay plain.
    }
  }

  static bool is_tag_name_char(char c) { return is_alnum(c) || c == '-' || c == '_' || c == ':' || c == '.'; }

  // A tag starting at the '<' at `pos`; returns the position after it.
  size_t markup_tag(size_t pos) {
    const size_t n = code_.size();
    size_t i = pos + 1;
    if (at(i) == '/' || at(i) == '!' || at(i) == '?') {
      ++i;
    }
    size_t name_end = i;
    while (name_end < n && is_tag_name_char(code_[name_end])) {
      ++name_end;
    }
    emit(i, name_end, kTokenKeyword);
    i = name_end;
    while (i < n && code_[i] != '>' && code_[i] != '<') {
      const char c = code_[i];
      if (c == '"' || c == '\'') {
        const size_t close = code_.find(c, i + 1);
        const size_t end = close == std::string_view::npos ? n : close + 1;
        emit(i, end, kTokenString);
        i = end;
        continue;
      }
      if (is_space(c) || c == '=' || c == '/' || c == '?') {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < n && !is_space(code_[end]) && !contains("=>/<\"'", code_[end])) {
        ++end;
      }
      const bool unquoted_value = code_[i - 1] == '=';
      emit(i, end, unquoted_value ? kTokenString : kTokenType);
      i = end;
    }
    if (i < n && code_[i] == '>') {
      ++i;
    }
    return i;
  }

  void run_markup() {
    const size_t n = code_.size();
    size_t pos = 0;
    while (pos < n) {
      if (starts_at(pos, "<!--")) {
        const size_t end = end_after(pos + 4, "-->");
        emit(pos, end, kTokenComment);
        pos = end;
        continue;
      }
      if (starts_at(pos, "<![CDATA[")) {
        const size_t end = end_after(pos + 9, "]]>");
        emit(pos, end, kTokenString);
        pos = end;
        continue;
      }
      const char next = at(pos + 1);
      if (code_[pos] == '<' &&
          (is_alpha(next) || (next == '/' && is_alpha(at(pos + 2))) || next == '!' || next == '?')) {
        pos = markup_tag(pos);
        continue;
      }
      ++pos;
    }
  }

  static bool is_css_ident_char(char c) { return is_alnum(c) || c == '_' || c == '-'; }
  size_t css_ident_end(size_t i) const {
    while (i < code_.size() && is_css_ident_char(code_[i])) {
      ++i;
    }
    return i;
  }

  void run_css() {
    const size_t n = code_.size();
    size_t pos = 0;
    int depth = 0;
    bool in_value = false;  // Between a property's ':' and its ';' or '}'.
    while (pos < n) {
      const char c = code_[pos];
      const char next = at(pos + 1);
      const bool after_word = pos > 0 && is_css_ident_char(code_[pos - 1]);
      size_t end = pos;
      std::string_view token_class;
      if (starts_at(pos, "/*")) {
        end = end_after(pos + 2, "*/");
        token_class = kTokenComment;
      } else if (c == '"' || c == '\'') {
        end = string_end(pos);
        token_class = kTokenString;
      } else if (c == '{' || c == '}' || c == ';') {
        depth += c == '{' ? 1 : (c == '}' && depth > 0 ? -1 : 0);
        in_value = false;
      } else if (c == ':' && depth > 0 && !in_value) {
        in_value = true;
      } else if (c == '@' && is_alpha(next)) {
        end = css_ident_end(pos + 1);
        token_class = kTokenKeyword;
      } else if (c == '!' && starts_at(pos + 1, "important")) {
        end = pos + 10;
        token_class = kTokenKeyword;
      } else if (c == '#' && in_value && is_hex(next)) {
        end = pos + 1;
        while (end < n && is_hex(code_[end])) {
          ++end;
        }
        token_class = kTokenNumber;
      } else if (!after_word && (is_digit(c) || ((c == '.' || c == '-') && is_digit(next)))) {
        end = pos + 1;
        while (end < n && (is_digit(code_[end]) || code_[end] == '.')) {
          ++end;
        }
        while (end < n && (is_alpha(code_[end]) || code_[end] == '%')) {
          ++end;
        }
        token_class = kTokenNumber;
      } else if (!after_word && (is_alpha(c) || c == '_' || (c == '-' && (is_alpha(next) || next == '-')))) {
        end = css_ident_end(pos);
        if (at(end) == '(') {
          token_class = kTokenFunction;
        } else if (depth > 0 && !in_value && at(skip_blanks(end)) == ':') {
          token_class = kTokenKeyword;
        }
      }
      if (end == pos) {
        ++pos;
        continue;
      }
      if (!token_class.empty()) {
        emit(pos, end, token_class);
      }
      pos = end;
    }
  }

  std::string_view code_;
  const LanguageSpec& spec_;
  std::string out_;
  size_t plain_begin_ = 0;
};

}  // namespace

std::string highlight_code(std::string_view code, std::string_view language) {
  const LanguageSpec* spec = find_spec(language);
  if (spec == nullptr) {
    return text::html_escape(code);
  }
  return Highlighter(code, *spec).run();
}

bool is_highlighted_language(std::string_view language) {
  return find_spec(language) != nullptr;
}

}  // namespace gh::render
