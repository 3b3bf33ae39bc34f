#include "fuzz/fuzz_input.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"

namespace manychip::fuzz {

const Catalog& FuzzCatalog() {
  static const Catalog* const catalog = [] {
    auto loaded = codec::LoadCatalogFile(MANYCHIP_SOURCE_DIR "/examples/catalog/devices.json");
    if (!loaded.ok()) {
      std::fprintf(stderr, "FuzzCatalog: %s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return new Catalog(*std::move(loaded));
  }();
  return *catalog;
}

bool ParseMessage(absl::string_view input, google::protobuf::Message* message) {
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(input);
  if (!trimmed.empty() && trimmed.front() == '{') {
    return codec::ParseJson(input, "fuzz", message).ok();
  }
  return message->ParseFromArray(input.data(), static_cast<int>(input.size()));
}

std::pair<absl::string_view, absl::string_view> SplitSelector(absl::string_view input) {
  const size_t nl = input.find('\n');
  if (nl == absl::string_view::npos) return {input, absl::string_view()};
  return {input.substr(0, nl), input.substr(nl + 1)};
}

}  // namespace manychip::fuzz
