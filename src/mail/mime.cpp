#include "mail/mime.hpp"

#include <ctime>

#include "core/text.hpp"

namespace gh::mail {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789ABCDEF";
constexpr size_t kMaxLine = 76;

bool plain_ascii(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) {
      return false;
    }
  }
  // "=?" could be read as the start of an encoded word.
  return text.find("=?") == std::string_view::npos;
}

// One line ending style for the bodies: "\r\n", "\r" and "\n" all become "\n" first.
std::string normalize_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
    } else {
      out += text[i];
    }
  }
  return out;
}

// Header values never carry CR or LF (header injection): they become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n') {
      c = ' ';
    }
  }
  return out;
}

}  // namespace

Address parse_address(std::string_view text) {
  const auto trimmed = text::trim(text);
  const auto open = trimmed.rfind('<');
  const auto close = trimmed.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    std::string name = text::trim(trimmed.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    return Address{name, text::trim(trimmed.substr(open + 1, close - open - 1))};
  }
  return Address{"", trimmed};
}

std::string base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string quoted_printable(std::string_view input) {
  const std::string text = normalize_newlines(input);
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    const bool last = end == std::string::npos;
    if (last) {
      end = text.size();
    }
    const std::string_view line(text.data() + start, end - start);
    // Encode the line, then fold it with soft breaks so no output line passes 76 characters.
    std::string encoded_line;
    size_t column = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      const auto u = static_cast<unsigned char>(line[i]);
      const bool trailing_space = (u == ' ' || u == '\t') && i + 1 == line.size();
      std::string token;
      if ((u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !trailing_space)) {
        token = static_cast<char>(u);
      } else {
        token = {'=', kHex[u >> 4], kHex[u & 15]};
      }
      // Room for the token plus a soft break "=" (unless this is the line's last token).
      const size_t limit = i + 1 == line.size() ? kMaxLine : kMaxLine - 1;
      if (column + token.size() > limit) {
        encoded_line += "=\r\n";
        column = 0;
      }
      encoded_line += token;
      column += token.size();
    }
    out += encoded_line;
    if (last) {
      break;
    }
    out += "\r\n";
    start = end + 1;
  }
  return out;
}

std::string encode_header_text(std::string_view input) {
  const std::string text = one_line(input);
  if (plain_ascii(text)) {
    return text;
  }
  // "=?UTF-8?B?" + payload + "?=" within 75 characters: 63 payload characters at most, i.e.
  // 45 bytes of UTF-8 (a multiple of 3 keeps the words free of padding in the middle).
  constexpr size_t kMaxBytes = 45;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size()) {
      const size_t length = std::max<size_t>(1, text::utf8_sequence_at(text, end));
      if (end + length - i > kMaxBytes) {
        break;
      }
      end += length;
    }
    if (end == i) {
      end = i + 1;  // Not reachable with valid UTF-8; guarantees progress on anything else.
    }
    if (!out.empty()) {
      out += "\r\n ";  // Folding whitespace between encoded words is ignored by readers.
    }
    out += "=?UTF-8?B?" + base64(std::string_view(text).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string format_address(const Address& address) {
  const std::string email = one_line(address.email);
  if (address.name.empty()) {
    return "<" + email + ">";
  }
  std::string name;
  if (plain_ascii(address.name)) {
    bool needs_quotes = false;
    for (char c : address.name) {
      if (std::string_view("()<>[]:;@\\,.\"").find(c) != std::string_view::npos) {
        needs_quotes = true;
      }
    }
    if (needs_quotes) {
      name = "\"";
      for (char c : address.name) {
        if (c == '"' || c == '\\') {
          name += '\\';
        }
        name += c;
      }
      name += "\"";
    } else {
      name = address.name;
    }
  } else {
    name = encode_header_text(address.name);
  }
  return name + " <" + email + ">";
}

std::string format_date(Millis t) {
  const std::time_t seconds = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string build_message(const Message& message, std::string_view boundary_seed) {
  std::string out;
  auto header = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  header("Date", format_date(message.date));
  header("Message-ID", "<" + one_line(message.message_id) + ">");
  header("From", format_address(message.from));
  header("To", format_address(message.to));
  header("Subject", encode_header_text(message.subject));
  header("MIME-Version", "1.0");
  for (const auto& [name, value] : message.extra) {
    header(one_line(name), one_line(value));
  }
  auto part_headers = [&](std::string_view type) {
    header("Content-Type", std::string(type) + "; charset=UTF-8");
    header("Content-Transfer-Encoding", "quoted-printable");
  };
  if (message.html.empty()) {
    part_headers("text/plain");
    out += "\r\n";
    out += quoted_printable(message.text);
    out += "\r\n";
    return out;
  }
  const std::string boundary = "=_gh_" + std::string(boundary_seed);
  header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out += "\r\n";
  out += "--" + boundary + "\r\n";
  part_headers("text/plain");
  out += "\r\n" + quoted_printable(message.text) + "\r\n";
  out += "--" + boundary + "\r\n";
  part_headers("text/html");
  out += "\r\n" + quoted_printable(message.html) + "\r\n";
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace gh::mail
