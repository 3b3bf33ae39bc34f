#include "adapters/device/ascend/cann_version.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/common/stack_version.h"
#include "adapters/common/tool_runner.h"
#include "manychip/codec/json.h"
#include "manychip/status.h"

namespace manychip::ascend {
namespace {

// NotFound passes through (file absent); anything else names the file.
absl::StatusOr<std::string> VersionFile(const std::string& path) {
  auto text = codec::ReadFile(path);
  if (!text.ok()) return text.status();
  return InstallInfoVersion(*text, path);
}

// `dir`'s subdirectories named "*-linux", in name order.
std::vector<std::string> ArchDirs(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (absl::EndsWith(name, "-linux") && it->is_directory(ec)) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

absl::StatusOr<std::string> InstallInfoVersion(absl::string_view text, absl::string_view what) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(line.substr(0, eq)), "version")) {
      continue;
    }
    const std::string v(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    if (v.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty version"));
    // Compared with itself only to validate its shape.
    if (auto c = stack::CompareAscendVersions(v, v); !c.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": ", c.status().message()));
    }
    return v;
  }
  return absl::InvalidArgumentError(absl::StrCat(what, ": no version= line"));
}

absl::Status AddInstalledStacks(const DiscoverOptions& options,
                                std::map<std::string, std::string>& software) {
  for (const char* base : {"/usr/local/Ascend/ascend-toolkit/latest", "/usr/local/Ascend/cann"}) {
    bool found = false;
    for (const std::string& arch_dir : ArchDirs(HostPath(options, base))) {
      auto v = VersionFile(arch_dir + "/ascend_toolkit_install.info");
      if (absl::IsNotFound(v.status())) continue;
      if (!v.ok()) return v.status();
      software["cann"] = *v;
      found = true;
      break;
    }
    if (found) break;
  }
  if (!software.contains("ascend-driver")) {
    auto v = VersionFile(HostPath(options, "/usr/local/Ascend/driver/version.info"));
    if (v.ok()) {
      software["ascend-driver"] = *v;
    } else if (!absl::IsNotFound(v.status())) {
      return v.status();
    }
  }
  return absl::OkStatus();
}

}  // namespace manychip::ascend
