#pragma once

// Helpers for simulator tests: the openb catalog built in code, and small
// synthetic openb-format traces.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "manychip/codec/json.h"
#include "manychip/codec/profile.h"
#include "manychip/core/catalog.h"

namespace manychip::sim::testing {

inline std::shared_ptr<const Catalog> OpenbCatalog() {
  std::vector<DeviceModelSpec> models;
  for (const char* id : {"G2", "G3", "T4", "P100", "V100M16", "V100M32", "A10"}) {
    DeviceModelSpec m;
    m.id = id;
    m.vendor = "nvidia";
    m.training_factor_milli = 1000;
    m.inference_factor_milli = 1000;
    models.push_back(m);
  }
  auto c = Catalog::Create(std::move(models), "G2");
  return std::make_shared<const Catalog>(*std::move(c));
}

// A node list of `g2` 8-GPU G2 nodes and `t4` 2-GPU T4 nodes.
inline std::string NodesCsv(int g2, int t4) {
  std::string s = "sn,cpu_milli,memory_mib,gpu,model\n";
  for (int i = 0; i < g2; ++i) absl::StrAppend(&s, "g2-", i, ",96000,786432,8,G2\n");
  for (int i = 0; i < t4; ++i) absl::StrAppend(&s, "t4-", i, ",64000,262144,2,T4\n");
  return s;
}

// A deterministic pod mix: sharing pods of several sizes, whole-GPU pods,
// multi-GPU pods, CPU-only pods, some pinned to T4.
inline std::string PodsCsv(int n) {
  std::string s =
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
      "creation_time,deletion_time,scheduled_time\n";
  const int shares[] = {250, 500, 300, 700, 1000, 1000, 200, 460};
  for (int i = 0; i < n; ++i) {
    const int kind = i % 10;
    int num = 1, milli = shares[i % 8];
    std::string spec;
    if (kind == 7) num = 2, milli = 1000;
    if (kind == 8) num = 0, milli = 0;
    if (kind == 9) spec = "T4";
    const int cpu = 2000 + (i % 7) * 1000;
    absl::StrAppend(&s, "pod-", 1000 + i, ",", cpu, ",", 4096, ",", num, ",", milli, ",", spec,
                    ",LS,Running,", i * 10, ",", i * 10 + 500, ",", i * 10, "\n");
  }
  return s;
}

inline ProfileSpec Profile(const std::string& plugin, const std::string& args_json = "") {
  std::string json = absl::StrCat(
      "{\"name\":\"t-", plugin,
      "\",\"plugins\":[{\"name\":\"queue_sort\"},{\"name\":\"resource_fit\"},", "{\"name\":\"",
      plugin, "\",\"weight\":1000", args_json.empty() ? "" : ",\"args\":", args_json, "}]}");
  v1::SchedulerProfile proto;
  if (!codec::ParseJson(json, "test-profile", &proto).ok()) return ProfileSpec{};
  auto p = codec::ProfileFromProto(proto, nullptr);
  return p.ok() ? *p : ProfileSpec{};
}

}  // namespace manychip::sim::testing
