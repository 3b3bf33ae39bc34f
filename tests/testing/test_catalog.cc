#include "tests/testing/test_catalog.h"

#include <cstdio>
#include <cstdlib>

#include "manychip/codec/model.h"
#include "tests/testing/paths.h"

namespace manychip::testing {

const Catalog& TestCatalog() {
  static const Catalog* const catalog = [] {
    auto loaded = codec::LoadCatalogFile(SourcePath("examples/catalog/devices.json"));
    if (!loaded.ok()) {
      std::fprintf(stderr, "TestCatalog: %s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return new Catalog(*std::move(loaded));
  }();
  return *catalog;
}

int32_t TestModel(absl::string_view id_or_alias) {
  const DeviceModelSpec* model = TestCatalog().Find(id_or_alias);
  if (model == nullptr) {
    std::fprintf(stderr, "TestModel: unknown model \"%.*s\"\n",
                 static_cast<int>(id_or_alias.size()), id_or_alias.data());
    std::abort();
  }
  return model->index;
}

}  // namespace manychip::testing
