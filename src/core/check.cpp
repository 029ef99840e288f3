#include "core/check.hpp"

#include <cstdio>
#include <cstdlib>

namespace gh::detail {

void check_failed(const char* condition, const char* why, const char* file, int line) {
  std::fprintf(stderr, "GH_CHECK failed at %s:%d: %s (%s)\n", file, line, condition, why);
  std::abort();
}

}  // namespace gh::detail
