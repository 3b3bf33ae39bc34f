#pragma once

// NVIDIA GPUs from nvidia-smi output, for hosts recorded without a live
// driver (DiscoverOptions::tool_output_dir): the same NvmlSnapshot the NVML
// path fills, so one mapping (NvmlToInventory) serves both.
//
// Inputs (file names per RecordedToolName):
//   nvidia-smi --query-gpu=index,uuid,name,memory.total,pci.bus_id,driver_version
//       --format=csv                       -> nvidia-smi_query-gpu.csv (required)
//   nvidia-smi topo -m                     -> nvidia-smi_topo_m.txt (optional: links)
//   nvidia-smi                             -> nvidia-smi.txt (optional: "CUDA Version")
//
//   MC_ASSIGN_OR_RETURN(NvmlSnapshot s, SnapshotFromNvidiaSmi(csv, topo, header));
//
// Thread-safety: pure function.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapters/device/nvidia/nvml_inventory.h"

namespace manychip::nvidia {

// `topo` and `header` may be empty (not recorded). Without a topology every
// pair is left at NvmlTopoLevel::kSystem; callers drop the links then
// (unknown is not "cross-CPU"). Malformed input is InvalidArgument naming
// the tool and line.
absl::StatusOr<NvmlSnapshot> SnapshotFromNvidiaSmi(absl::string_view query_csv,
                                                   absl::string_view topo,
                                                   absl::string_view header);

// "CUDA Version: 12.4" in nvidia-smi's banner -> 12040; 0 if absent.
// InvalidArgument if present but not MAJOR.MINOR.
absl::StatusOr<int32_t> CudaVersionFromBanner(absl::string_view header);

}  // namespace manychip::nvidia
