// Sending one message over SMTP (libcurl): smtp:// with opportunistic or required STARTTLS,
// smtps:// for TLS from the first byte, AUTH when a user is configured.
//
// Transport is the seam the outbox worker sends through; SmtpTransport is the real one. A
// transport is called from the worker thread only, outside any database transaction.
// SmtpTransport is thread-safe (a fresh curl handle per message).
#pragma once

#include <string>
#include <string_view>

namespace gh::mail {

// What happened to one delivery attempt. Temporary failures (connection refused, timeouts,
// 4xx replies) are retried with backoff; permanent ones (5xx replies) end the message.
struct SendOutcome {
  enum class Status { Sent, Temporary, Permanent };
  Status status = Status::Sent;
  std::string detail;  // For the outbox's last_error and the log; no secrets.

  bool sent() const { return status == Status::Sent; }
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends `data` (a whole RFC 5322 message with CRLF lines) from `envelope_from` to `to`.
  virtual SendOutcome send(std::string_view envelope_from, std::string_view to, std::string_view data) = 0;
};

struct SmtpConfig {
  std::string url;  // "smtp://host:587", "smtps://host:465", "smtp://127.0.0.1:2525".
  std::string user;
  std::string password;
  bool require_starttls = false;  // smtp:// only: refuse to send in clear text.
  long connect_timeout_ms = 10'000;
  long timeout_ms = 60'000;
};

class SmtpTransport final : public Transport {
 public:
  explicit SmtpTransport(SmtpConfig config);
  SendOutcome send(std::string_view envelope_from, std::string_view to, std::string_view data) override;

 private:
  SmtpConfig config_;
};

// Whether an SMTP reply code (or 0 for no reply, e.g. no connection) is worth retrying.
SendOutcome::Status classify_smtp_reply(long code);

}  // namespace gh::mail
