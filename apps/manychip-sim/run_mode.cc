// `manychip-sim run` and `manychip-sim gen`: not implemented yet.

#include "absl/status/status.h"
#include "apps/manychip-sim/modes.h"

namespace manychip::sim_app {

absl::Status RunRunMode(int argc, char** argv) {
  return absl::UnimplementedError("run mode is not implemented yet");
}

absl::Status RunGenMode(int argc, char** argv) {
  return absl::UnimplementedError("gen mode is not implemented yet");
}

}  // namespace manychip::sim_app
