// gh::files: stored files (videos, downloads, images) of a community, and the signed,
// expiring links through which they are served.
//
// The bytes live on disk under <data dir>/files/<id>; uploads arrive complete in
// <data dir>/files/tmp/ and are renamed into place in the transaction that records the row, so
// a failed upload leaves nothing. Only staff (creator and up) store, list and delete.
//
// Serving is keyed by a signature, not by a session: code that has decided a viewer may have a
// file (a lesson the learner may read, a creator's own preview) asks signed_path() for a link
// that works until it expires; verify_link() checks it (HMAC-SHA256 with the server secret
// "media", compared in constant time). A copied link stops working at its expiry.
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::files {

inline constexpr int64_t kDefaultMaxUploadBytes = int64_t{512} * 1024 * 1024;
inline constexpr size_t kMaxNameChars = 200;
inline constexpr Millis kMaxLinkTtl = Millis{7} * 24 * 3600 * 1000;

struct StoredFile {
  int64_t id = 0;
  CommunityId community;
  std::string name;  // As uploaded, without any directory part.
  std::string content_type;
  int64_t size = 0;
  std::string sha256;  // 64 lower-case hex digits.
  UserId uploaded_by;
  Millis created_at = 0;
};

struct Options {
  std::string data_dir = "data";                      // Files go to <data_dir>/files/.
  int64_t max_upload_bytes = kDefaultMaxUploadBytes;  // Larger uploads: files.too_large (413).
};

// The content type stored for a file name, chosen by its extension from an allow-list (mp4,
// webm, mp3, pdf, zip, png, jpg, txt...); nullopt for anything else (html and svg could run
// script on our origin, so they are never stored).
std::optional<std::string> content_type_for(std::string_view name);
// Media that a browser shows in place (video, audio, images); everything else downloads.
bool is_inline(std::string_view content_type);
// The file name to store: the part after the last '/' or '\', trimmed. Errors:
// files.invalid_name (empty, too long, control bytes, invalid UTF-8),
// files.type_not_allowed (extension not in the allow-list).
Result<std::string> clean_name(std::string_view name);

class Files {
 public:
  Files(db::Database& db, const Clock& clock, Options options);

  // Creates the storage directories, removes day-old leftovers of interrupted uploads, and
  // loads the signing secret (making it on first run).
  // Call once at boot, after migrations. Throws when the directories cannot be made.
  void prepare();
  const std::string& upload_dir() const { return upload_dir_; }
  int64_t max_upload_bytes() const { return options_.max_upload_bytes; }

  // Takes the complete file at `temp_path` (in upload_dir(), so that a rename moves it) as
  // `name` in `community`. On success the file has moved into the store; on failure it is left
  // where it was (the caller, or the HTTP server, removes it).
  // Errors: files.forbidden (actor is not creator and up there), files.invalid_name,
  // files.type_not_allowed, files.empty, files.too_large.
  Result<StoredFile> store(UserId actor, CommunityId community, std::string_view name, const std::string& temp_path);
  // store() for bytes in memory (small files, tests).
  Result<StoredFile> store_bytes(UserId actor, CommunityId community, std::string_view name, std::string_view bytes);

  // A file that is not deleted.
  static std::optional<StoredFile> find(db::Tx& tx, int64_t id);
  std::optional<StoredFile> find(int64_t id);
  // A file, for staff of its community. Errors: files.not_found, files.forbidden.
  Result<StoredFile> get(UserId actor, int64_t id);
  // The community's files, newest first. Errors: files.forbidden (not creator and up).
  Result<std::vector<StoredFile>> list(UserId actor, CommunityId community);
  // Marks the file deleted and removes its bytes. Errors: files.not_found, files.forbidden.
  Status remove(UserId actor, int64_t id);
  // Whether `actor` may manage (see, list, delete) the files of `community`: creator and up.
  bool is_staff(db::Tx& tx, UserId actor, CommunityId community);

  // "/media/{id}/{name}?e=<expiry ms>&s=<signature>", valid until now + ttl (capped at
  // kMaxLinkTtl). The caller has already decided the viewer may have the file. Callable inside
  // a transaction once prepare() ran (it loads the secret; without it the first call opens a
  // write transaction of its own to read or make the secret).
  std::string signed_path(const StoredFile& file, Millis ttl) const;
  // The file a /media link names, when its signature holds and it has not expired. Errors:
  // files.bad_signature, files.link_expired (403 both; nothing else is revealed), then
  // files.not_found (deleted since).
  Result<StoredFile> verify_link(int64_t id, std::string_view expiry, std::string_view signature);
  // Where the bytes of file `id` are.
  std::string path_of(int64_t id) const;

  // The signature of (id, expiry) under `secret`: 64 hex digits. Exposed for tests.
  static std::string sign_for_testing(std::string_view secret, int64_t id, Millis expiry);

 private:
  const std::string& secret() const;

  db::Database& db_;
  const Clock& clock_;
  Options options_;
  std::string store_dir_;
  std::string upload_dir_;
  mutable std::once_flag secret_once_;
  mutable std::string secret_;
};

}  // namespace gh::files
