// A fake libnvidia-ml.so for the NVML tests: the nvml* calls that
// adapters/device/nvidia/nvml_library.cc and xid_watcher.cc use, with the
// signatures of NVIDIA's public NVML API. Chosen per test through the
// environment, read on every nvmlInit_v2:
//   FAKE_NVML_GPUS    number of GPUs (default 8), all NVLink-connected
//   FAKE_NVML_NAME    GPU name (default "NVIDIA H100 80GB HBM3")
//   FAKE_NVML_XIDS    XID events "gpu:xid,gpu:xid,..." delivered one per
//                     nvmlEventSetWait_v2, in order; afterwards waits time out
//   FAKE_NVML_NO_EVENTS_ON  a GPU whose nvmlDeviceRegisterEvents reports
//                     NVML_ERROR_NOT_SUPPORTED

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace {

struct Device {
  int index;
};
constexpr int kMaxGpus = 16;
Device g_devices[kMaxGpus];
int g_count = 0;
std::mutex g_mu;
std::deque<std::pair<int, unsigned long long>> g_events;  // guarded by g_mu
int g_event_set_token = 0;

int Env(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

Device* Dev(void* handle) {
  for (int i = 0; i < g_count; ++i) {
    if (handle == &g_devices[i]) return &g_devices[i];
  }
  return nullptr;
}

struct Memory {
  unsigned long long total, free, used;
};
struct PciInfo {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
struct EventData {
  void* device;
  unsigned long long eventType;
  unsigned long long eventData;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

}  // namespace

#define FAKE_API extern "C" __attribute__((visibility("default"))) int

FAKE_API nvmlInit_v2() {
  g_count = Env("FAKE_NVML_GPUS", 8);
  if (g_count < 0 || g_count > kMaxGpus) return 1;
  for (int i = 0; i < g_count; ++i) g_devices[i].index = i;
  std::lock_guard<std::mutex> lock(g_mu);
  g_events.clear();
  if (const char* x = std::getenv("FAKE_NVML_XIDS")) {
    std::string s = x;
    size_t at = 0;
    while (at < s.size()) {
      size_t comma = s.find(',', at);
      if (comma == std::string::npos) comma = s.size();
      const std::string item = s.substr(at, comma - at);
      const size_t colon = item.find(':');
      if (colon != std::string::npos) {
        g_events.emplace_back(std::atoi(item.substr(0, colon).c_str()),
                              std::strtoull(item.substr(colon + 1).c_str(), nullptr, 10));
      }
      at = comma + 1;
    }
  }
  return 0;
}
FAKE_API nvmlShutdown() { return 0; }
FAKE_API nvmlSystemGetDriverVersion(char* out, unsigned len) {
  std::snprintf(out, len, "%s", "550.54.15");
  return 0;
}
FAKE_API nvmlSystemGetCudaDriverVersion_v2(int* v) {
  *v = 12040;
  return 0;
}
FAKE_API nvmlDeviceGetCount_v2(unsigned* n) {
  *n = static_cast<unsigned>(g_count);
  return 0;
}
FAKE_API nvmlDeviceGetHandleByIndex_v2(unsigned i, void** h) {
  if (i >= static_cast<unsigned>(g_count)) return 2;
  *h = &g_devices[i];
  return 0;
}
FAKE_API nvmlDeviceGetUUID(void* h, char* out, unsigned len) {
  Device* d = Dev(h);
  if (d == nullptr) return 2;
  std::snprintf(out, len, "GPU-fake-%04d", d->index);
  return 0;
}
FAKE_API nvmlDeviceGetName(void* h, char* out, unsigned len) {
  if (Dev(h) == nullptr) return 2;
  const char* name = std::getenv("FAKE_NVML_NAME");
  std::snprintf(out, len, "%s", name != nullptr ? name : "NVIDIA H100 80GB HBM3");
  return 0;
}
FAKE_API nvmlDeviceGetMemoryInfo(void* h, Memory* m) {
  if (Dev(h) == nullptr) return 2;
  m->total = 81559ull << 20;
  m->free = m->total;
  m->used = 0;
  return 0;
}
FAKE_API nvmlDeviceGetPciInfo_v3(void* h, PciInfo* p) {
  Device* d = Dev(h);
  if (d == nullptr) return 2;
  std::memset(p, 0, sizeof(*p));
  std::snprintf(p->busId, sizeof(p->busId), "00000000:%02X:00.0", 0x18 + d->index);
  p->pciDeviceId = 0x233010de;
  return 0;
}
FAKE_API nvmlDeviceGetCudaComputeCapability(void* h, int* major, int* minor) {
  if (Dev(h) == nullptr) return 2;
  *major = 9;
  *minor = 0;
  return 0;
}
FAKE_API nvmlDeviceGetTopologyCommonAncestor(void* a, void* b, int* level) {
  if (Dev(a) == nullptr || Dev(b) == nullptr) return 2;
  *level = (Dev(a)->index < g_count / 2) == (Dev(b)->index < g_count / 2) ? 10 : 50;
  return 0;
}
FAKE_API nvmlDeviceGetP2PStatus(void* a, void* b, int caps, int* status) {
  if (Dev(a) == nullptr || Dev(b) == nullptr) return 2;
  *status = 0;  // NVML_P2P_STATUS_OK for every capability: an NVSwitch board
  return 0;
}
FAKE_API nvmlEventSetCreate(void** set) {
  *set = &g_event_set_token;
  return 0;
}
FAKE_API nvmlDeviceRegisterEvents(void* h, unsigned long long types, void* set) {
  Device* d = Dev(h);
  if (d == nullptr || set != &g_event_set_token) return 2;
  if (d->index == Env("FAKE_NVML_NO_EVENTS_ON", -1)) return 3;
  return 0;
}
FAKE_API nvmlEventSetWait_v2(void* set, EventData* data, unsigned timeout_ms) {
  if (set != &g_event_set_token) return 2;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (!g_events.empty()) {
      const auto [gpu, xid] = g_events.front();
      g_events.pop_front();
      std::memset(data, 0, sizeof(*data));
      data->device = gpu >= 0 && gpu < g_count ? &g_devices[gpu] : nullptr;
      data->eventType = 0x8;  // nvmlEventTypeXidCriticalError
      data->eventData = xid;
      return 0;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms < 20 ? timeout_ms : 20));
  return 10;  // NVML_ERROR_TIMEOUT
}
FAKE_API nvmlEventSetFree(void* set) { return set == &g_event_set_token ? 0 : 2; }
