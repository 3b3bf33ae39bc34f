#include "manychip/core/arch.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace manychip {

absl::StatusOr<Arch> ParseArch(absl::string_view name) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  // Strip an OCI os prefix ("linux/arm64/v8") and keep the arch and variant.
  if (absl::StartsWith(s, "linux/")) s = s.substr(6);
  std::string variant;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    variant = s.substr(slash + 1);
    s = s.substr(0, slash);
  }
  if (s == "x86_64" || s == "amd64" || s == "x86-64" || s == "x64") {
    if (!variant.empty() && variant != "v1" && variant != "v2" && variant != "v3" &&
        variant != "v4") {
      return absl::InvalidArgumentError(absl::StrCat("unknown amd64 variant \"", variant, "\""));
    }
    return Arch::kX86_64;
  }
  if (s == "aarch64" || s == "arm64" || s == "armv8" || s == "arm64v8") {
    if (!variant.empty() && variant != "v8" && variant != "v9") {
      return absl::InvalidArgumentError(absl::StrCat("unknown arm64 variant \"", variant, "\""));
    }
    return Arch::kAarch64;
  }
  if (s == "riscv64" || s == "riscv64gc" || s == "rv64gc" || s == "rv64") {
    return Arch::kRiscv64;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown architecture \"", name, "\" (want x86_64, aarch64 or riscv64)"));
}

absl::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kX86_64:
      return "x86_64";
    case Arch::kAarch64:
      return "aarch64";
    case Arch::kRiscv64:
      return "riscv64";
  }
  return "unknown";
}

absl::string_view ArchOciName(Arch arch) {
  switch (arch) {
    case Arch::kX86_64:
      return "amd64";
    case Arch::kAarch64:
      return "arm64";
    case Arch::kRiscv64:
      return "riscv64";
  }
  return "unknown";
}

}  // namespace manychip
