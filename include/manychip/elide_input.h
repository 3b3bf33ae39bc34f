#pragma once

// How an error message may echo client input.

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace manychip {

// `input` C-escaped (no control bytes or NULs reach a terminal or gRPC
// metadata) and, past `max_bytes`, cut to "<first max_bytes>...(<size>
// bytes)". A 100 KB job id echoed whole made the error exceed the client's
// metadata limit and drop its connection. Thread-safety: pure function.
//
//   return absl::NotFoundError(absl::StrCat("job ", ElideInput(id), " not found"));
std::string ElideInput(absl::string_view input, size_t max_bytes = 64);

}  // namespace manychip
