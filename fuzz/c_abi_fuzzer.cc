// The host side of the C-ABI adapter boundary: what a third-party shared
// object answers to discover, choose and visibility is untrusted bytes. A
// fake function table hands the fuzz input back as the answer, so the real
// CAbiDeviceAdapter decodes and checks it. First line: "discover", "choose"
// or "visibility"; the rest is the serialized response message.

#include <cstdlib>

#include "adapters/c_abi/c_abi_adapter.h"
#include "fuzz/fuzz_input.h"
#include "manychip/codec/model.h"

namespace {

// The answer the fake table returns; set per input (one thread).
absl::string_view g_answer;

mc_error* Answer(void*, mc_bytes, mc_bytes* out) {
  *out = mc_bytes{g_answer.data(), g_answer.size()};
  return nullptr;
}
mc_error* Compare(void*, mc_bytes, mc_bytes, mc_bytes, int32_t* result) {
  *result = 0;
  return nullptr;
}
void FreeBytes(void*, mc_bytes) {}  // the answer is the fuzzer's buffer
int32_t ErrorCode(const mc_error*) { return MC_CODE_INTERNAL; }
mc_bytes ErrorMessage(const mc_error*) { return mc_bytes{"", 0}; }
void ErrorDestroy(mc_error*) {}

const mc_device_adapter kTable = {sizeof(mc_device_adapter),
                                  MC_ADAPTER_ABI_MAJOR,
                                  MC_ADAPTER_ABI_MINOR,
                                  nullptr,
                                  mc_bytes{"fuzz", 4},
                                  Answer,
                                  Answer,
                                  Answer,
                                  Compare,
                                  FreeBytes,
                                  ErrorCode,
                                  ErrorMessage,
                                  ErrorDestroy,
                                  nullptr};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  static const CAbiDeviceAdapter* const adapter =
      new CAbiDeviceAdapter("fuzz.so", nullptr, &kTable);
  static const NodeSpec* const node = [] {
    auto loaded = codec::LoadNodeFile(MANYCHIP_SOURCE_DIR "/examples/inventories/x86-h20.json",
                                      fuzz::FuzzCatalog());
    if (!loaded.ok()) std::abort();
    return new NodeSpec(*std::move(loaded));
  }();
  const auto [call, answer] = fuzz::SplitSelector(fuzz::AsText(data, size));
  g_answer = answer;
  if (call == "discover") {
    (void)adapter->Discover(fuzz::FuzzCatalog(), DiscoverOptions{});
  } else if (call == "choose") {
    std::vector<MilliDevices> free(node->devices.size(), MilliDevices::FromRaw(kMilliPerDevice));
    ChooseRequest request;
    request.cards = 2;
    const ChooseResult result = adapter->Choose(*node, free, request);
    // The adapter's promise to the scheduler: an accepted answer names
    // distinct devices of this node, as many as asked for.
    if (result.ok && static_cast<int32_t>(result.devices.size()) != request.cards) std::abort();
    for (int32_t d : result.devices) {
      if (d < 0 || d >= static_cast<int32_t>(node->devices.size())) std::abort();
    }
  } else if (call == "visibility") {
    const std::vector<int32_t> devices = {0, 1};
    (void)adapter->VisibilityFor(*node, devices);
  }
  return 0;
}
