// A host with manychip's generated messages linked in (as manychipd and the
// agent have): dlopens the adapter named on the command line and makes one
// choose call through the C ABI. Prints "choose ok: devices ..." on success.
//
//   manychip_proto_copy_host ADAPTER.so

#include <dlfcn.h>

#include <cstdio>
#include <string>

#include "manychip/adapters/c_api/manychip_adapter.h"
#include "manychip/v1/adapter.pb.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: manychip_proto_copy_host ADAPTER.so\n");
    return 2;
  }
  // The host's own descriptors are registered before the adapter loads.
  manychip::v1::AdapterChooseRequest req;
  req.set_node_name("n0");
  req.set_cards(2);
  req.set_share_milli(1000);
  for (int64_t free : {0, 1000, 1000, 1000}) {
    req.add_free_milli(free);
    req.add_device_memory_mib(65536);
    req.add_healthy(true);
    req.add_numa_node(0);
  }
  void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  auto get = reinterpret_cast<mc_device_adapter_get_fn>(dlsym(handle, MC_ADAPTER_ENTRY_SYMBOL));
  const mc_device_adapter* table = get == nullptr ? nullptr : get(MC_ADAPTER_ABI_MAJOR);
  if (table == nullptr) {
    std::fprintf(stderr, "no adapter table\n");
    return 1;
  }
  const std::string in = req.SerializeAsString();
  mc_bytes out{nullptr, 0};
  if (mc_error* e = table->choose(table->self, {in.data(), in.size()}, &out); e != nullptr) {
    const mc_bytes m = table->error_message(e);
    std::fprintf(stderr, "choose: %.*s\n", static_cast<int>(m.size), m.data);
    table->error_destroy(e);
    return 1;
  }
  manychip::v1::AdapterChooseResponse resp;
  const bool parsed = resp.ParseFromArray(out.data, static_cast<int>(out.size));
  table->free_bytes(table->self, out);
  if (!parsed || !resp.ok()) {
    std::fprintf(stderr, "choose: no fit (failure %d)\n", static_cast<int>(resp.failure()));
    return 1;
  }
  std::printf("choose ok: devices");
  for (int32_t d : resp.devices()) std::printf(" %d", d);
  std::printf("\n");
  return 0;
}
