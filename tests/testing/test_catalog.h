#pragma once

// The shipped device catalog (examples/catalog/devices.json), loaded once per
// test process, for every layer's tests.
//
// Thread-safety: the first call loads it (function-local static, so
// concurrent first calls are safe); afterwards it is immutable. A catalog
// that fails to load aborts the test binary with the codec's message: every
// test depending on it would be meaningless.
//
//   const Catalog& catalog = testing::TestCatalog();
//   const DeviceModelSpec* h20 = catalog.Find("nvidia-h20");

#include "manychip/core/catalog.h"

namespace manychip::testing {

const Catalog& TestCatalog();

// Catalog index of `id_or_alias` in TestCatalog(); aborts if unknown.
int32_t TestModel(absl::string_view id_or_alias);

}  // namespace manychip::testing
