// `manychip-sim gen`: writes a synthetic training + inference workload for a
// cluster (distributions documented in manychip/sim/workload_gen.h).

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apps/common/data_files.h"
#include "apps/manychip-sim/catalog_loader.h"
#include "apps/manychip-sim/flags.h"
#include "apps/manychip-sim/modes.h"
#include "manychip/codec/json.h"
#include "manychip/sim/workload.h"
#include "manychip/sim/workload_gen.h"
#include "manychip/status.h"

namespace manychip::sim_app {

absl::Status RunGenMode(int argc, char** argv) {
  const sim::GenOptions defaults;
  const std::vector<FlagSpec> specs = {
      {"cluster", "required", "cluster JSON"},
      {"catalog", "catalog/devices.json in the data dir", "device catalog JSON"},
      {"jobs", "required", "number of jobs to generate"},
      {"seed", "42", "generator seed"},
      {"inference-pct", absl::StrCat(defaults.inference_pct), "percent of jobs that are inference"},
      {"load-pct", absl::StrCat(defaults.load_pct), "offered load, percent of the cluster"},
      {"faults", "0", "node faults to inject"},
      {"out", "required", "the workload JSON to write"},
  };
  MC_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(argc, argv, 2));
  if (flags.HelpRequested()) {
    std::fputs(
        FlagsHelp("gen", "synthetic training + inference workload for a cluster", specs).c_str(),
        stdout);
    return absl::OkStatus();
  }
  MC_RETURN_IF_ERROR(flags.CheckKnown(specs));
  for (const char* required : {"cluster", "jobs", "out"}) {
    if (!flags.Has(required)) {
      return absl::InvalidArgumentError(absl::StrCat("--", required, ": required"));
    }
  }
  MC_ASSIGN_OR_RETURN(const std::string catalog_path,
                      FlagOrDataFile(flags.Get("catalog", ""), "catalog/devices.json"));
  std::fprintf(stderr, "manychip-sim gen: catalog %s\n", catalog_path.c_str());
  MC_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, LoadCatalog(catalog_path));
  MC_ASSIGN_OR_RETURN(auto nodes, LoadClusterNodes(flags.Get("cluster", ""), *catalog));
  sim::GenOptions g;
  MC_ASSIGN_OR_RETURN(g.jobs, flags.GetInt("jobs", 0));
  MC_ASSIGN_OR_RETURN(int64_t seed, flags.GetInt("seed", 42));
  MC_ASSIGN_OR_RETURN(int64_t inference, flags.GetInt("inference-pct", g.inference_pct));
  MC_ASSIGN_OR_RETURN(int64_t load, flags.GetInt("load-pct", g.load_pct));
  MC_ASSIGN_OR_RETURN(int64_t faults, flags.GetInt("faults", 0));
  if (seed < 0) return absl::InvalidArgumentError(absl::StrCat("--seed: must be >= 0"));
  for (auto [name, v] : {std::pair<const char*, int64_t>{"inference-pct", inference},
                         {"load-pct", load},
                         {"faults", faults}}) {
    if (v < 0 || v > 1'000'000) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": out of range, got ", v));
    }
  }
  g.seed = static_cast<uint64_t>(seed);
  g.inference_pct = static_cast<int32_t>(inference);
  g.load_pct = static_cast<int32_t>(load);
  g.faults = static_cast<int32_t>(faults);
  auto w = sim::GenerateWorkload(g, nodes, *catalog);
  if (!w.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("gen: ", w.status().message()));
  }
  // Check what was written reads back as a valid workload.
  MC_RETURN_IF_ERROR(sim::WorkloadFromProto(*w, *catalog).status());
  MC_ASSIGN_OR_RETURN(std::string json, codec::ToJson(*w, /*pretty=*/g.jobs <= 1000));
  const std::string path = flags.Get("out", "");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json << "\n";
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": write failed"));
  std::fprintf(stderr, "wrote %s: %lld jobs, %d faults\n", path.c_str(),
               static_cast<long long>(g.jobs), w->faults_size());
  return absl::OkStatus();
}

}  // namespace manychip::sim_app
