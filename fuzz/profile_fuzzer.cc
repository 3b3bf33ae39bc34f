// Scheduler profile JSON (--profile files) checked against the built-in
// plugins, and tenant quotas, in JSON or wire bytes.

#include "fuzz/fuzz_input.h"
#include "manychip/codec/profile.h"
#include "manychip/framework/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  static const PluginRegistry* const registry = new PluginRegistry(BuiltinPlugins());
  const absl::string_view input = fuzz::AsText(data, size);
  v1::SchedulerProfile profile;
  if (fuzz::ParseMessage(input, &profile)) (void)codec::ProfileFromProto(profile, registry);
  v1::TenantQuota quota;
  if (fuzz::ParseMessage(input, &quota)) (void)codec::QuotaFromProto(quota, fuzz::FuzzCatalog());
  return 0;
}
