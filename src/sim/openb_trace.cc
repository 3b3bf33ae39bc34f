#include "manychip/sim/openb_trace.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "manychip/status.h"
#include "src/sim/csv.h"

namespace manychip::sim {
namespace {

using internal::CsvTable;
using internal::ParseNonNegative;

absl::StatusOr<std::string> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat(path, ": read error"));
  return ss.str();
}

absl::StatusOr<int32_t> ResolveModel(const Catalog* catalog, absl::string_view model,
                                     absl::string_view file, int line, absl::string_view column) {
  if (catalog == nullptr) return -1;
  const DeviceModelSpec* spec = catalog->Find(model);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":", line, ": column '", column, "': unknown GPU model '", model, "'"));
  }
  return spec->index;
}

absl::StatusOr<std::optional<int64_t>> OptionalTime(const internal::CsvRow& row, int col,
                                                    absl::string_view file,
                                                    absl::string_view column) {
  if (col < 0) return std::optional<int64_t>();
  absl::string_view t = absl::StripAsciiWhitespace(row.fields[col]);
  if (t.empty()) return std::optional<int64_t>();
  MC_ASSIGN_OR_RETURN(int64_t v, ParseNonNegative(t, file, row.line, column));
  return std::optional<int64_t>(v);
}

}  // namespace

absl::StatusOr<std::vector<OpenbNode>> ParseOpenbNodes(absl::string_view text,
                                                       absl::string_view file,
                                                       const Catalog* catalog) {
  MC_ASSIGN_OR_RETURN(CsvTable table, CsvTable::Parse(text, file));
  MC_ASSIGN_OR_RETURN(int c_sn, table.Column("sn"));
  MC_ASSIGN_OR_RETURN(int c_cpu, table.Column("cpu_milli"));
  MC_ASSIGN_OR_RETURN(int c_mem, table.Column("memory_mib"));
  MC_ASSIGN_OR_RETURN(int c_gpu, table.Column("gpu"));
  MC_ASSIGN_OR_RETURN(int c_model, table.Column("model"));
  std::vector<OpenbNode> nodes;
  nodes.reserve(table.rows().size());
  for (const internal::CsvRow& row : table.rows()) {
    OpenbNode n;
    n.line = row.line;
    n.name = std::string(absl::StripAsciiWhitespace(row.fields[c_sn]));
    if (n.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", row.line, ": column 'sn': empty node name"));
    }
    MC_ASSIGN_OR_RETURN(n.cpu_milli,
                        ParseNonNegative(row.fields[c_cpu], file, row.line, "cpu_milli"));
    MC_ASSIGN_OR_RETURN(n.memory_mib,
                        ParseNonNegative(row.fields[c_mem], file, row.line, "memory_mib"));
    MC_ASSIGN_OR_RETURN(int64_t gpus, ParseNonNegative(row.fields[c_gpu], file, row.line, "gpu"));
    if (gpus > 1024) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", row.line, ": column 'gpu': must be <= 1024, got ", gpus));
    }
    n.gpu_count = static_cast<int32_t>(gpus);
    n.model = std::string(absl::StripAsciiWhitespace(row.fields[c_model]));
    if (n.gpu_count > 0) {
      if (n.model.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            file, ":", row.line, ": column 'model': empty, but the node has ", gpus, " GPUs"));
      }
      MC_ASSIGN_OR_RETURN(n.model_index, ResolveModel(catalog, n.model, file, row.line, "model"));
    }
    nodes.push_back(std::move(n));
  }
  return nodes;
}

absl::StatusOr<std::vector<OpenbNode>> ReadOpenbNodes(const std::string& path,
                                                      const Catalog* catalog) {
  MC_ASSIGN_OR_RETURN(std::string text, Slurp(path));
  return ParseOpenbNodes(text, path, catalog);
}

absl::StatusOr<std::vector<OpenbPod>> ParseOpenbPods(absl::string_view text, absl::string_view file,
                                                     const Catalog* catalog) {
  MC_ASSIGN_OR_RETURN(CsvTable table, CsvTable::Parse(text, file));
  MC_ASSIGN_OR_RETURN(int c_name, table.Column("name"));
  MC_ASSIGN_OR_RETURN(int c_cpu, table.Column("cpu_milli"));
  MC_ASSIGN_OR_RETURN(int c_mem, table.Column("memory_mib"));
  MC_ASSIGN_OR_RETURN(int c_num, table.Column("num_gpu"));
  MC_ASSIGN_OR_RETURN(int c_milli, table.Column("gpu_milli"));
  MC_ASSIGN_OR_RETURN(int c_spec, table.Column("gpu_spec"));
  // The remaining columns matter only to the time-based mode; they are
  // optional so a hand-written pod list need not carry them.
  auto optional_col = [&](absl::string_view name) {
    absl::StatusOr<int> c = table.Column(name);
    return c.ok() ? *c : -1;
  };
  const int c_qos = optional_col("qos");
  const int c_phase = optional_col("pod_phase");
  const int c_created = optional_col("creation_time");
  const int c_deleted = optional_col("deletion_time");
  const int c_scheduled = optional_col("scheduled_time");

  std::vector<OpenbPod> pods;
  pods.reserve(table.rows().size());
  for (const internal::CsvRow& row : table.rows()) {
    OpenbPod p;
    p.line = row.line;
    p.name = std::string(absl::StripAsciiWhitespace(row.fields[c_name]));
    if (p.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", row.line, ": column 'name': empty pod name"));
    }
    MC_ASSIGN_OR_RETURN(p.cpu_milli,
                        ParseNonNegative(row.fields[c_cpu], file, row.line, "cpu_milli"));
    MC_ASSIGN_OR_RETURN(p.memory_mib,
                        ParseNonNegative(row.fields[c_mem], file, row.line, "memory_mib"));
    MC_ASSIGN_OR_RETURN(int64_t num,
                        ParseNonNegative(row.fields[c_num], file, row.line, "num_gpu"));
    if (num > 1024) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", row.line, ": column 'num_gpu': must be <= 1024, got ", num));
    }
    p.num_gpu = static_cast<int32_t>(num);
    MC_ASSIGN_OR_RETURN(p.gpu_milli,
                        ParseNonNegative(row.fields[c_milli], file, row.line, "gpu_milli"));
    if (p.gpu_milli > 1000) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", row.line, ": column 'gpu_milli': must be <= 1000 (per GPU), got ",
                       p.gpu_milli));
    }
    if (p.num_gpu == 0 && p.gpu_milli != 0) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", row.line,
                                                     ": column 'gpu_milli': must be 0 when "
                                                     "num_gpu is 0, got ",
                                                     p.gpu_milli));
    }
    if (p.num_gpu > 0 && p.gpu_milli == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ":", row.line, ": column 'gpu_milli': must be > 0 when num_gpu is ", p.num_gpu));
    }
    if (p.num_gpu > 1 && p.gpu_milli != 1000) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", row.line, ": column 'gpu_milli': a pod with num_gpu ", p.num_gpu,
                       " must ask for whole GPUs (1000), got ", p.gpu_milli));
    }
    absl::string_view spec = absl::StripAsciiWhitespace(row.fields[c_spec]);
    if (!spec.empty()) {
      for (absl::string_view m : absl::StrSplit(spec, '|', absl::SkipWhitespace())) {
        m = absl::StripAsciiWhitespace(m);
        MC_ASSIGN_OR_RETURN(int32_t idx, ResolveModel(catalog, m, file, row.line, "gpu_spec"));
        p.gpu_spec.emplace_back(m);
        if (idx >= 0) p.gpu_spec_indexes.push_back(idx);
      }
      std::sort(p.gpu_spec_indexes.begin(), p.gpu_spec_indexes.end());
      p.gpu_spec_indexes.erase(std::unique(p.gpu_spec_indexes.begin(), p.gpu_spec_indexes.end()),
                               p.gpu_spec_indexes.end());
    }
    if (c_qos >= 0) p.qos = std::string(absl::StripAsciiWhitespace(row.fields[c_qos]));
    if (c_phase >= 0) p.pod_phase = std::string(absl::StripAsciiWhitespace(row.fields[c_phase]));
    MC_ASSIGN_OR_RETURN(p.creation_time, OptionalTime(row, c_created, file, "creation_time"));
    MC_ASSIGN_OR_RETURN(p.deletion_time, OptionalTime(row, c_deleted, file, "deletion_time"));
    MC_ASSIGN_OR_RETURN(p.scheduled_time, OptionalTime(row, c_scheduled, file, "scheduled_time"));
    pods.push_back(std::move(p));
  }
  return pods;
}

absl::StatusOr<std::vector<OpenbPod>> ReadOpenbPods(const std::string& path,
                                                    const Catalog* catalog) {
  MC_ASSIGN_OR_RETURN(std::string text, Slurp(path));
  return ParseOpenbPods(text, path, catalog);
}

JobSpec PodToJobSpec(const OpenbPod& p, const std::vector<int32_t>& all_models,
                     absl::string_view tenant, JobKind kind) {
  JobSpec j;
  j.id = p.name;
  j.name = p.name;
  j.tenant = std::string(tenant);
  j.kind = kind;
  TaskGroupSpec g;
  g.name = "main";
  g.min_available = 1;
  FlavorSpec f;
  f.name = "default";
  f.replicas = 1;
  if (p.num_gpu > 0) {
    f.device_models = p.gpu_spec_indexes.empty() ? all_models : p.gpu_spec_indexes;
    f.demand.devices = MilliDevices::FromRaw(
        p.num_gpu > 1 || p.gpu_milli >= 1000 ? int64_t{1000} * p.num_gpu : p.gpu_milli);
  }
  f.demand.cpu = MilliCpu::FromRaw(p.cpu_milli);
  f.demand.memory = MiB::FromRaw(p.memory_mib);
  g.flavors.push_back(std::move(f));
  j.task_groups.push_back(std::move(g));
  return j;
}

}  // namespace manychip::sim
