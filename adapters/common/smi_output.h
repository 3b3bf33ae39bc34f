#pragma once

// Parsers for nvidia-smi-style tool output that several vendors share:
//  - `--query-gpu=index,uuid,name,memory.total,pci.bus_id --format=csv`
//    (ppu-smi, mthreads-gmi, nvidia-smi itself);
//  - `topo -m` link matrices (nvidia-smi, ppu-smi, xpu-smi).
// Truncated, garbled or empty output is InvalidArgument naming the line and
// the reason, never a partial inventory.
//
//   MC_ASSIGN_OR_RETURN(std::vector<SmiGpu> gpus, ParseQueryGpuCsv(out, "ppu-smi"));
//   MC_ASSIGN_OR_RETURN(TopoMatrix topo, ParseTopoMatrix(out, "PPU", "ppu-smi topo -m"));
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "manychip/core/node.h"

namespace manychip {

struct SmiGpu {
  int32_t index = 0;
  std::string uuid;
  std::string name;
  int64_t memory_mib = 0;
  std::string pci_bus_id;      // lower-case, 4-digit domain ("0000:1a:00.0")
  std::string driver_version;  // optional column driver_version ("550.54.15")
};

// Columns index, uuid, name and memory.total are required, pci.bus_id and
// driver_version are optional; any order; with or without units/header units ("[MiB]", "MiB").
// Indexes must be unique and 0..n-1.
absl::StatusOr<std::vector<SmiGpu>> ParseQueryGpuCsv(absl::string_view text,
                                                     absl::string_view what);

struct TopoMatrix {
  int32_t size = 0;
  // links[i][j]: class between devices i and j (i != j).
  std::vector<std::vector<DeviceLinkSpec>> links;
  std::vector<int32_t> numa;  // per device; -1 when the tool gives none
};

// `device_prefix` names the row/column labels ("GPU", "PPU", "XPU", "NPU").
// Link codes: X (self), PIX, PXB, PHB, NODE (or SOC), SYS, NA (unknown), and
// <LETTERS><n> for a high-speed link with n lanes (NV12, XL4, ...), or one of
// `high_speed_words` for a high-speed link whose lane count the tool does not
// print (npu-smi's "HCCS"). The matrix must be square, cover devices 0..n-1
// and be symmetric.
absl::StatusOr<TopoMatrix> ParseTopoMatrix(
    absl::string_view text, absl::string_view device_prefix, absl::string_view what,
    absl::Span<const absl::string_view> high_speed_words = {});

// Fills DeviceSpec::links (and numa_node when known) from a matrix whose size
// equals devices.size().
absl::Status ApplyTopo(const TopoMatrix& topo, std::vector<DeviceSpec>& devices,
                       absl::string_view what);

// True if every pair of the devices has a high-speed link (NVLink all-to-all
// through NVSwitch, a full HCCS mesh, ...).
bool AllPairsHighSpeed(const std::vector<DeviceSpec>& devices);

}  // namespace manychip
