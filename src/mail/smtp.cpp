#include "mail/smtp.hpp"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace gh::mail {
namespace {

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t read_chunk(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t room = size * count;
  const size_t left = upload->data.size() - upload->offset;
  const size_t n = std::min(room, left);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

std::string angle(std::string_view address) {
  return "<" + std::string(address) + ">";
}

}  // namespace

SendOutcome::Status classify_smtp_reply(long code) {
  if (code >= 500 && code < 600) {
    return SendOutcome::Status::Permanent;
  }
  return SendOutcome::Status::Temporary;
}

SmtpTransport::SmtpTransport(SmtpConfig config) : config_(std::move(config)) {
  // curl_global_init is not thread-safe: once, before any handle exists.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

SendOutcome SmtpTransport::send(std::string_view envelope_from, std::string_view to, std::string_view data) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return {SendOutcome::Status::Temporary, "curl_easy_init failed"};
  }
  CURL* h = curl.get();
  const std::string from = angle(envelope_from);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(curl_slist_append(nullptr, angle(to).c_str()),
                                                                         curl_slist_free_all);
  Upload upload{data, 0};
  curl_easy_setopt(h, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // Timeouts without SIGALRM: we run on a worker thread.
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
  // smtps:// is TLS from the start; for smtp:// STARTTLS is used when the server offers it, and
  // required when configured so (CURLUSESSL_ALL fails the transfer otherwise).
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   config_.require_starttls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
  if (!config_.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_chunk);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  const CURLcode rc = curl_easy_perform(h);
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  if (rc == CURLE_OK) {
    return {SendOutcome::Status::Sent, ""};
  }
  std::string detail = curl_easy_strerror(rc);
  if (reply != 0) {
    detail += " (SMTP " + std::to_string(reply) + ")";
  }
  // A refused login or a server that cannot do the required TLS is a configuration problem:
  // the operator can fix it, so the message waits (with backoff) rather than failing for good.
  if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED) {
    return {SendOutcome::Status::Temporary, detail};
  }
  return {classify_smtp_reply(reply), detail};
}

}  // namespace gh::mail
