#pragma once

// /proc/cpuinfo and /proc/meminfo as the host adapters read them, under a
// configurable proc root so fixture trees of any arch are testable anywhere.
//
// Thread-safety: pure functions over files.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace manychip::host {

// One "key : value" map per processor block, in file order.
using CpuinfoBlock = std::map<std::string, std::string>;
absl::StatusOr<std::vector<CpuinfoBlock>> ReadCpuinfo(const std::string& proc_root);

// Logical CPUs: blocks with a "processor" key. InvalidArgument if none.
absl::StatusOr<int64_t> CountProcessors(const std::vector<CpuinfoBlock>& blocks,
                                        const std::string& proc_root);

// MemTotal in MiB. InvalidArgument if missing or malformed.
absl::StatusOr<int64_t> ReadMemTotalMiB(const std::string& proc_root);

// The first value of `key` in any block, or "".
std::string FirstValue(const std::vector<CpuinfoBlock>& blocks, absl::string_view key);

}  // namespace manychip::host
