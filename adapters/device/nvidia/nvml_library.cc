#include "adapters/device/nvidia/nvml_library.h"

#include <dlfcn.h>

#include <cstring>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "manychip/codec/json.h"
#include "manychip/status.h"

namespace manychip::nvidia {
namespace {

// The few NVML C declarations we need, written from the public NVML API
// reference; no NVIDIA header is needed at build time.
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlMemory_t {
  unsigned long long total, free, used;
};
struct nvmlPciInfo_t {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
constexpr int kNvmlSuccess = 0;
constexpr int kP2PCapsIndexNvlink = 2;
constexpr int kP2PStatusOk = 0;

struct Nvml {
  void* lib = nullptr;
  nvmlReturn_t (*Init)() = nullptr;
  nvmlReturn_t (*Shutdown)() = nullptr;
  nvmlReturn_t (*DriverVersion)(char*, unsigned) = nullptr;
  nvmlReturn_t (*CudaDriverVersion)(int*) = nullptr;
  nvmlReturn_t (*Count)(unsigned*) = nullptr;
  nvmlReturn_t (*Handle)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*Uuid)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*Name)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*Memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*Pci)(nvmlDevice_t, nvmlPciInfo_t*) = nullptr;
  nvmlReturn_t (*Cc)(nvmlDevice_t, int*, int*) = nullptr;
  nvmlReturn_t (*Ancestor)(nvmlDevice_t, nvmlDevice_t, int*) = nullptr;
  nvmlReturn_t (*P2P)(nvmlDevice_t, nvmlDevice_t, int, int*) = nullptr;
};

template <typename F>
bool Load(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

absl::Status Check(nvmlReturn_t r, absl::string_view call) {
  if (r == kNvmlSuccess) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("nvml: ", call, " failed with code ", r));
}

int32_t NumaOf(const std::string& sysfs_root, const std::string& bus_id) {
  // NVML's 8-digit domain -> sysfs 4-digit form.
  std::string id = bus_id;
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (id.size() > 8 && id[8] == ':') id = id.substr(4);
  auto text = codec::ReadFile(absl::StrCat(sysfs_root, "/bus/pci/devices/", id, "/numa_node"));
  int32_t numa = -1;
  if (text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &numa)) return numa;
  return -1;
}

}  // namespace

absl::StatusOr<std::optional<NvmlSnapshot>> ReadNvmlSnapshot(const std::string& library,
                                                             const std::string& sysfs_root) {
  Nvml n;
  n.lib = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (n.lib == nullptr) return std::optional<NvmlSnapshot>();
  absl::Cleanup close_lib = [&n] { dlclose(n.lib); };
  const bool ok = Load(n.lib, "nvmlInit_v2", &n.Init) && Load(n.lib, "nvmlShutdown", &n.Shutdown) &&
                  Load(n.lib, "nvmlSystemGetDriverVersion", &n.DriverVersion) &&
                  Load(n.lib, "nvmlSystemGetCudaDriverVersion_v2", &n.CudaDriverVersion) &&
                  Load(n.lib, "nvmlDeviceGetCount_v2", &n.Count) &&
                  Load(n.lib, "nvmlDeviceGetHandleByIndex_v2", &n.Handle) &&
                  Load(n.lib, "nvmlDeviceGetUUID", &n.Uuid) &&
                  Load(n.lib, "nvmlDeviceGetName", &n.Name) &&
                  Load(n.lib, "nvmlDeviceGetMemoryInfo", &n.Memory) &&
                  Load(n.lib, "nvmlDeviceGetPciInfo_v3", &n.Pci) &&
                  Load(n.lib, "nvmlDeviceGetCudaComputeCapability", &n.Cc) &&
                  Load(n.lib, "nvmlDeviceGetTopologyCommonAncestor", &n.Ancestor) &&
                  Load(n.lib, "nvmlDeviceGetP2PStatus", &n.P2P);
  if (!ok)
    return absl::UnavailableError(absl::StrCat("nvml: ", library, " lacks a required symbol"));
  MC_RETURN_IF_ERROR(Check(n.Init(), "nvmlInit_v2"));
  absl::Cleanup shutdown = [&n] { n.Shutdown(); };

  NvmlSnapshot snap;
  char buf[256] = {};
  MC_RETURN_IF_ERROR(Check(n.DriverVersion(buf, sizeof(buf) - 1), "nvmlSystemGetDriverVersion"));
  snap.driver_version = buf;
  MC_RETURN_IF_ERROR(
      Check(n.CudaDriverVersion(&snap.cuda_driver_version), "nvmlSystemGetCudaDriverVersion_v2"));
  unsigned count = 0;
  MC_RETURN_IF_ERROR(Check(n.Count(&count), "nvmlDeviceGetCount_v2"));
  std::vector<nvmlDevice_t> handles(count);
  for (unsigned i = 0; i < count; ++i) {
    NvmlGpu g;
    // A GPU whose handle cannot be read (fallen off the bus) stays in the
    // inventory as unhealthy so indexes keep matching NVML's.
    if (n.Handle(i, &handles[i]) != kNvmlSuccess) {
      handles[i] = nullptr;
      g.healthy = false;
      g.health_reason = "nvml: no device handle";
      snap.gpus.push_back(std::move(g));
      continue;
    }
    std::memset(buf, 0, sizeof(buf));
    MC_RETURN_IF_ERROR(Check(n.Uuid(handles[i], buf, sizeof(buf) - 1), "nvmlDeviceGetUUID"));
    g.uuid = buf;
    std::memset(buf, 0, sizeof(buf));
    MC_RETURN_IF_ERROR(Check(n.Name(handles[i], buf, sizeof(buf) - 1), "nvmlDeviceGetName"));
    g.name = buf;
    nvmlMemory_t mem{};
    MC_RETURN_IF_ERROR(Check(n.Memory(handles[i], &mem), "nvmlDeviceGetMemoryInfo"));
    g.memory_total_bytes = mem.total;
    // Padded: a newer NVML writing a larger struct must not overrun us.
    struct {
      nvmlPciInfo_t info;
      char pad[256];
    } pci{};
    MC_RETURN_IF_ERROR(Check(n.Pci(handles[i], &pci.info), "nvmlDeviceGetPciInfo_v3"));
    pci.info.busId[sizeof(pci.info.busId) - 1] = '\0';
    g.pci_bus_id = pci.info.busId;
    g.pci_device_id = pci.info.pciDeviceId;
    g.numa_node = NumaOf(sysfs_root, g.pci_bus_id);
    MC_RETURN_IF_ERROR(
        Check(n.Cc(handles[i], &g.cc_major, &g.cc_minor), "nvmlDeviceGetCudaComputeCapability"));
    snap.gpus.push_back(std::move(g));
  }
  snap.pairs.assign(count, std::vector<NvmlPair>(count));
  for (unsigned i = 0; i < count; ++i) {
    for (unsigned j = 0; j < count; ++j) {
      if (i == j || handles[i] == nullptr || handles[j] == nullptr) continue;
      int level = 0;
      if (n.Ancestor(handles[i], handles[j], &level) == kNvmlSuccess) {
        snap.pairs[i][j].level = static_cast<NvmlTopoLevel>(level);
      }
      int status = -1;
      if (n.P2P(handles[i], handles[j], kP2PCapsIndexNvlink, &status) == kNvmlSuccess) {
        snap.pairs[i][j].nvlink_p2p = status == kP2PStatusOk;
      }
    }
  }
  return std::optional<NvmlSnapshot>(std::move(snap));
}

}  // namespace manychip::nvidia
