#include "adapters/c_abi/loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "adapters/c_abi/c_abi_adapter.h"
#include "manychip/status.h"

namespace manychip {
namespace {

// The table must reach at least `destroy`, the last ABI 1.0 field.
constexpr size_t kMinTableSize = offsetof(mc_device_adapter, destroy) + sizeof(void (*)(void*));

absl::Status Refuse(const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(path, ": ", why));
}

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceAdapter>> LoadAdapterLibrary(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Refuse(path, absl::StrCat("dlopen failed: ", err != nullptr ? err : "unknown"));
  }
  auto fail = [&](absl::string_view why) {
    dlclose(handle);
    return Refuse(path, why);
  };
  void* sym = dlsym(handle, MC_ADAPTER_ENTRY_SYMBOL);
  if (sym == nullptr) {
    return fail(absl::StrCat("missing symbol ", MC_ADAPTER_ENTRY_SYMBOL,
                             " (not a manychip device adapter)"));
  }
  const auto get = reinterpret_cast<mc_device_adapter_get_fn>(sym);
  const mc_device_adapter* table = get(MC_ADAPTER_ABI_MAJOR);
  if (table == nullptr) {
    return fail(absl::StrCat(MC_ADAPTER_ENTRY_SYMBOL, " returned no table for host ABI ",
                             MC_ADAPTER_ABI_MAJOR, ".", MC_ADAPTER_ABI_MINOR));
  }
  if (table->struct_size < offsetof(mc_device_adapter, abi_minor) + sizeof(uint32_t)) {
    return fail(absl::StrCat("table of ", table->struct_size, " bytes has no ABI version"));
  }
  if (table->abi_major != MC_ADAPTER_ABI_MAJOR) {
    return fail(absl::StrCat("adapter ABI ", table->abi_major, ".", table->abi_minor, ", host ABI ",
                             MC_ADAPTER_ABI_MAJOR, ".", MC_ADAPTER_ABI_MINOR,
                             " (major versions must match)"));
  }
  if (table->struct_size < kMinTableSize) {
    return fail(absl::StrCat("table of ", table->struct_size, " bytes is smaller than ABI ",
                             MC_ADAPTER_ABI_MAJOR, ".0 needs (", kMinTableSize, ")"));
  }
  struct Required {
    const char* name;
    bool present;
  };
  const Required required[] = {
      {"discover", table->discover != nullptr},
      {"choose", table->choose != nullptr},
      {"visibility", table->visibility != nullptr},
      {"compare_versions", table->compare_versions != nullptr},
      {"free_bytes", table->free_bytes != nullptr},
      {"error_code", table->error_code != nullptr},
      {"error_message", table->error_message != nullptr},
      {"error_destroy", table->error_destroy != nullptr},
  };
  for (const Required& r : required) {
    if (!r.present) return fail(absl::StrCat("table lacks function ", r.name));
  }
  if (table->vendor.data == nullptr || table->vendor.size == 0 || table->vendor.size > 64) {
    return fail("table has no vendor key (1..64 bytes)");
  }
  return std::unique_ptr<DeviceAdapter>(new CAbiDeviceAdapter(path, handle, table));
}

absl::Status LoadAdapterDir(const std::string& dir, AdapterRegistry& registry) {
  if (dir.empty()) return absl::OkStatus();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("--adapter-dir ", dir, ": not a directory"));
  }
  std::vector<std::string> libs;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".so") libs.push_back(e.path().string());
  }
  if (ec) return absl::UnavailableError(absl::StrCat(dir, ": ", ec.message()));
  std::sort(libs.begin(), libs.end());
  for (const std::string& lib : libs) {
    MC_ASSIGN_OR_RETURN(std::unique_ptr<DeviceAdapter> adapter, LoadAdapterLibrary(lib));
    absl::Status s = registry.RegisterDevice(std::move(adapter));
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(lib, ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace manychip
