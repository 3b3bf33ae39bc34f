#include "adapters/common/stack_version.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace manychip::stack {
namespace {

absl::Status Malformed(absl::string_view v, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("version \"", v, "\": ", why));
}

bool ParseNumber(absl::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 12) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(s, out);
}

absl::StatusOr<std::vector<int64_t>> ParseDotted(absl::string_view v) {
  absl::string_view s = absl::StripAsciiWhitespace(v);
  if (absl::StartsWith(s, "v") || absl::StartsWith(s, "V")) s.remove_prefix(1);
  if (size_t cut = s.find_first_of("+-"); cut != absl::string_view::npos) s = s.substr(0, cut);
  if (s.empty()) return Malformed(v, "empty");
  std::vector<int64_t> parts;
  for (absl::string_view p : absl::StrSplit(s, '.')) {
    int64_t n;
    if (!ParseNumber(p, &n))
      return Malformed(v, absl::StrCat("component \"", p, "\" is not a number"));
    parts.push_back(n);
  }
  return parts;
}

int CompareKeys(std::vector<int64_t> a, std::vector<int64_t> b) {
  const size_t n = std::max(a.size(), b.size());
  a.resize(n, 0);
  b.resize(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

// Key: major, minor, tier (0 = RC, 1 = release), number, sub-tier (0 alpha,
// 1 beta, 2 none, 3 numeric), sub-number.
absl::StatusOr<std::vector<int64_t>> ParseAscend(absl::string_view v) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
  std::vector<std::string> parts = absl::StrSplit(s, '.');
  if (parts.size() < 2 || parts.size() > 4) {
    return Malformed(v, "want MAJOR.MINOR[.RCn|.PATCH][.alphaN|.betaN|.N]");
  }
  std::vector<int64_t> key(6, 0);
  if (!ParseNumber(parts[0], &key[0]) || !ParseNumber(parts[1], &key[1])) {
    return Malformed(v, "major and minor must be numbers");
  }
  key[2] = 1;
  key[4] = 2;
  if (parts.size() >= 3) {
    absl::string_view p = parts[2];
    if (absl::ConsumePrefix(&p, "rc")) {
      key[2] = 0;
      if (!ParseNumber(p, &key[3])) return Malformed(v, "RC needs a number, e.g. RC2");
    } else if (!ParseNumber(p, &key[3])) {
      return Malformed(
          v, absl::StrCat("third component \"", parts[2], "\" is neither RCn nor a number"));
    }
  }
  if (parts.size() == 4) {
    absl::string_view p = parts[3];
    if (absl::ConsumePrefix(&p, "alpha")) {
      key[4] = 0;
    } else if (absl::ConsumePrefix(&p, "beta")) {
      key[4] = 1;
    } else {
      key[4] = 3;
    }
    if (!ParseNumber(p, &key[5])) {
      return Malformed(
          v, absl::StrCat("fourth component \"", parts[3], "\" is not alphaN, betaN or N"));
    }
  }
  return key;
}

}  // namespace

absl::StatusOr<int> CompareDottedVersions(absl::string_view a, absl::string_view b) {
  auto ka = ParseDotted(a);
  if (!ka.ok()) return ka.status();
  auto kb = ParseDotted(b);
  if (!kb.ok()) return kb.status();
  return CompareKeys(*std::move(ka), *std::move(kb));
}

absl::StatusOr<int> CompareAscendVersions(absl::string_view a, absl::string_view b) {
  auto ka = ParseAscend(a);
  if (!ka.ok()) return ka.status();
  auto kb = ParseAscend(b);
  if (!kb.ok()) return kb.status();
  return CompareKeys(*std::move(ka), *std::move(kb));
}

absl::Status CheckMinVersion(const NodeSpec& node, absl::string_view stack,
                             absl::string_view min_version, const VersionComparator& compare) {
  // Validate the requirement first: a malformed requirement is the caller's
  // error whatever the node has.
  if (auto self = compare(min_version, min_version); !self.ok()) return self.status();
  auto it = node.software.find(std::string(stack));
  if (it == node.software.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", node.name, " has no ", stack, " (need >= ", min_version, ")"));
  }
  auto c = compare(it->second, min_version);
  if (!c.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", node.name, " reports ", stack, " ", c.status().message()));
  }
  if (*c < 0) {
    return absl::FailedPreconditionError(absl::StrCat("node ", node.name, " has ", stack, " ",
                                                      it->second, ", need >= ", min_version));
  }
  return absl::OkStatus();
}

}  // namespace manychip::stack
