// Demo data: realistic communities, members, posts (Chinese and English, with code), comments
// and upvotes, written in large transactions so that 100k posts take seconds.
#pragma once

#include <functional>

#include "community/community.hpp"
#include "content/content.hpp"
#include "identity/identity.hpp"

namespace gh::app {

struct DemoOptions {
  int communities = 12;
  int users = 200;
  int posts = 2000;
  bool progress = true;  // A progress bar on stderr.
  unsigned seed = 42;
};

struct DemoCounts {
  int communities = 0;
  int users = 0;
  int posts = 0;
  int comments = 0;
};

DemoCounts write_demo_data(db::Database& db, identity::Identity& identity, const Clock& clock,
                           const DemoOptions& options);

}  // namespace gh::app
