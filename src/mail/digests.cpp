// Digests: which are due, what they say, and their one enqueue per user and period.
#include <algorithm>

#include "mail/mailer.hpp"

namespace gh::mail {
namespace {

using render::Data;

struct Due {
  UserId user;
  Cadence cadence = Cadence::Weekly;
  int64_t last_period = 0;
  Millis covered_until = 0;
};

}  // namespace

DigestRun Mailer::enqueue_due_digests(DigestSource& source, Millis now) {
  DigestRun run;
  const int64_t daily = now / period_ms(Cadence::Daily);
  const int64_t weekly = now / period_ms(Cadence::Weekly);
  auto current_period = [&](Cadence c) { return c == Cadence::Daily ? daily : weekly; };

  // Newcomers get a settings row that starts their first digest now, so no one is mailed a
  // digest of everything before they joined.
  const auto newest = db_.write([&](db::Tx& tx) {
    tx.exec(
        "INSERT INTO mail_settings (user_id, digest, last_period, covered_until, updated_at) "
        "SELECT u.id, $1, $2, $3, $3 FROM users u WHERE u.id > $4 AND NOT EXISTS "
        "(SELECT 1 FROM mail_settings s WHERE s.user_id = u.id) ORDER BY u.id LIMIT $5 ON CONFLICT DO NOTHING",
        {cadence_name(kDefaultCadence), current_period(kDefaultCadence), now, baseline_after_id_.load(),
         options_.digest_batch});
    return tx.scalar_i64("SELECT MAX(user_id) FROM mail_settings");
  });
  if (newest && *newest > baseline_after_id_.load()) {
    baseline_after_id_ = *newest;
  }

  const auto due = db_.read([&](db::Tx& tx) {
    std::vector<Due> out;
    for (const auto& row :
         tx.exec("SELECT user_id, digest, last_period, covered_until FROM mail_settings WHERE "
                 "(digest = 'daily' AND last_period < $1) OR (digest = 'weekly' AND last_period < $2) "
                 "ORDER BY user_id LIMIT $3",
                 {daily, weekly, options_.digest_batch})) {
      out.push_back(Due{UserId(row.i64(0)), parse_cadence(row.text(1)).value_or(Cadence::Off), row.i64(2), row.i64(3)});
    }
    return out;
  });

  for (const auto& d : due) {
    ++run.considered;
    // Reading what the member missed happens outside the write transaction; the write below
    // only succeeds if the period is still unhandled (another process may have done it).
    const auto communities = source.missed(d.user, d.covered_until, now);
    const bool enqueued = db_.write([&](db::Tx& tx) {
      const auto claimed = tx.exec(
          "UPDATE mail_settings SET last_period = $2, covered_until = $3, updated_at = $3 "
          "WHERE user_id = $1 AND last_period = $4 AND digest = $5",
          {d.user.value, current_period(d.cadence), now, d.last_period, cadence_name(d.cadence)});
      if (claimed.affected != 1 || communities.empty() || !options_.enabled) {
        return false;
      }
      const auto prefs = load_preferences(tx, d.user);
      const auto to = recipient(tx, d.user, prefs);
      if (!to) {
        return false;
      }
      const auto& lang = to->lang;
      const std::string subject =
          i18n_.format(lang, d.cadence == Cadence::Daily ? "mail.digest_subject_daily" : "mail.digest_subject_weekly",
                       {{"site", options_.site_name}});
      std::string text = i18n_.t(lang, "mail.digest_intro") + "\n";
      std::vector<Data> sections;
      for (const auto& community : communities) {
        std::vector<DigestPost> top;
        for (const auto& p : community.posts) {
          if (p.upvotes + p.comments > 0) {
            top.push_back(p);
          }
        }
        std::stable_sort(top.begin(), top.end(), [](const DigestPost& a, const DigestPost& b) {
          return a.upvotes + a.comments > b.upvotes + b.comments;
        });
        if (top.size() > static_cast<size_t>(options_.digest_top_posts)) {
          top.resize(static_cast<size_t>(options_.digest_top_posts));
        }
        std::vector<DigestPost> fresh;
        for (const auto& p : community.posts) {
          const bool in_top =
              std::any_of(top.begin(), top.end(), [&](const DigestPost& t) { return t.path == p.path; });
          if (!in_top && fresh.size() < static_cast<size_t>(options_.digest_max_posts)) {
            fresh.push_back(p);
          }
        }
        auto post_data = [&](const DigestPost& p) {
          Data item;
          item.set("title", p.title);
          item.set("url", absolute(p.path));
          item.set("excerpt", p.excerpt);
          item.set("author", p.author);
          item.set("locked", p.locked);
          item.set("upvotes", std::to_string(p.upvotes));
          item.set("comments", std::to_string(p.comments));
          return item;
        };
        auto post_text = [&](const DigestPost& p) {
          std::string out = "- " + p.title + " (" + p.author + ")\n";
          if (!p.excerpt.empty()) {
            out += "  " + p.excerpt + "\n";
          }
          if (p.locked) {
            out += "  [" + i18n_.t(lang, "mail.digest_locked") + "]\n";
          }
          out += "  " + absolute(p.path) + "\n";
          return out;
        };
        text += "\n== " + community.name + " == " + absolute(community.path) + "\n";
        std::vector<Data> top_data;
        std::vector<Data> fresh_data;
        if (!top.empty()) {
          text += "\n" + i18n_.t(lang, "mail.digest_top") + ":\n";
          for (const auto& p : top) {
            text += post_text(p);
            top_data.push_back(post_data(p));
          }
        }
        if (!fresh.empty()) {
          text += "\n" + i18n_.t(lang, "mail.digest_new") + ":\n";
          for (const auto& p : fresh) {
            text += post_text(p);
            fresh_data.push_back(post_data(p));
          }
        }
        Data section;
        section.set("name", community.name);
        section.set("url", absolute(community.path));
        section.set("has_top", !top_data.empty());
        section.set("top", list_of_data(std::move(top_data)));
        section.set("has_new", !fresh_data.empty());
        section.set("new", list_of_data(std::move(fresh_data)));
        sections.push_back(std::move(section));
      }
      Data data;
      data.set("communities", list_of_data(std::move(sections)));
      const std::string key = "digest:" + std::to_string(d.user.value) + ":" + std::string(cadence_name(d.cadence)) +
                              ":" + std::to_string(current_period(d.cadence));
      return enqueue_listed(tx, d.user, *to, kDigestKind, subject, std::move(text), std::move(data), kTemplateDigest,
                            key)
          .has_value();
    });
    if (enqueued) {
      ++run.enqueued;
    }
  }
  return run;
}

}  // namespace gh::mail
