// `manychip-sim run`: time-based replay of a workload (the project's JSON
// workload, or an openb pod CSV) on a cluster, through one or more profiles
// side by side (`--profile aware.json,blind.json`).

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "apps/common/data_files.h"
#include "apps/manychip-sim/catalog_loader.h"
#include "apps/manychip-sim/flags.h"
#include "apps/manychip-sim/modes.h"
#include "apps/manychip-sim/progress.h"
#include "manychip/codec/profile.h"
#include "manychip/sim/openb_protocol.h"
#include "manychip/sim/openb_runner.h"
#include "manychip/sim/run_report.h"
#include "manychip/sim/trace_run.h"
#include "manychip/sim/workload.h"
#include "manychip/status.h"

namespace manychip::sim_app {

absl::Status RunRunMode(int argc, char** argv) {
  static const auto* kSpecs = new std::vector<FlagSpec>{
      {"cluster", "required", "cluster JSON, or an openb node list CSV"},
      {"catalog", "catalog/devices.json in the data dir", "device catalog JSON"},
      {"workload", "required", "workload JSON, or an openb pod list CSV"},
      {"profile", "required", "profile JSON, or a comma list to compare side by side"},
      {"seed", "42", "scheduler seed"},
      {"samples", "200", "time-series samples per run, 2..100000"},
      {"json", "", "write the results as JSON to this file"},
      {"report", "", "write an HTML + CSV report into this directory"},
  };
  MC_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(argc, argv, 2));
  if (flags.HelpRequested()) {
    std::fputs(FlagsHelp("run",
                         "time-based replay of a cluster and workload through one or more "
                         "profiles",
                         *kSpecs)
                   .c_str(),
               stdout);
    return absl::OkStatus();
  }
  MC_RETURN_IF_ERROR(flags.CheckKnown(*kSpecs));
  for (const char* required : {"cluster", "workload", "profile"}) {
    if (!flags.Has(required)) {
      return absl::InvalidArgumentError(absl::StrCat("--", required, ": required"));
    }
  }
  MC_ASSIGN_OR_RETURN(const std::string catalog_path,
                      FlagOrDataFile(flags.Get("catalog", ""), "catalog/devices.json"));
  std::fprintf(stderr, "manychip-sim run: catalog %s\n", catalog_path.c_str());
  MC_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, LoadCatalog(catalog_path));
  sim::TraceRunOptions o;
  o.catalog = catalog;
  const std::string cluster = flags.Get("cluster", "");
  if (absl::EndsWith(cluster, ".csv")) {
    MC_ASSIGN_OR_RETURN(auto nodes, sim::ReadOpenbNodes(cluster, catalog.get()));
    for (const sim::OpenbNode& n : nodes) o.nodes.push_back(sim::NodeSpecFromOpenb(n));
  } else {
    MC_ASSIGN_OR_RETURN(o.nodes, LoadClusterNodes(cluster, *catalog));
  }
  const std::string workload = flags.Get("workload", "");
  std::vector<sim::TraceJob> jobs;
  std::string typical;  // `target_workload: trace`, for openb CSV workloads
  if (absl::EndsWith(workload, ".csv")) {
    MC_ASSIGN_OR_RETURN(auto pods, sim::ReadOpenbPods(workload, catalog.get()));
    MC_ASSIGN_OR_RETURN(jobs, sim::TraceJobsFromOpenbPods(pods, *catalog));
    typical = sim::FormatTargetWorkload(sim::TypicalWorkload(pods));
  } else {
    MC_ASSIGN_OR_RETURN(sim::Workload w, sim::LoadWorkloadFile(workload, *catalog));
    jobs = std::move(w.jobs);
    o.faults = std::move(w.faults);
  }
  MC_ASSIGN_OR_RETURN(int64_t seed, flags.GetInt("seed", 42));
  o.seed = static_cast<uint64_t>(seed);
  MC_ASSIGN_OR_RETURN(int64_t samples, flags.GetInt("samples", 200));
  if (samples < 2 || samples > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat("--samples: must be in 2..100000, got ", samples));
  }
  o.samples = static_cast<int32_t>(samples);

  std::vector<sim::NamedRun> runs;
  for (absl::string_view path : absl::StrSplit(flags.Get("profile", ""), ',')) {
    MC_ASSIGN_OR_RETURN(o.profile, codec::LoadProfileFile(std::string(path)));
    // As in openb mode: `target_workload: trace` means the replayed
    // workload's typical tasks.
    for (PluginArgs& p : o.profile.plugins) {
      auto it = p.args.find("target_workload");
      if (it == p.args.end() || it->second != "trace") continue;
      if (typical.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": plugins.", p.name,
                         ".args.target_workload: \"trace\" needs an openb CSV "
                         "workload; give the target workload explicitly"));
      }
      it->second = typical;
    }
    ProgressBar bar(absl::StrCat("run ", o.profile.name), static_cast<int64_t>(jobs.size()));
    o.progress = [&bar](int64_t done, int64_t) { bar.Update(done); };
    MC_ASSIGN_OR_RETURN(sim::TraceRunResult r, sim::RunTrace(o, jobs));
    bar.Finish();
    std::fprintf(stderr, "%s: %.2f s wall\n", o.profile.name.c_str(), r.wall_seconds);
    runs.emplace_back(o.profile.name, std::move(r));
  }
  std::fputs(sim::RunSummaryTable(runs).c_str(), stdout);
  if (flags.Has("json")) {
    const std::string path = flags.Get("json", "");
    const std::string doc =
        runs.size() == 1 ? sim::TraceRunJson(runs.front().second) : sim::RunsJson(runs);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << doc;
    if (!out) return absl::UnavailableError(absl::StrCat(path, ": write failed"));
  }
  if (flags.Has("report")) MC_RETURN_IF_ERROR(sim::WriteRunReport(flags.Get("report", ""), runs));
  return absl::OkStatus();
}

}  // namespace manychip::sim_app
