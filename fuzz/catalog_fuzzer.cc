// Device catalog JSON (--catalog files) and v1::Catalog wire bytes.

#include "fuzz/fuzz_input.h"
#include "manychip/codec/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  v1::Catalog proto;
  if (!fuzz::ParseMessage(fuzz::AsText(data, size), &proto)) return 0;
  (void)codec::CatalogFromProto(proto);
  return 0;
}
