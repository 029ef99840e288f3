// Files compiled into the binary by tools/embed.cpp: migrations, templates, static files and
// locales. The tables are immutable and safe to read from any thread.
#pragma once

#include <span>
#include <string_view>

namespace gh::embedded {

struct File {
  std::string_view name;  // Path relative to its folder, with '/' separators.
  std::string_view bytes;
};

// Each is defined in a generated source of the target that embeds the folder.
std::span<const File> migrations();
std::span<const File> templates();
std::span<const File> static_files();
std::span<const File> locales();

}  // namespace gh::embedded
