// `manychip-sim run`: time-based replay of a workload on a cluster through one
// profile. `manychip-sim gen` is not implemented yet.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "apps/manychip-sim/catalog_loader.h"
#include "apps/manychip-sim/flags.h"
#include "apps/manychip-sim/modes.h"
#include "apps/manychip-sim/progress.h"
#include "manychip/codec/profile.h"
#include "manychip/sim/openb_protocol.h"
#include "manychip/sim/openb_runner.h"
#include "manychip/sim/report.h"
#include "manychip/sim/trace_run.h"
#include "manychip/status.h"

namespace manychip::sim_app {

absl::Status RunRunMode(int argc, char** argv) {
  MC_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(argc, argv, 2));
  MC_RETURN_IF_ERROR(
      flags.CheckKnown({"cluster", "catalog", "workload", "profile", "seed", "json", "report"}));
  for (const char* required : {"cluster", "workload", "profile"}) {
    if (!flags.Has(required)) {
      return absl::InvalidArgumentError(absl::StrCat("--", required, ": required"));
    }
  }
  MC_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog,
                      LoadCatalog(flags.Get("catalog", "examples/catalog/devices.json")));
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
  if (!absl::EndsWith(workload, ".csv")) {
    return absl::UnimplementedError(
        absl::StrCat("--workload ", workload, ": only the openb pod CSV format is supported yet"));
  }
  MC_ASSIGN_OR_RETURN(auto pods, sim::ReadOpenbPods(workload, catalog.get()));
  MC_ASSIGN_OR_RETURN(auto jobs, sim::TraceJobsFromOpenbPods(pods, *catalog));
  MC_ASSIGN_OR_RETURN(o.profile, codec::LoadProfileFile(flags.Get("profile", "")));
  // As in openb mode: `target_workload: trace` means the replayed workload's
  // typical tasks.
  const std::string typical = sim::FormatTargetWorkload(sim::TypicalWorkload(pods));
  for (PluginArgs& p : o.profile.plugins) {
    auto it = p.args.find("target_workload");
    if (it != p.args.end() && it->second == "trace") it->second = typical;
  }
  MC_ASSIGN_OR_RETURN(int64_t seed, flags.GetInt("seed", 42));
  o.seed = static_cast<uint64_t>(seed);
  ProgressBar bar("run", static_cast<int64_t>(jobs.size()));
  o.progress = [&bar](int64_t done, int64_t) { bar.Update(done); };
  MC_ASSIGN_OR_RETURN(sim::TraceRunResult r, sim::RunTrace(o, std::move(jobs)));
  bar.Finish();
  std::printf(
      "jobs %lld started %lld completed %lld never started %lld preemptions %lld\n"
      "queueing s: mean %.1f p50 %.1f p99 %.1f   JCT s: mean %.1f p50 %.1f p99 %.1f\n"
      "makespan %lld s  (%.2f s wall)\n",
      static_cast<long long>(r.jobs), static_cast<long long>(r.started),
      static_cast<long long>(r.completed), static_cast<long long>(r.never_started),
      static_cast<long long>(r.preemptions), r.queueing_seconds.mean, r.queueing_seconds.p50,
      r.queueing_seconds.p99, r.jct_seconds.mean, r.jct_seconds.p50, r.jct_seconds.p99,
      static_cast<long long>(r.makespan_seconds), r.wall_seconds);
  if (flags.Has("json")) {
    const std::string path = flags.Get("json", "");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << sim::TraceRunJson(r);
    if (!out) return absl::UnavailableError(absl::StrCat(path, ": write failed"));
  }
  if (flags.Has("report")) {
    std::vector<sim::Series> series;
    for (const auto& [model, v] : r.alloc_pct_by_model) {
      sim::Series s{model, {}, v};
      for (int64_t t : r.sample_seconds) s.x.push_back(static_cast<double>(t) / 3600.0);
      series.push_back(std::move(s));
    }
    const std::string dir = flags.Get("report", "");
    std::string csv = "t_seconds";
    for (const auto& [model, v] : r.alloc_pct_by_model) absl::StrAppend(&csv, ",", model);
    csv += "\n";
    for (size_t i = 0; i < r.sample_seconds.size(); ++i) {
      absl::StrAppend(&csv, r.sample_seconds[i]);
      for (const auto& [model, v] : r.alloc_pct_by_model) absl::StrAppend(&csv, ",", v[i]);
      csv += "\n";
    }
    MC_RETURN_IF_ERROR(sim::WriteReportFile(dir, "allocation_over_time.csv", csv));
    const std::string html = absl::StrCat(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>manychip-sim run</title>"
        "</head><body style=\"font-family:sans-serif;margin:2em\">\n<h1>manychip-sim run</h1>\n",
        sim::SvgLineChart("Device allocation over time per model", "hours since first arrival",
                          "allocated (% of model capacity)", series),
        "<pre>", sim::HtmlEscape(sim::TraceRunJson(r)).substr(0, 2000), "</pre>\n</body></html>\n");
    MC_RETURN_IF_ERROR(sim::WriteReportFile(dir, "index.html", html));
  }
  return absl::OkStatus();
}

absl::Status RunGenMode(int argc, char** argv) {
  return absl::UnimplementedError("gen mode is not implemented yet");
}

}  // namespace manychip::sim_app
