// GH_CHECK(cond, why): aborts with a message in every build when an invariant breaks.
// Never for user input: that is an Error value.
#pragma once

namespace gh::detail {
[[noreturn]] void check_failed(const char* condition, const char* why, const char* file, int line);
}  // namespace gh::detail

#define GH_CHECK(cond, why)                                         \
  do {                                                              \
    if (!(cond)) {                                                  \
      ::gh::detail::check_failed(#cond, (why), __FILE__, __LINE__); \
    }                                                               \
  } while (false)
