#include "app/demo.hpp"

#include <array>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "render/markdown.hpp"

namespace gh::app {
namespace {

struct CommunitySeed {
  const char* slug;
  const char* name;
  const char* description;
  const char* currency;
};

constexpr std::array kCommunities = {
    CommunitySeed{"modern-cpp", "Modern C++ 实战", "C++20/23 in production: coroutines, ranges, modules, performance.",
                  "CNY"},
    CommunitySeed{"rustaceans", "Rustaceans", "Ownership, async Rust and systems programming, from zero to production.",
                  "USD"},
    CommunitySeed{"go-backend", "Go 后端进阶", "用 Go 写高并发后端：调度器、GC、微服务与可观测性。", "CNY"},
    CommunitySeed{"ml-engineering", "ML Engineering", "Training, serving and evaluating models without the hype.",
                  "USD"},
    CommunitySeed{"leetcode-daily", "LeetCode 每日一题", "每天一道算法题，打卡、讨论、写题解。", "CNY"},
    CommunitySeed{"frontend-craft", "Frontend Craft", "Web performance, accessibility and design systems.", "EUR"},
    CommunitySeed{"database-internals", "数据库内核", "B 树、LSM、事务与查询优化：读源码，写引擎。", "CNY"},
    CommunitySeed{"devops-sre", "DevOps & SRE", "Kubernetes, incident response, SLOs and the art of on-call.", "USD"},
    CommunitySeed{"indie-hackers-cn", "独立开发者", "一个人做产品：从想法、上线到盈利。", "CNY"},
    CommunitySeed{"security-lab", "Security Lab", "Web security, fuzzing and CTF write-ups.", "USD"},
    CommunitySeed{"compilers", "编译原理与实现", "手写解析器、IR、优化与代码生成。", "CNY"},
    CommunitySeed{"open-source", "Open Source Maintainers", "Running projects, reviewing PRs and funding the work.",
                  "USD"},
};

struct PostSeed {
  const char* kind;
  const char* title;
  const char* body;
  const char* tags;
};

constexpr std::array kPosts = {
    PostSeed{"tutorial", "用 C++20 协程写一个异步 HTTP 服务器",
             "协程让异步代码读起来像同步代码。本文从 `co_await` 的语义讲起，一步步写出一个可用的服务器。\n\n"
             "## 核心循环\n\n```cpp\nasio::awaitable<void> session(tcp::socket socket) {\n"
             "  beast::flat_buffer buffer;\n  for (;;) {\n    http::request<http::string_body> req;\n"
             "    co_await http::async_read(socket, buffer, req, asio::use_awaitable);\n"
             "    co_await http::async_write(socket, handle(std::move(req)), asio::use_awaitable);\n  }\n}\n```\n\n"
             "| 方案 | 吞吐 | 可读性 |\n|---|---|---|\n| 回调 | 高 | 差 |\n| 协程 | 高 | 好 |\n",
             "cpp,coroutines,networking"},
    PostSeed{"article", "Why your Rust async code is slower than it should be",
             "Most slow async Rust comes from three habits: holding locks across `.await`, spawning too many tiny "
             "tasks, and blocking the executor.\n\n```rust\n// Don't: a std Mutex guard held across an await point\n"
             "let guard = state.lock().unwrap();\nlet body = fetch(&guard.url).await?; // blocks other tasks\n```\n\n"
             "Measure with `tokio-console` before changing anything.",
             "rust,async,performance"},
    PostSeed{"question", "Go 的 GC 在大堆内存下停顿太久怎么办？",
             "服务堆内存 40GB，P99 延迟里能看到 GC 的影子。`GOGC` 调到 200 之后好了一些，还有什么办法？\n\n"
             "```go\nfunc main() {\n\tdebug.SetMemoryLimit(48 << 30)\n\tdebug.SetGCPercent(200)\n}\n```",
             "go,gc,performance"},
    PostSeed{"snippet", "A tiny LRU cache in Python",
             "```python\nfrom collections import OrderedDict\n\nclass LRU:\n    def __init__(self, capacity: int):\n"
             "        self.capacity = capacity\n        self.items = OrderedDict()\n\n    def get(self, key):\n"
             "        if key not in self.items:\n            return None\n        self.items.move_to_end(key)\n"
             "        return self.items[key]\n```",
             "python,snippet,cache"},
    PostSeed{"discussion", "你们团队怎么做 Code Review？",
             "我们现在要求每个 PR 至少两个人 approve，但大家都说太慢。想听听各位的做法：\n\n"
             "- 小 PR（< 400 行）\n- 自动化检查先行\n- 作者写清楚 why\n\n欢迎分享经验。",
             "engineering,code-review"},
    PostSeed{"tutorial", "SQL window functions, explained with one table",
             "Window functions answer \"compared to the others\" questions without self-joins.\n\n"
             "```sql\nSELECT author, title, upvotes,\n       RANK() OVER (PARTITION BY author ORDER BY upvotes DESC) "
             "AS rnk\n"
             "FROM posts\nWHERE published_at > now() - interval '30 days';\n```\n\n"
             "Each row keeps its identity; the window only adds context.",
             "sql,database,tutorial"},
    PostSeed{"article", "LSM 树的写放大从哪里来",
             "LSM 用顺序写换随机写，代价是 compaction 带来的写放大。本文用一个简单的模型估算 leveled 与 "
             "tiered 两种策略的放大系数。\n\n```cpp\ndouble write_amplification(int levels, double fanout) {\n"
             "  return levels * (fanout + 1) / 2.0;\n}\n```",
             "database,lsm,storage"},
    PostSeed{"question", "How do I debounce input in React without a library?",
             "My search box fires a request on every keystroke.\n\n```ts\nfunction useDebounced<T>(value: T, ms = 300) "
             "{\n  const [v, setV] = useState(value);\n  useEffect(() => {\n"
             "    const id = setTimeout(() => setV(value), ms);\n    return () => clearTimeout(id);\n"
             "  }, [value, ms]);\n  return v;\n}\n```\n\nIs this enough, or do I need to cancel in-flight requests?",
             "react,typescript,frontend"},
    PostSeed{"snippet", "一行命令找出最占磁盘的目录",
             "```bash\ndu -xh --max-depth=2 / 2>/dev/null | sort -rh | head -20\n```\n\n配合 `ncdu` 更直观。",
             "bash,linux,ops"},
    PostSeed{"discussion", "What made you finally understand pointers?",
             "For me it was drawing boxes and arrows on paper while stepping through a linked list in gdb. "
             "What was it for you?",
             "c,learning"},
    PostSeed{"tutorial", "动态规划入门：从爬楼梯到背包问题",
             "动态规划的关键是定义状态和转移。\n\n```python\ndef climb(n: int) -> int:\n    a, b = 1, 1\n"
             "    for _ in range(n):\n        a, b = b, a + b\n    return a\n```\n\n"
             "- 状态：`dp[i]` 表示到第 i 阶的方法数\n- 转移：`dp[i] = dp[i-1] + dp[i-2]`",
             "algorithms,dp,leetcode"},
    PostSeed{"article", "Incident review: the cron job that took down checkout",
             "A nightly job ran at 00:00 UTC across 200 pods at once and exhausted the connection pool.\n\n"
             "```yaml\nspec:\n  schedule: \"0 0 * * *\"\n  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 300\n"
             "```\n\nFixes: jitter, `concurrencyPolicy: Forbid`, and a pool per workload.",
             "sre,kubernetes,postmortem"},
};

constexpr std::array kComments = {
    "写得很清楚，感谢分享！",
    "Great write-up, thanks. Bookmarked.",
    "我在生产环境也遇到过同样的问题，最后是加了限流解决的。",
    "Could you share the benchmark setup?",
    "这个表格总结得太好了 👍",
    "Small nit: the second snippet leaks the guard on the error path.",
    "有没有更详细的源码分析？",
    "This saved me an afternoon. Thank you!",
};

constexpr std::array kFirstNames = {"alice", "bob", "chen", "dana", "eve",  "feng", "grace", "hao",  "ivan", "jing",
                                    "kai",   "li",  "ming", "nina", "omar", "ping", "qiang", "rosa", "sun",  "tao"};

void progress(const DemoOptions& options, const char* what, long done, long total) {
  if (!options.progress || total <= 0) {
    return;
  }
  const int width = 30;
  const int filled = static_cast<int>(width * done / total);
  std::fprintf(stderr, "\r%-10s [%s%s] %ld/%ld", what, std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(width - filled), '.').c_str(), done, total);
  if (done == total) {
    std::fprintf(stderr, "\n");
  }
}

}  // namespace

DemoCounts write_demo_data(db::Database& db, identity::Identity& identity, const Clock& clock,
                           const DemoOptions& options) {
  std::mt19937 rng(options.seed);
  DemoCounts counts;
  const Millis now = clock.now_ms();
  // One argon2id hash for every demo account: they all share the password "guildhall-demo".
  const auto password_hash = identity.hash_password("guildhall-demo");

  // Pre-render each seed post once; bodies repeat across the demo.
  std::vector<std::pair<std::string, std::string>> rendered;
  for (const auto& p : kPosts) {
    rendered.emplace_back(render::markdown_to_html(p.body), render::plain_excerpt(p.body, 240));
  }

  std::vector<std::string> comment_html;
  for (const auto* c : kComments) {
    comment_html.push_back(render::markdown_to_html(c));
  }

  std::vector<int64_t> user_ids;
  const int user_batch = 2000;
  for (int start = 0; start < options.users; start += user_batch) {
    db.write([&](db::Tx& tx) {
      for (int i = start; i < std::min(options.users, start + user_batch); ++i) {
        const std::string username =
            i == 0 ? std::string("demo")
                   : std::string(kFirstNames[static_cast<size_t>(i) % kFirstNames.size()]) + std::to_string(i);
        const std::string email = username + "@demo.guildhall.dev";
        auto existing = tx.scalar_i64("SELECT id FROM users WHERE username_lower = $1", {username});
        if (existing) {
          user_ids.push_back(*existing);
          continue;
        }
        auto id = tx.scalar_i64(
            "INSERT INTO users (email, email_lower, username, username_lower, display_name, password_hash, "
            "created_at) VALUES ($1, $1, $2, $2, $3, $4, $5) RETURNING id",
            {email, username, username, password_hash, now - 400LL * 86'400'000 + i * 1000LL});
        user_ids.push_back(*id);
        ++counts.users;
      }
    });
    progress(options, "users", std::min(options.users, start + user_batch), options.users);
  }
  if (user_ids.empty()) {
    return counts;
  }

  struct Made {
    int64_t id;
    std::vector<int64_t> members;
  };
  std::vector<Made> communities;
  db.write([&](db::Tx& tx) {
    for (int i = 0; i < options.communities; ++i) {
      const auto& seed = kCommunities[static_cast<size_t>(i) % kCommunities.size()];
      const std::string slug =
          i < static_cast<int>(kCommunities.size()) ? seed.slug : std::string(seed.slug) + "-" + std::to_string(i);
      if (tx.one("SELECT 1 FROM communities WHERE slug = $1", {slug})) {
        continue;
      }
      const int64_t owner = user_ids[static_cast<size_t>(i) % user_ids.size()];
      // Each demo community keeps its own currency so the directory shows several.
      const std::string currency = seed.currency;
      const std::string rules =
          "1. Be kind; critique code, not people.\n2. 禁止广告与引流。\n3. Share sources for benchmarks.";
      auto id = tx.scalar_i64(
          "INSERT INTO communities (slug, name, description, rules_md, rules_html, currency, is_public, owner_id, "
          "member_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, 0, $8, $8) RETURNING id",
          {slug, seed.name, seed.description, rules, render::markdown_to_html(rules), currency, owner,
           now - (300LL - i % 300) * 86'400'000});
      Made made{*id, {owner}};
      tx.exec("INSERT INTO members (community_id, user_id, role, joined_at) VALUES ($1, $2, 'owner', $3)",
              {*id, owner, now - 300LL * 86'400'000});
      // Members: a varying share of users, so the directory has a spread to sort by.
      const size_t wanted = std::max<size_t>(3, user_ids.size() / (2 + static_cast<size_t>(i) % 7));
      for (size_t k = 0; k < wanted; ++k) {
        const int64_t user = user_ids[(static_cast<size_t>(i) * 7919 + k) % user_ids.size()];
        if (user == owner) {
          continue;
        }
        const char* role = k % 50 == 1 ? "creator" : k % 97 == 2 ? "moderator" : "member";
        auto inserted = tx.exec(
            "INSERT INTO members (community_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING",
            {*id, user, role, now - static_cast<Millis>(rng() % (200 * 86'400)) * 1000});
        if (inserted.affected == 1) {
          made.members.push_back(user);
        }
      }
      tx.exec("UPDATE communities SET member_count = $1 WHERE id = $2",
              {static_cast<int64_t>(made.members.size()), *id});
      communities.push_back(std::move(made));
      ++counts.communities;
    }
  });
  progress(options, "communities", counts.communities, counts.communities);
  if (communities.empty()) {
    return counts;
  }

  const int post_batch = 5000;
  for (int start = 0; start < options.posts; start += post_batch) {
    db.write([&](db::Tx& tx) {
      for (int i = start; i < std::min(options.posts, start + post_batch); ++i) {
        const auto& community = communities[static_cast<size_t>(i) % communities.size()];
        const size_t seed_index = rng() % kPosts.size();
        const auto& seed = kPosts[seed_index];
        const int64_t author = community.members[rng() % community.members.size()];
        const Millis at = now - static_cast<Millis>(rng() % (180LL * 86'400)) * 1000;
        const int64_t upvotes = static_cast<int64_t>(rng() % 60);
        const bool essence = rng() % 23 == 0;
        const std::string title =
            std::string(seed.title) +
            (i >= static_cast<int>(kPosts.size()) * 2 ? " (" + std::to_string(i / 12 + 1) + ")" : "");
        auto id = tx.scalar_i64(
            "INSERT INTO posts (community_id, author_id, kind, title, body_md, body_html, excerpt, status, "
            "publish_at, essence, pinned, upvotes, comment_count, view_count, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', $8, $9, $10, $11, 0, $12, $8, $8) RETURNING id",
            {community.id, author, seed.kind, title, seed.body, rendered[seed_index].first, rendered[seed_index].second,
             at, essence, i < static_cast<int>(communities.size()), upvotes, static_cast<int64_t>(rng() % 2000)});
        for (const auto& tag : text::split(seed.tags, ',')) {
          tx.exec("INSERT INTO post_tags (post_id, community_id, tag) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                  {*id, community.id, tag});
        }
        // A few comments on one post in four.
        if (rng() % 4 == 0) {
          const int n = 1 + static_cast<int>(rng() % 3);
          for (int c = 0; c < n; ++c) {
            const size_t which = rng() % kComments.size();
            const int64_t commenter = community.members[rng() % community.members.size()];
            tx.exec(
                "INSERT INTO comments (post_id, author_id, body_md, body_html, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $5)",
                {*id, commenter, kComments[which], comment_html[which], at + (c + 1) * 600'000LL});
            ++counts.comments;
          }
          tx.exec("UPDATE posts SET comment_count = $1 WHERE id = $2", {n, *id});
        }
        ++counts.posts;
      }
    });
    progress(options, "posts", std::min(options.posts, start + post_batch), options.posts);
  }
  return counts;
}

}  // namespace gh::app
