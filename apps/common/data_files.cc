#include "apps/common/data_files.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#ifndef MANYCHIP_INSTALL_DATADIR
#error "MANYCHIP_INSTALL_DATADIR must name the installed data dir (set by CMake)"
#endif

namespace manychip {
namespace {

namespace fs = std::filesystem;

// The directory holding the running executable; empty when /proc is missing.
fs::path ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path();
}

bool IsDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// Every dir DataDirs() considers, existing or not, canonical where it can be.
std::vector<std::string> CandidateDirs() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("MANYCHIP_DATA_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  if (fs::path exe_dir = ExecutableDir(); !exe_dir.empty()) {
    candidates.push_back(exe_dir.parent_path() / "share" / "manychip");
  }
  candidates.emplace_back(MANYCHIP_INSTALL_DATADIR);
  std::vector<std::string> out;
  for (const fs::path& c : candidates) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(c, ec);
    const std::string s = (ec ? c : canonical).string();
    bool seen = false;
    for (const std::string& o : out) seen = seen || o == s;
    if (!seen) out.push_back(s);
  }
  return out;
}

}  // namespace

std::vector<std::string> DataDirs() {
  std::vector<std::string> out;
  for (std::string& d : CandidateDirs()) {
    if (IsDir(d)) out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<std::string> FindDataFile(absl::string_view relative) {
  const std::vector<std::string> dirs = DataDirs();
  for (const std::string& d : dirs) {
    fs::path p = fs::path(d) / std::string(relative);
    std::error_code ec;
    if (fs::exists(p, ec)) return p.string();
  }
  return absl::NotFoundError(absl::StrCat(
      relative, ": not in any data dir (looked in: ", absl::StrJoin(CandidateDirs(), ", "),
      "; set $MANYCHIP_DATA_DIR or pass the path)"));
}

absl::StatusOr<std::string> FlagOrDataFile(absl::string_view flag_value,
                                           absl::string_view relative) {
  if (!flag_value.empty()) return std::string(flag_value);
  return FindDataFile(relative);
}

}  // namespace manychip
