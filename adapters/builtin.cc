#include "manychip/adapters/builtin.h"

#include <memory>

#include "adapters/device/ascend/ascend_adapter.h"
#include "adapters/device/generic/generic_adapter.h"
#include "adapters/device/kunlun/kunlun_adapter.h"
#include "adapters/device/nvidia/nvidia_adapter.h"
#include "adapters/device/ppu/ppu_adapter.h"
#include "adapters/host/aarch64/aarch64_host_adapter.h"
#include "adapters/host/riscv64/riscv64_host_adapter.h"
#include "adapters/host/x86_64/x86_64_host_adapter.h"
#include "manychip/status.h"

namespace manychip {

absl::Status RegisterBuiltinAdapters(AdapterRegistry& registry) {
  MC_RETURN_IF_ERROR(registry.RegisterHost(std::make_unique<X86_64HostAdapter>()));
  MC_RETURN_IF_ERROR(registry.RegisterHost(std::make_unique<Aarch64HostAdapter>()));
  MC_RETURN_IF_ERROR(registry.RegisterHost(std::make_unique<Riscv64HostAdapter>()));
  MC_RETURN_IF_ERROR(registry.RegisterDevice(std::make_unique<NvidiaDeviceAdapter>()));
  MC_RETURN_IF_ERROR(registry.RegisterDevice(std::make_unique<AscendDeviceAdapter>()));
  MC_RETURN_IF_ERROR(registry.RegisterDevice(std::make_unique<KunlunDeviceAdapter>()));
  MC_RETURN_IF_ERROR(registry.RegisterDevice(std::make_unique<PpuDeviceAdapter>()));
  for (GenericVendorSpec& spec : GenericVendors()) {
    MC_RETURN_IF_ERROR(
        registry.RegisterDevice(std::make_unique<GenericDeviceAdapter>(std::move(spec))));
  }
  return absl::OkStatus();
}

}  // namespace manychip
