// Simulator workload files (manychip-sim --workload) in JSON or wire bytes.

#include "fuzz/fuzz_input.h"
#include "manychip/sim/workload.h"
#include "manychip/v1/workload.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  v1::Workload proto;
  if (!fuzz::ParseMessage(fuzz::AsText(data, size), &proto)) return 0;
  (void)sim::WorkloadFromProto(proto, fuzz::FuzzCatalog());
  return 0;
}
