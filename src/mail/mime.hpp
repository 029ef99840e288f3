// RFC 5322 / MIME message building: headers (RFC 2047 encoded words for non-ASCII text),
// multipart/alternative bodies (text and HTML, UTF-8, quoted-printable), CRLF line ends.
//
// Pure functions over strings; thread-safe. The SMTP layer sends the result as is (libcurl
// does the dot-stuffing), so a message is built once, when its cause commits, and stored.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace gh::mail {

// An address with an optional display name: "Guildhall <noreply@example.com>".
struct Address {
  std::string name;
  std::string email;
};

// Parses "Name <a@b>" or "a@b"; nullopt-like empty email when it is neither.
Address parse_address(std::string_view text);

struct Message {
  Address from;
  Address to;
  std::string subject;  // UTF-8.
  std::string text;     // text/plain part, UTF-8, any line ends.
  std::string html;     // text/html part; empty: a single text/plain body.
  Millis date = 0;
  std::string message_id;                                  // Without angle brackets: "abc@host".
  std::vector<std::pair<std::string, std::string>> extra;  // Already valid header values.
};

// Base64 of `bytes` (RFC 4648, with padding, no line breaks).
std::string base64(std::string_view bytes);
// Quoted-printable (RFC 2045): lines at most 76 characters, CRLF line ends, trailing space
// and tab encoded, soft line breaks "=" CRLF.
std::string quoted_printable(std::string_view text);
// A header value as RFC 2047 encoded words ("=?UTF-8?B?...?=") when it is not plain printable
// ASCII, else unchanged. Words never split a UTF-8 character and stay within 75 characters.
std::string encode_header_text(std::string_view text);
// "Name <email>" with the name quoted or encoded as needed.
std::string format_address(const Address& address);
// "Tue, 24 Nov 2026 20:33:53 +0000".
std::string format_date(Millis t);

// The whole message, CRLF line ends, ready for SMTP DATA. `boundary_seed` makes the MIME
// boundary (any random text; it must not appear in the bodies, which QP guarantees for the
// "=_" prefix used here).
std::string build_message(const Message& message, std::string_view boundary_seed);

}  // namespace gh::mail
