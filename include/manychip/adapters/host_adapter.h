#pragma once

// HostAdapter: one CPU architecture. Detects the running host's CPU and
// features, matches OCI image platforms, and says which vendor software stacks
// exist for the arch (no accelerator stack ships for riscv64 today, so a
// riscv64 host serves CPU-only tasks).
//
// Thread-safety: all methods const and safe to call concurrently.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/arch.h"

namespace manychip {

struct HostInfo {
  Arch arch = Arch::kX86_64;
  std::string cpu_model;                  // e.g. "Kunpeng 920", "Intel Xeon ..."
  std::vector<std::string> cpu_features;  // normalized lower-case, sorted
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
};

struct HostProbeOptions {
  std::string proc_root = "/proc";  // tests point this at a fixture tree
  // Arch whose adapter probes; empty = the running host's (uname). Tests set
  // it with a fixture proc tree of another arch.
  std::string arch;
};

class HostAdapter {
 public:
  virtual ~HostAdapter() = default;

  virtual Arch arch() const = 0;

  // Reads the running host (cpuinfo, meminfo, cpuid where applicable).
  virtual absl::StatusOr<HostInfo> Probe(const HostProbeOptions& options) const = 0;

  // True if an OCI platform string ("linux/arm64/v8", "amd64") runs here.
  virtual bool MatchesPlatform(absl::string_view oci_platform) const = 0;

  // Whether the vendor's device software stack ships for this arch
  // ("nvidia", "ascend", "kunlun", ...). Unknown vendors: false on riscv64.
  virtual bool SupportsVendorStack(absl::string_view vendor) const = 0;
};

}  // namespace manychip
