#pragma once

// Helpers shared by the fuzz targets in fuzz/: the shipped catalog the
// targets resolve model names against, and the two input shapes the targets
// accept.
//
// Thread-safety: FuzzCatalog() loads once (function-local static) and is
// immutable afterwards; the rest are pure functions.
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     v1::Job job;
//     if (!fuzz::ParseMessage(fuzz::AsText(data, size), &job)) return 0;
//     (void)codec::JobFromProto(job, fuzz::FuzzCatalog());
//     return 0;
//   }

#include <cstddef>
#include <cstdint>
#include <utility>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "manychip/core/catalog.h"

namespace manychip::fuzz {

// examples/catalog/devices.json of the source tree; aborts if it does not
// load (every input would then be rejected for a reason unrelated to it).
const Catalog& FuzzCatalog();

inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Fills `message` from JSON when the input's first non-blank byte is '{'
// (files and manychipctl's input), from the binary wire format otherwise
// (gRPC requests). False when neither parses: the target has nothing to feed.
bool ParseMessage(absl::string_view input, google::protobuf::Message* message);

// Splits "<selector>\n<payload>" for the targets that cover several parsers
// with one corpus: the first line names the parser, so a seed file says
// what it exercises and the fuzzer can move an input between parsers.
std::pair<absl::string_view, absl::string_view> SplitSelector(absl::string_view input);

}  // namespace manychip::fuzz
