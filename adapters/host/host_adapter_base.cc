#include "adapters/host/host_adapter_base.h"

#include <sys/utsname.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace manychip {

bool HostAdapterBase::MatchesPlatform(absl::string_view oci_platform) const {
  std::string p = absl::AsciiStrToLower(absl::StripAsciiWhitespace(oci_platform));
  std::vector<std::string> parts = absl::StrSplit(p, '/');
  if (parts.size() >= 2 && parts.size() <= 3 &&
      (parts[0] == "linux" || parts[0] == "windows" || parts[0] == "darwin" ||
       parts[0] == "freebsd")) {
    if (parts[0] != "linux") return false;
  }
  auto arch = ParseArch(p);
  return arch.ok() && *arch == arch_;
}

bool HostAdapterBase::SupportsVendorStack(absl::string_view vendor) const {
  if (vendor == "fake") return true;
  return std::find(stacks_.begin(), stacks_.end(), vendor) != stacks_.end();
}

absl::StatusOr<Arch> RunningArch() {
  utsname u{};
  if (uname(&u) != 0) return absl::UnavailableError("uname failed");
  return ParseArch(u.machine);
}

}  // namespace manychip
