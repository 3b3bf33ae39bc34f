// NVML XID event watching behind manychip/adapters/health_watcher.h.

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/device/nvidia/nvml_inventory.h"
#include "manychip/adapters/health_watcher.h"
#include "spdlog/spdlog.h"

namespace manychip {
namespace {

// NVML declarations used here, from the public NVML API reference.
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
using nvmlEventSet_t = struct nvmlEventSet_st*;
struct nvmlEventData_t {
  nvmlDevice_t device;
  unsigned long long eventType;
  unsigned long long eventData;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};
constexpr int kSuccess = 0;
constexpr int kErrorNotSupported = 3;
constexpr int kErrorTimeout = 10;
constexpr unsigned long long kEventXidCritical = 0x8;

struct NvmlEvents {
  void* lib = nullptr;
  nvmlReturn_t (*Init)() = nullptr;
  nvmlReturn_t (*Shutdown)() = nullptr;
  nvmlReturn_t (*Count)(unsigned*) = nullptr;
  nvmlReturn_t (*Handle)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*SetCreate)(nvmlEventSet_t*) = nullptr;
  nvmlReturn_t (*Register)(nvmlDevice_t, unsigned long long, nvmlEventSet_t) = nullptr;
  nvmlReturn_t (*Wait)(nvmlEventSet_t, nvmlEventData_t*, unsigned) = nullptr;
  nvmlReturn_t (*SetFree)(nvmlEventSet_t) = nullptr;
};

template <typename F>
bool Load(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

class NvmlXidWatcher final : public DeviceHealthWatcher {
 public:
  NvmlXidWatcher(NvmlEvents nvml, nvmlEventSet_t set, std::vector<nvmlDevice_t> handles,
                 DeviceHealthCallback cb, absl::Duration poll)
      : nvml_(nvml), set_(set), handles_(std::move(handles)), cb_(std::move(cb)), poll_(poll) {
    thread_ = std::thread([this] { Run(); });
  }

  ~NvmlXidWatcher() override {
    stop_.store(true);
    thread_.join();
    nvml_.SetFree(set_);
    nvml_.Shutdown();
    dlclose(nvml_.lib);
  }

 private:
  void Run() {
    const unsigned timeout_ms =
        static_cast<unsigned>(std::max<int64_t>(1, absl::ToInt64Milliseconds(poll_)));
    while (!stop_.load()) {
      nvmlEventData_t data{};
      const nvmlReturn_t r = nvml_.Wait(set_, &data, timeout_ms);
      if (r == kErrorTimeout) continue;
      if (r != kSuccess) {
        // A broken event set does not heal: say so once and stop watching
        // (the agent's poll still re-discovers health).
        spdlog::warn("nvml: nvmlEventSetWait_v2 failed with code {}, XID watch stopped", r);
        return;
      }
      if ((data.eventType & kEventXidCritical) == 0) continue;
      if (!nvidia::XidMarksUnhealthy(data.eventData)) continue;
      int32_t index = -1;
      for (size_t i = 0; i < handles_.size(); ++i) {
        if (handles_[i] == data.device) index = static_cast<int32_t>(i);
      }
      if (index < 0) continue;  // an event for a device we did not register
      cb_(DeviceHealthChange{index, false, absl::StrCat("xid ", data.eventData)});
    }
  }

  NvmlEvents nvml_;
  nvmlEventSet_t set_;
  std::vector<nvmlDevice_t> handles_;
  DeviceHealthCallback cb_;
  absl::Duration poll_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceHealthWatcher>> WatchNvidiaHealth(
    const DiscoverOptions& options, DeviceHealthCallback on_change, absl::Duration poll) {
  if (options.nvml_library.empty()) {
    return absl::NotFoundError("nvml: no library configured");
  }
  NvmlEvents n;
  n.lib = dlopen(options.nvml_library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (n.lib == nullptr) {
    return absl::NotFoundError(absl::StrCat("nvml: ", options.nvml_library, " not loadable"));
  }
  auto fail = [&n](absl::Status s) {
    dlclose(n.lib);
    return s;
  };
  const bool ok = Load(n.lib, "nvmlInit_v2", &n.Init) && Load(n.lib, "nvmlShutdown", &n.Shutdown) &&
                  Load(n.lib, "nvmlDeviceGetCount_v2", &n.Count) &&
                  Load(n.lib, "nvmlDeviceGetHandleByIndex_v2", &n.Handle) &&
                  Load(n.lib, "nvmlEventSetCreate", &n.SetCreate) &&
                  Load(n.lib, "nvmlDeviceRegisterEvents", &n.Register) &&
                  Load(n.lib, "nvmlEventSetWait_v2", &n.Wait) &&
                  Load(n.lib, "nvmlEventSetFree", &n.SetFree);
  if (!ok) {
    return fail(absl::UnavailableError(
        absl::StrCat("nvml: ", options.nvml_library, " lacks an event symbol")));
  }
  if (nvmlReturn_t r = n.Init(); r != kSuccess) {
    return fail(absl::UnavailableError(absl::StrCat("nvml: nvmlInit_v2 failed with code ", r)));
  }
  auto fail_init = [&n, &fail](absl::string_view call, nvmlReturn_t r) {
    n.Shutdown();
    return fail(absl::UnavailableError(absl::StrCat("nvml: ", call, " failed with code ", r)));
  };
  unsigned count = 0;
  if (nvmlReturn_t r = n.Count(&count); r != kSuccess) return fail_init("nvmlDeviceGetCount_v2", r);
  nvmlEventSet_t set = nullptr;
  if (nvmlReturn_t r = n.SetCreate(&set); r != kSuccess) return fail_init("nvmlEventSetCreate", r);
  std::vector<nvmlDevice_t> handles(count, nullptr);
  for (unsigned i = 0; i < count; ++i) {
    // A GPU without a handle is already reported unhealthy by discovery.
    if (n.Handle(i, &handles[i]) != kSuccess) {
      handles[i] = nullptr;
      continue;
    }
    const nvmlReturn_t r = n.Register(handles[i], kEventXidCritical, set);
    if (r == kErrorNotSupported) {
      // Some boards cannot deliver XID events; discovery still polls them.
      spdlog::warn("nvml: GPU {} does not support XID events, not watched", i);
      continue;
    }
    if (r != kSuccess) {
      n.SetFree(set);
      return fail_init(absl::StrCat("nvmlDeviceRegisterEvents (GPU ", i, ")"), r);
    }
  }
  return std::unique_ptr<DeviceHealthWatcher>(
      new NvmlXidWatcher(n, set, std::move(handles), std::move(on_change), poll));
}

}  // namespace manychip
