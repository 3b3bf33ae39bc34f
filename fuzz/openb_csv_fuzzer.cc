// The openb trace CSVs (alibaba-gpu-v2023 node and pod lists) read by
// manychip-sim. First line "nodes" or "pods" picks the reader; models are
// not checked against a catalog (the openb catalog is the simulator's
// choice, and unchecked is the path that reads the most of each row).

#include "fuzz/fuzz_input.h"
#include "manychip/sim/openb_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  const auto [which, text] = fuzz::SplitSelector(fuzz::AsText(data, size));
  if (which == "nodes") {
    (void)sim::ParseOpenbNodes(text, "fuzz.csv", nullptr);
  } else if (which == "pods") {
    (void)sim::ParseOpenbPods(text, "fuzz.csv", nullptr);
  }
  return 0;
}
