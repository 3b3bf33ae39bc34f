#pragma once

// Parsers for Baidu KunlunXin's `xpu-smi` output: the per-device detail view
// (`xpu-smi -q`) and the default summary table (`xpu-smi`, also installed as
// `xpu_smi`). Both carry the stack versions a Kunlun host reports: the
// kernel driver ("Driver Version") and the XPU runtime, XRE ("XPU-RT
// Version"; Kunlun2-era tools print "Runtime Version").
//
// Shapes, from public samples (sources in tests/testdata/adapters/README.md):
//  - `xpu-smi -q`: nvidia-smi -q style. A header with "Driver Version : ...",
//    "XPU-RT Version : ...", "Attached XPUs : N", then one block per XPU
//    opened by "XPU <bus id>" with indented "Key : Value" lines and nested
//    sections ("PCI" / "Bus Id", "Memory Usage" / "Total : 98304 MiB",
//    "Minor Number", "XPU UUID", "Product Name").
//  - `xpu-smi`: nvidia-smi style boxes. A banner "Driver Version: 5.0.21.26
//    XPU-RT Version: 5.0.21", then per XPU a row "| 0  P800 OAM  N/A |
//    00000000:52:00.0 N/A | ... |" followed by "| ... | 0MiB / 98304MiB |".
//    The Kunlun2 `xpu_smi` prints "Runtime Version: 4.31", "Driver Version:
//    4.0" and a DEVICES table "| DevID | PCI Addr | Model | SN | INODE |
//    UseRate | L3 | Memory |" with memory as "0 / 32768 MB"; both are read.
// Truncated, garbled or empty output is InvalidArgument naming the line and
// the reason, never a partial inventory.
//
//   MC_ASSIGN_OR_RETURN(kunlun::XpuSmiReport r, kunlun::ParseXpuSmiQuery(out));
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace manychip::kunlun {

struct XpuSmiDevice {
  int32_t index = 0;       // XPU index as the tool numbers it (0..n-1)
  std::string name;        // "P800 OAM", "P800 PCIe", "R300"
  std::string pci_bus_id;  // lower-case, 4-digit domain ("0000:52:00.0")
  std::string uuid;        // `-q` only; "" when not printed
  int32_t minor = -1;      // `-q` "Minor Number" (/dev/xpuN); -1 when not printed
  int64_t memory_mib = 0;  // device memory total
};

struct XpuSmiReport {
  std::string driver_version;         // "5.0.21.26"; "" when not printed
  std::string runtime_version;        // XRE: "5.0.21"; "" when not printed
  std::vector<XpuSmiDevice> devices;  // by index
};

// `xpu-smi -q`. Each XPU block needs a bus id, a product name and a memory
// total in MiB; "Attached XPUs" (when printed) must match the blocks found.
absl::StatusOr<XpuSmiReport> ParseXpuSmiQuery(absl::string_view text);

// `xpu-smi` / `xpu_smi` (P800-era boxes or the Kunlun2 DEVICES table).
// Device indexes must be unique and 0..n-1.
absl::StatusOr<XpuSmiReport> ParseXpuSmiTable(absl::string_view text);

// "00000000:52:00.0" or "0000:52:00.0" to "0000:52:00.0"; "" if not a bus id.
std::string NormalizeBusId(absl::string_view text);

}  // namespace manychip::kunlun
