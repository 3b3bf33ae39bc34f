#pragma once

// HostAdapterBase: the parts every arch shares: OCI platform matching and
// the vendor-stack table (docs/design/vendors.md §4). Subclasses read their CPU.
//
// Thread-safety: immutable; all methods const.

#include <string>
#include <vector>

#include "manychip/adapters/host_adapter.h"

namespace manychip {

class HostAdapterBase : public HostAdapter {
 public:
  // `stacks`: vendor keys whose device software ships for this arch.
  HostAdapterBase(Arch arch, std::vector<std::string> stacks)
      : arch_(arch), stacks_(std::move(stacks)) {}

  Arch arch() const override { return arch_; }
  // "linux/arm64/v8", "arm64", "amd64", "linux/riscv64": the arch (aliases
  // normalized) must be this one; an os other than linux never matches;
  // arch variants (amd64 v2..v4, arm64 v8/v9) match the arch: CPU-feature
  // needs are expressed as cpu_features, not variants.
  bool MatchesPlatform(absl::string_view oci_platform) const override;
  // "fake" (simulated devices) runs on every arch.
  bool SupportsVendorStack(absl::string_view vendor) const override;

 private:
  Arch arch_;
  std::vector<std::string> stacks_;
};

// The running host's arch from uname(2).
absl::StatusOr<Arch> RunningArch();

}  // namespace manychip
