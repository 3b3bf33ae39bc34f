#include "manychip/status.h"

#include <cstdio>

namespace manychip::internal {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "manychip: check failed at %s:%d: %s\n", file, line, condition);
  std::abort();
}

}  // namespace manychip::internal
