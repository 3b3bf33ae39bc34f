// `manychip-sim openb`: the FGD paper's protocol, one or more policies, seeds
// in parallel, JSON (+ optional HTML/CSV report).

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "apps/common/data_files.h"
#include "apps/manychip-sim/catalog_loader.h"
#include "apps/manychip-sim/flags.h"
#include "apps/manychip-sim/modes.h"
#include "apps/manychip-sim/progress.h"
#include "manychip/codec/profile.h"
#include "manychip/sim/openb_batch.h"
#include "manychip/sim/openb_variants.h"
#include "manychip/sim/report.h"
#include "manychip/status.h"

namespace manychip::sim_app {
namespace {

// The paper's policies and ours, in the order the paper's tables use.
const std::vector<std::string>& AllPolicies() {
  static const auto* p = new std::vector<std::string>{
      "random", "dotprod", "gpuclustering", "gpupacking", "bestfit", "fgd", "manychip"};
  return *p;
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": cannot open for writing"));
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunOpenbMode(int argc, char** argv) {
  static const auto* kSpecs = new std::vector<FlagSpec>{
      {"nodes", "alibaba-gpu-v2023/openb_node_list_gpu_node.csv in the data dir",
       "openb node list CSV"},
      {"pods", "alibaba-gpu-v2023/openb_pod_list_default.csv in the data dir",
       "openb pod list CSV"},
      {"catalog", "catalog/openb.json in the data dir", "device catalog JSON"},
      {"policy", "fgd",
       "policy name, a comma list, or all (" + absl::StrJoin(AllPolicies(), ",") +
           "); each reads <profiles-dir>/openb-<name>.json"},
      {"profile", "", "one profile JSON instead of --policy (--policy then labels it)"},
      {"profiles-dir", "profiles in the data dir", "where --policy finds its profiles"},
      {"seeds", "42-51", "seeds: N, N-M or a comma list; one run each"},
      {"tune", "1.3", "arrivals as a multiple of the trace's pods (at most 3 decimals)"},
      {"threads", "0", "seeds run in parallel; 0 = one per hardware thread"},
      {"popularity", "95", "percent of GPU demand the target workload covers, 1..100"},
      {"variant", "", "re-weighted pod mix, class=factor[,..], e.g. sharing=2,multigpu=0.5"},
      {"json", "", "write the results as JSON to this file"},
      {"report", "", "write an HTML + CSV report into this directory"},
  };
  MC_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(argc, argv, 2));
  if (flags.HelpRequested()) {
    std::fputs(FlagsHelp("openb",
                         "replay the FGD paper's protocol on the Alibaba openb trace; data-dir "
                         "defaults are looked up in $MANYCHIP_DATA_DIR, then "
                         "../share/manychip beside the binary, then the installed data dir",
                         *kSpecs)
                   .c_str(),
               stdout);
    return absl::OkStatus();
  }
  MC_RETURN_IF_ERROR(flags.CheckKnown(*kSpecs));
  MC_ASSIGN_OR_RETURN(
      const std::string nodes_path,
      FlagOrDataFile(flags.Get("nodes", ""), "alibaba-gpu-v2023/openb_node_list_gpu_node.csv"));
  MC_ASSIGN_OR_RETURN(
      const std::string pods_path,
      FlagOrDataFile(flags.Get("pods", ""), "alibaba-gpu-v2023/openb_pod_list_default.csv"));
  MC_ASSIGN_OR_RETURN(const std::string catalog_path,
                      FlagOrDataFile(flags.Get("catalog", ""), "catalog/openb.json"));
  std::string profiles_dir = flags.Get("profiles-dir", "");
  if (profiles_dir.empty() && !flags.Has("profile")) {
    MC_ASSIGN_OR_RETURN(profiles_dir, FindDataFile("profiles"));
  }
  std::fprintf(stderr, "manychip-sim openb: nodes %s\nmanychip-sim openb: pods %s\n",
               nodes_path.c_str(), pods_path.c_str());
  std::fprintf(stderr, "manychip-sim openb: catalog %s\n", catalog_path.c_str());
  MC_ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> shared_catalog, LoadCatalog(catalog_path));
  MC_ASSIGN_OR_RETURN(std::vector<sim::OpenbNode> nodes,
                      sim::ReadOpenbNodes(nodes_path, shared_catalog.get()));
  MC_ASSIGN_OR_RETURN(std::vector<sim::OpenbPod> pods,
                      sim::ReadOpenbPods(pods_path, shared_catalog.get()));
  if (flags.Has("variant")) {
    // A re-weighted mix of the same pods (openb_variants.h), to check that a
    // policy generalises beyond the default trace's mix.
    absl::StatusOr<sim::OpenbVariant> v = sim::ParseOpenbVariant(flags.Get("variant", ""));
    if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("--", v.status().message()));
    MC_ASSIGN_OR_RETURN(pods, sim::DeriveOpenbVariant(pods, *v));
  }
  MC_ASSIGN_OR_RETURN(std::vector<uint64_t> seeds, ParseSeeds(flags.Get("seeds", "42-51")));
  MC_ASSIGN_OR_RETURN(int64_t tune, ParsePermille(flags.Get("tune", "1.3"), "tune"));
  MC_ASSIGN_OR_RETURN(int64_t threads, flags.GetInt("threads", 0));
  MC_ASSIGN_OR_RETURN(int64_t popularity, flags.GetInt("popularity", 95));
  if (popularity < 1 || popularity > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("--popularity: must be in 1..100, got ", popularity));
  }

  // (policy label, profile path) pairs.
  std::vector<std::pair<std::string, std::string>> runs;
  if (flags.Has("profile")) {
    const std::string path = flags.Get("profile", "");
    runs.emplace_back(flags.Get("policy", path), path);
  } else {
    std::string policy = flags.Get("policy", "fgd");
    std::vector<std::string> names =
        policy == "all" ? AllPolicies()
                        : std::vector<std::string>(absl::StrSplit(policy, ',', absl::SkipEmpty()));
    for (const std::string& n : names) {
      runs.emplace_back(n, absl::StrCat(profiles_dir, "/openb-", n, ".json"));
      std::fprintf(stderr, "manychip-sim openb: profile %s\n", runs.back().second.c_str());
    }
  }

  std::vector<sim::OpenbPolicyResult> results;
  for (const auto& [label, path] : runs) {
    MC_ASSIGN_OR_RETURN(ProfileSpec profile, codec::LoadProfileFile(path));
    sim::OpenbRunOptions base;
    base.catalog = shared_catalog;
    base.profile = std::move(profile);
    base.tune_permille = tune;
    base.popularity_percent = static_cast<int>(popularity);
    // About 1.3x the trace's pods per seed; the bar only needs a rough total.
    ProgressBar bar(label, static_cast<int64_t>(seeds.size()) * static_cast<int64_t>(pods.size()) *
                               tune / 1000 * 134 / 100);
    MC_ASSIGN_OR_RETURN(
        sim::OpenbPolicyResult r,
        sim::RunOpenbPolicy(nodes, pods, label, base, seeds, static_cast<int>(threads),
                            [&bar](int64_t done) { bar.Update(done); }));
    bar.Finish();
    std::printf(
        "%-14s unallocated GPU %% at 100%% arrival: %6.2f  at 130%%: %6.2f  "
        "frag ratio at 100%%: %5.1f%%  (%zu seeds, %.2f s)\n",
        label.c_str(), r.unallocated_at_100, r.unallocated_at_130, r.frag_ratio_at_100,
        r.seeds.size(), r.wall_seconds);
    results.push_back(std::move(r));
  }

  if (flags.Has("json")) {
    std::string text;
    if (results.size() == 1) {
      text = sim::OpenbResultJson(results[0]);
    } else {
      std::vector<std::string> parts;
      for (const auto& r : results) {
        std::string one = sim::OpenbResultJson(r);
        one.pop_back();  // trailing newline
        parts.push_back(std::move(one));
      }
      text = absl::StrCat("{\"results\":[", absl::StrJoin(parts, ","), "]}\n");
    }
    MC_RETURN_IF_ERROR(WriteFile(flags.Get("json", ""), text));
  }
  if (flags.Has("report")) {
    MC_RETURN_IF_ERROR(sim::WriteOpenbReport(flags.Get("report", ""), results));
  }
  return absl::OkStatus();
}

}  // namespace manychip::sim_app
