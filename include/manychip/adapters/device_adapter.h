#pragma once

// DeviceAdapter: everything manychip knows about one device vendor.
//
// The interface lives with the core (the scheduler's device-topology plugin
// calls Choose on its hot path); implementations live in adapters/ and are
// registered explicitly with RegisterBuiltinAdapters (adapters/builtin.h) or
// loaded from a shared object through the C ABI (c_api/manychip_adapter.h).
//
// Thread-safety: Choose, Visibility, CompareStackVersions and Partitions are
// const and must be safe to call concurrently. Discover may touch the host
// (dlopen, exec a CLI, read sysfs) and is called from the agent only.
//
//   const DeviceAdapter* nv = registry.FindDevice("nvidia");
//   ChooseRequest request;
//   request.cards = 4;
//   ChooseResult r = nv->Choose(node, free, request);
//   if (r.ok) { ... r.devices ... } else { explain(r.reason, r.detail); }

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"
#include "manychip/resources.h"

namespace manychip {

// What a task asks of one node's devices.
struct ChooseRequest {
  // Whole cards wanted; 1 for a fractional share.
  int32_t cards = 1;
  // Share of each chosen card: 1000 for whole cards, < 1000 for a fraction.
  MilliDevices share = MilliDevices::FromRaw(kMilliPerDevice);
  // Minimum memory per device (0 = any).
  MiB min_device_memory;
};

// Why Choose found no legal set; stable codes, so explain can count them.
// The numbers are the C ABI's MC_CHOOSE_FAILURE_* and adapter.proto's
// AdapterChooseFailure (checked at compile time): never renumber them.
enum class ChooseFailure : uint8_t {
  kNone = 0,
  kInsufficientDevices = 1,  // fewer free (healthy) devices than asked
  kIllegalCount = 2,         // the board never hands out this many together
  kNoLegalGroup = 3,         // enough free devices, but no legal connected set
  kInsufficientMemory = 4,   // no device has the memory asked for
  kUnsupported = 5,          // e.g. fractional shares on a vendor without sharing
};

struct ChooseResult {
  bool ok = false;
  std::vector<int32_t> devices;  // device indexes on the node, ascending
  // 0..100: how well-connected and how fragmentation-friendly the set is;
  // higher is better. Used as a tie-breaking score by the topology plugin.
  int32_t score = 0;
  ChooseFailure failure = ChooseFailure::kNone;
  std::string detail;  // short, e.g. "HCCS: no 4-card ring free"
};

// How a process is made to see its devices, like a kubelet device plugin's
// ContainerAllocateResponse: env for the process runtime and the container
// runtime, plus device nodes and mounts.
//
// `env` is for a process the agent starts directly on the host: the process
// selector carries host ids (e.g. ASCEND_RT_VISIBLE_DEVICES=4,5) next to the
// container-runtime selector. `container_env` is for a launch through a
// container runtime: the runtime selector with physical ids, and the process
// selector renumbered as the container sees it (0..k-1).
struct Visibility {
  std::map<std::string, std::string> env;  // e.g. CUDA_VISIBLE_DEVICES=0,1
  std::map<std::string, std::string> container_env;
  std::vector<std::string> device_nodes;  // e.g. /dev/nvidia0, /dev/nvidiactl
  std::vector<std::string> mounts;        // host paths the runtime must mount
};

// Discovery input: where to look (overridable so tests use fixture trees).
struct DiscoverOptions {
  std::string sysfs_root = "/sys";
  std::string dev_root = "/dev";
  // Directory of recorded tool output to read instead of running the tool
  // (tests, dry runs of a recorded host); empty = run the real tool. File
  // names follow RecordedToolName (adapters/common/tool_runner.h), e.g.
  // `npu-smi_info.txt`, `ppu-smi_query-gpu.csv`, `xpu-smi_topo_m.txt`. A
  // recorded host describes a machine without live vendor libraries, so NVML
  // and DCMI are not loaded while this is set.
  std::string tool_output_dir;
  // Root under which vendor install files are read (CANN's
  // /usr/local/Ascend/..., Kunlun's XRE version file); "/" on a live host.
  std::string host_root = "/";
  // Vendor management libraries loaded with dlopen; empty = do not load.
  // Tests point these at fake libraries built in the test tree.
  std::string nvml_library = "libnvidia-ml.so.1";
  std::string dcmi_library = "libdcmi.so";
};

// What a device adapter found on this host.
struct DiscoveredDevices {
  std::vector<DeviceSpec> devices;
  std::map<std::string, std::string> software;  // e.g. "nvidia-driver" -> "550.54.15"
  std::string board;
  // Accelerators of this vendor that map to no catalog model: reported in
  // the inventory as not schedulable, never guessed into a model.
  std::vector<UnrecognizedDeviceSpec> unrecognized = {};
};

class DeviceAdapter {
 public:
  virtual ~DeviceAdapter() = default;

  // Vendor key, e.g. "nvidia", "ascend", "kunlun", "ppu", "generic".
  virtual absl::string_view vendor() const = 0;

  // Agent side: finds this vendor's devices. No devices (no driver, no card)
  // is an empty result, not an error; broken tool output is an error.
  virtual absl::StatusOr<DiscoveredDevices> Discover(const Catalog& catalog,
                                                     const DiscoverOptions& options) const = 0;

  // Scheduler side: a legal, best-connected device set on `node` for
  // `request`. `free` holds each device's free milli-devices (index-aligned
  // with node.devices; unhealthy devices have 0). Never fails with a Status:
  // "does not fit" is a ChooseResult with ok = false and a reason.
  virtual ChooseResult Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                              const ChooseRequest& request) const = 0;

  // The env, device nodes and mounts that make a process see `devices`.
  virtual Visibility VisibilityFor(const NodeSpec& node,
                                   absl::Span<const int32_t> devices) const = 0;

  // Compares two versions of one of this vendor's stacks ("cuda", "cann",
  // "nvidia-driver", ...): <0, 0, >0. InvalidArgument if either is malformed.
  virtual absl::StatusOr<int> CompareStackVersions(absl::string_view stack, absl::string_view a,
                                                   absl::string_view b) const = 0;

  // Checks that a node's software satisfies a required stack (e.g. CUDA 12.4
  // needs driver >= 525). Returns ok, or FailedPrecondition with the reason.
  virtual absl::Status CheckStack(const NodeSpec& node, absl::string_view stack,
                                  absl::string_view min_version) const = 0;

  // Hardware partition profiles (MIG, vNPU templates, vXPU tiers) of one of
  // this vendor's models: the catalog's list when it has one, else the
  // adapter's built-in table for the model (empty if none is known).
  virtual std::vector<PartitionProfileSpec> PartitionProfiles(const DeviceModelSpec& model) const {
    return model.partitions;
  }
};

}  // namespace manychip
