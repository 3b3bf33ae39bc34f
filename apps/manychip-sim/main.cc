// manychip-sim: trace-driven cluster simulator on the real scheduler core.
//
//   manychip-sim openb --policy fgd --seeds 42-51 --tune 1.3 --json out.json
//   manychip-sim run --cluster C.json --workload W.json --profile P.json --json out.json
//   manychip-sim gen --cluster C.json --jobs 100000 --out W.json
//
// Each mode lives in its own file; this one dispatches.

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "apps/common/binary_setup.h"
#include "apps/manychip-sim/modes.h"

namespace {

constexpr char kUsage[] =
    "usage: manychip-sim <mode> [flags]\n"
    "modes:\n"
    "  openb  replay the FGD paper's protocol on the Alibaba openb trace\n"
    "         --nodes CSV --pods CSV --catalog JSON --policy NAME[,NAME..|all]\n"
    "         [--profile JSON] [--profiles-dir DIR] --seeds 42-51 --tune 1.3\n"
    "         [--threads N] --json OUT.json [--report DIR]\n"
    "  run    time-based replay of a cluster and workload through one or more profiles\n"
    "         --cluster JSON --catalog JSON --workload JSON|CSV --profile JSON[,JSON..]\n"
    "         [--seed N] [--samples N] --json OUT.json [--report DIR]\n"
    "  gen    synthetic training + inference workload for a cluster\n"
    "         --cluster JSON --catalog JSON --jobs N [--seed N] [--inference-pct 30]\n"
    "         [--load-pct 85] [--faults N] --out WORKLOAD.json\n"
    "`manychip-sim <mode> --help` lists a mode's flags with their defaults;\n"
    "`manychip-sim --version` prints the version.\n";

}  // namespace

int main(int argc, char** argv) {
  manychip::SetUpBinary("manychip-sim", "trace-driven cluster simulator");
  if (argc >= 2 && std::string(argv[1]) == "--version") {
    std::printf("%s\n", manychip::VersionLine("manychip-sim").c_str());
    return 0;
  }
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string mode = argv[1];
  absl::Status s;
  if (mode == "openb") {
    s = manychip::sim_app::RunOpenbMode(argc, argv);
  } else if (mode == "run") {
    s = manychip::sim_app::RunRunMode(argc, argv);
  } else if (mode == "gen") {
    s = manychip::sim_app::RunGenMode(argc, argv);
  } else {
    std::fprintf(stderr, "manychip-sim: unknown mode '%s'\n%s", mode.c_str(), kUsage);
    return 2;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "manychip-sim %s: %s\n", mode.c_str(), std::string(s.message()).c_str());
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
