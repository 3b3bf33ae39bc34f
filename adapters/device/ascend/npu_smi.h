#pragma once

// Parser for `npu-smi info` (Huawei Ascend): the boxed table of NPUs, each an
// NPU row (id, name, health) followed by one chip row per chip (chip id
// [device id], bus id, memory usage). The process table after it is ignored.
// Truncated, garbled or empty output is InvalidArgument naming the line.
//
//   MC_ASSIGN_OR_RETURN(NpuSmiInfo info, ParseNpuSmiInfo(text));
//
// Thread-safety: pure function.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace manychip::ascend {

struct NpuChip {
  int32_t npu_id = 0;            // card id as npu-smi numbers it
  int32_t chip_id = 0;           // chip within the card
  int32_t device_id = -1;        // chip's device (physical) id when the row gives one
  std::string name;              // "910B3", "310P3"
  std::string health;            // "OK", "Warning", "Alarm", "Critical", ...
  std::string bus_id;            // lower-case "0000:c1:00.0"
  int64_t memory_total_mib = 0;  // HBM total when present, else DDR total
};

struct NpuSmiInfo {
  std::string version;         // driver version from the title row
  std::vector<NpuChip> chips;  // output order
};

absl::StatusOr<NpuSmiInfo> ParseNpuSmiInfo(absl::string_view text);

}  // namespace manychip::ascend
