#pragma once

// Host CPU architectures manychip schedules onto, with the alias rules that
// every layer shares (x86_64 = amd64, aarch64 = arm64 = arm64/v8).
//
//   MC_ASSIGN_OR_RETURN(Arch a, ParseArch("amd64"));   // Arch::kX86_64
//   ArchName(a);                                        // "x86_64"

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace manychip {

enum class Arch : uint8_t { kX86_64 = 0, kAarch64 = 1, kRiscv64 = 2 };
inline constexpr int kArchCount = 3;

// Accepts canonical names and aliases, case-insensitively: x86_64, amd64,
// x86-64, x64; aarch64, arm64, arm64/v8, armv8; riscv64, riscv64gc. An OCI
// "linux/<arch>[/<variant>]" platform string is accepted too.
absl::StatusOr<Arch> ParseArch(absl::string_view name);

// Canonical name: "x86_64", "aarch64" or "riscv64".
absl::string_view ArchName(Arch arch);

// OCI/Go GOARCH name: "amd64", "arm64" or "riscv64".
absl::string_view ArchOciName(Arch arch);

}  // namespace manychip
