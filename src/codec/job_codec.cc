// v1::Job <-> JobSpec: flavors, demands, images and gang rules.

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/status.h"
#include "src/codec/field_errors.h"

namespace manychip::codec {
namespace {

using internal::Field;
using internal::FieldError;
using internal::Index;
using internal::Key;
using internal::Quote;
using internal::SortedKeys;

constexpr int32_t kMinPriority = -1000;
constexpr int32_t kMaxPriority = 1000;
constexpr int kMaxTaskGroups = 64;
constexpr int32_t kMaxReplicas = 65536;
constexpr int64_t kMaxCardsPerTask = 64;
constexpr int32_t kMaxTopologyTier = 16;
constexpr size_t kMaxNameLength = 253;

std::string IdRule(absl::string_view got) {
  return absl::StrCat("must match [a-z0-9][a-z0-9._-]{0,62}, got ", Quote(got));
}

std::string ArchList(const std::vector<std::string>& arches) { return absl::StrJoin(arches, ", "); }

// The fields a flavor is made of. For an explicit flavor they come from a
// v1::Flavor; for the implicit "default" flavor from the task group itself.
// The field names are the same in both messages, so one `path` base serves.
struct FlavorInput {
  std::string name;
  const google::protobuf::RepeatedPtrField<std::string>* device_models;
  const v1::Demand* demand;
  int32_t replicas;
  const google::protobuf::RepeatedPtrField<v1::Image>* images;
  const google::protobuf::RepeatedPtrField<v1::StackRequirement>* stacks;
  int64_t expected_throughput;
  int32_t min_available = 0;  // explicit flavors only; 0 = the group's
};

struct JobContext {
  const Catalog& catalog;
  std::vector<Arch> accepted_arches;  // empty = any
};

bool Accepted(const JobContext& ctx, Arch arch) {
  return ctx.accepted_arches.empty() ||
         std::find(ctx.accepted_arches.begin(), ctx.accepted_arches.end(), arch) !=
             ctx.accepted_arches.end();
}

absl::Status CheckStack(const v1::StackRequirement& s, const std::string& path) {
  if (!internal::IsValidToken(s.name())) {
    return FieldError(
        Field(path, "name"),
        absl::StrCat("must be a lower-case token such as \"cuda\", got ", Quote(s.name())));
  }
  if (s.min_version().empty()) return FieldError(Field(path, "min_version"), "must not be empty");
  for (char c : s.min_version()) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '-' || c == '_' || c == '+';
    if (!ok) {
      return FieldError(Field(path, "min_version"),
                        absl::StrCat("must be a version such as \"12.4\" or \"8.0.RC2\", got ",
                                     Quote(s.min_version())));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTotal(int64_t per_task, int32_t replicas, const std::string& path,
                        absl::string_view field) {
  int64_t total;
  if (__builtin_mul_overflow(per_task, static_cast<int64_t>(replicas), &total)) {
    return FieldError(Field(path, field), absl::StrCat("replicas x ", field, " overflows (",
                                                       replicas, " x ", per_task, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FlavorSpec> FlavorFromInput(
    const FlavorInput& in, const JobContext& ctx,
    const google::protobuf::RepeatedPtrField<v1::StackRequirement>& group_stacks,
    const std::string& group_path, const std::string& path) {
  FlavorSpec flavor;
  flavor.name = in.name;
  if (in.replicas < 1 || in.replicas > kMaxReplicas) {
    return FieldError(Field(path, "replicas"),
                      absl::StrCat("must be in 1..", kMaxReplicas, ", got ", in.replicas));
  }
  flavor.replicas = in.replicas;
  if (in.min_available < 0) {
    return FieldError(Field(path, "min_available"),
                      absl::StrCat("must be >= 0 (0 = the group's), got ", in.min_available));
  }
  if (in.min_available > in.replicas) {
    return FieldError(Field(path, "min_available"),
                      absl::StrCat("must be <= this flavor's replicas (", in.replicas, "), got ",
                                   in.min_available));
  }
  flavor.min_available = in.min_available;

  // Device models: resolved, unique, in catalog order.
  std::set<std::string> vendors;
  for (int i = 0; i < in.device_models->size(); ++i) {
    const std::string mpath = Index(Field(path, "device_models"), i);
    const std::string& name = in.device_models->Get(i);
    const DeviceModelSpec* model = ctx.catalog.Find(name);
    if (model == nullptr) {
      return FieldError(
          mpath, absl::StrCat("unknown device model ", Quote(name), " (not in the catalog)"));
    }
    if (std::find(flavor.device_models.begin(), flavor.device_models.end(), model->index) !=
        flavor.device_models.end()) {
      return FieldError(mpath, absl::StrCat("duplicate device model ", Quote(model->id)));
    }
    if (!ctx.accepted_arches.empty()) {
      bool any = false;
      for (Arch a : ctx.accepted_arches) any = any || model->StackShipsFor(a);
      if (!any) {
        return FieldError(mpath, absl::StrCat(model->id,
                                              " has no software stack for any accepted "
                                              "arch; it runs on ",
                                              ArchList(model->host_arches)));
      }
    }
    flavor.device_models.push_back(model->index);
    vendors.insert(model->vendor);
  }
  std::sort(flavor.device_models.begin(), flavor.device_models.end());

  // Demand.
  const std::string dpath = Field(path, "demand");
  const v1::Demand& d = *in.demand;
  const int64_t milli = d.milli_devices();
  if (milli < 0) {
    return FieldError(Field(dpath, "milli_devices"),
                      absl::StrCat("must be >= 0 (0 = CPU-only), got ", milli));
  }
  if (milli >= kMilliPerDevice && milli % kMilliPerDevice != 0) {
    return FieldError(
        Field(dpath, "milli_devices"),
        absl::StrCat("must be a multiple of 1000 (whole cards) when >= 1000, got ", milli));
  }
  if (milli > kMaxCardsPerTask * kMilliPerDevice) {
    return FieldError(Field(dpath, "milli_devices"),
                      absl::StrCat("at most ", kMaxCardsPerTask, " cards per task, got ", milli));
  }
  if (milli > 0 && flavor.device_models.empty()) {
    return FieldError(Field(path, "device_models"),
                      absl::StrCat("must name at least one model when milli_devices is ", milli));
  }
  if (milli == 0 && !flavor.device_models.empty()) {
    return FieldError(Field(dpath, "milli_devices"),
                      "must be > 0 when device_models are given (0 = CPU-only), got 0");
  }
  if (d.device_memory_mib() < 0) {
    return FieldError(Field(dpath, "device_memory_mib"),
                      absl::StrCat("must be >= 0, got ", d.device_memory_mib()));
  }
  if (milli == 0 && d.device_memory_mib() > 0) {
    return FieldError(Field(dpath, "device_memory_mib"),
                      absl::StrCat("must be 0 for a CPU-only task, got ", d.device_memory_mib()));
  }
  for (int32_t m : flavor.device_models) {
    const DeviceModelSpec& model = ctx.catalog.model(m);
    if (!model.memory.is_zero() && d.device_memory_mib() > model.memory.raw()) {
      return FieldError(Field(dpath, "device_memory_mib"),
                        absl::StrCat(d.device_memory_mib(), " exceeds the memory of ", model.id,
                                     " (", model.memory.raw(), " MiB)"));
    }
  }
  if (d.cpu_milli() < 0) {
    return FieldError(Field(dpath, "cpu_milli"), absl::StrCat("must be >= 0, got ", d.cpu_milli()));
  }
  if (milli == 0 && d.cpu_milli() == 0) {
    return FieldError(Field(dpath, "cpu_milli"),
                      "must be > 0 for a CPU-only task (milli_devices is 0)");
  }
  if (d.memory_mib() < 0) {
    return FieldError(Field(dpath, "memory_mib"),
                      absl::StrCat("must be >= 0, got ", d.memory_mib()));
  }
  MC_RETURN_IF_ERROR(CheckTotal(milli, in.replicas, dpath, "milli_devices"));
  MC_RETURN_IF_ERROR(CheckTotal(d.cpu_milli(), in.replicas, dpath, "cpu_milli"));
  MC_RETURN_IF_ERROR(CheckTotal(d.memory_mib(), in.replicas, dpath, "memory_mib"));
  MC_RETURN_IF_ERROR(
      CheckTotal(d.device_memory_mib(),
                 in.replicas * static_cast<int32_t>(std::max<int64_t>(1, milli / kMilliPerDevice)),
                 dpath, "device_memory_mib"));
  flavor.demand.devices = MilliDevices::FromRaw(milli);
  flavor.demand.device_memory = MiB::FromRaw(d.device_memory_mib());
  flavor.demand.cpu = MilliCpu::FromRaw(d.cpu_milli());
  flavor.demand.memory = MiB::FromRaw(d.memory_mib());

  // Images.
  std::set<std::pair<Arch, std::string>> platforms;
  std::set<std::string> vendors_with_image;
  for (int i = 0; i < in.images->size(); ++i) {
    const v1::Image& img = in.images->Get(i);
    const std::string ipath = Index(Field(path, "images"), i);
    if (img.arch().empty()) return FieldError(Field(ipath, "arch"), "must be set");
    auto arch = ParseArch(img.arch());
    if (!arch.ok()) return FieldError(Field(ipath, "arch"), arch.status().message());
    if (!Accepted(ctx, *arch)) {
      return FieldError(Field(ipath, "arch"),
                        absl::StrCat(ArchName(*arch), " is not in the job's accepted_arches"));
    }
    if (flavor.device_models.empty() && !img.vendor().empty()) {
      return FieldError(
          Field(ipath, "vendor"),
          absl::StrCat("must be empty for a CPU-only flavor, got ", Quote(img.vendor())));
    }
    if (!flavor.device_models.empty()) {
      if (img.vendor().empty()) {
        return FieldError(Field(ipath, "vendor"),
                          "must name the device vendor the image is built for");
      }
      if (!vendors.contains(img.vendor())) {
        return FieldError(Field(ipath, "vendor"), absl::StrCat(Quote(img.vendor()),
                                                               " is not the vendor of any of this "
                                                               "flavor's device models (",
                                                               absl::StrJoin(vendors, ", "), ")"));
      }
      bool runs = false;
      for (int32_t m : flavor.device_models) {
        const DeviceModelSpec& model = ctx.catalog.model(m);
        runs = runs || (model.vendor == img.vendor() && model.StackShipsFor(*arch));
      }
      if (!runs) {
        return FieldError(Field(ipath, "arch"), absl::StrCat("no ", img.vendor(),
                                                             " model of this flavor has a software "
                                                             "stack for ",
                                                             ArchName(*arch)));
      }
    }
    if (img.ref().empty()) return FieldError(Field(ipath, "ref"), "must not be empty");
    if (!platforms.insert({*arch, img.vendor()}).second) {
      return FieldError(ipath, absl::StrCat("duplicate image for (", ArchName(*arch), ", ",
                                            img.vendor().empty() ? "cpu" : img.vendor(), ")"));
    }
    vendors_with_image.insert(img.vendor());
    flavor.images.push_back(ImageSpec{*arch, img.vendor(), img.ref()});
  }
  if (!in.images->empty()) {
    for (const std::string& vendor : vendors) {
      if (!vendors_with_image.contains(vendor)) {
        return FieldError(Field(path, "images"),
                          absl::StrCat("no image for vendor ", Quote(vendor),
                                       ", whose models this flavor accepts"));
      }
    }
  }

  // Stack requirements: the flavor's own, then the group's.
  std::set<std::string> stack_names;
  auto add_stacks = [&](const google::protobuf::RepeatedPtrField<v1::StackRequirement>& stacks,
                        const std::string& base) -> absl::Status {
    for (int i = 0; i < stacks.size(); ++i) {
      const std::string spath = Index(Field(base, "required_stacks"), i);
      MC_RETURN_IF_ERROR(CheckStack(stacks.Get(i), spath));
      if (!stack_names.insert(stacks.Get(i).name()).second) {
        return FieldError(Field(spath, "name"), absl::StrCat("duplicate stack requirement ",
                                                             Quote(stacks.Get(i).name())));
      }
      flavor.required_stacks.push_back(
          StackRequirementSpec{stacks.Get(i).name(), stacks.Get(i).min_version()});
    }
    return absl::OkStatus();
  };
  if (in.stacks != nullptr) MC_RETURN_IF_ERROR(add_stacks(*in.stacks, path));
  MC_RETURN_IF_ERROR(add_stacks(group_stacks, group_path));

  if (in.expected_throughput < 0) {
    return FieldError(Field(path, "expected_throughput"),
                      absl::StrCat("must be >= 0 (0 = estimate), got ", in.expected_throughput));
  }
  flavor.expected_throughput = in.expected_throughput;
  return flavor;
}

absl::StatusOr<TaskGroupSpec> GroupFromProto(const v1::TaskGroup& g, const JobContext& ctx,
                                             const std::string& path) {
  TaskGroupSpec group;
  if (!IsValidId(g.name())) return FieldError(Field(path, "name"), IdRule(g.name()));
  group.name = g.name();

  if (g.flavors_size() == 0) {
    // Implicit flavor from the group's own fields; errors name those fields.
    FlavorInput in{"default", &g.device_models(), &g.demand(), g.replicas(), &g.images(), nullptr,
                   0};
    MC_ASSIGN_OR_RETURN(FlavorSpec flavor,
                        FlavorFromInput(in, ctx, g.required_stacks(), path, path));
    group.flavors.push_back(std::move(flavor));
  } else {
    // Group-level flavor fields next to explicit flavors would be ambiguous.
    if (g.replicas() != 0) {
      return FieldError(Field(path, "replicas"),
                        absl::StrCat("must not be set when flavors are given (set it per "
                                     "flavor), got ",
                                     g.replicas()));
    }
    if (g.has_demand()) {
      return FieldError(Field(path, "demand"),
                        "must not be set when flavors are given (set it per flavor)");
    }
    if (g.device_models_size() > 0) {
      return FieldError(Field(path, "device_models"),
                        "must not be set when flavors are given (set it per flavor)");
    }
    if (g.images_size() > 0) {
      return FieldError(Field(path, "images"),
                        "must not be set when flavors are given (set it per flavor)");
    }
    std::set<std::string> names;
    for (int j = 0; j < g.flavors_size(); ++j) {
      const v1::Flavor& f = g.flavors(j);
      const std::string fpath = Index(Field(path, "flavors"), j);
      if (!IsValidId(f.name())) return FieldError(Field(fpath, "name"), IdRule(f.name()));
      if (!names.insert(f.name()).second) {
        return FieldError(Field(fpath, "name"), absl::StrCat("duplicate flavor ", Quote(f.name())));
      }
      FlavorInput in{f.name(),
                     &f.device_models(),
                     &f.demand(),
                     f.replicas(),
                     &f.images(),
                     &f.required_stacks(),
                     f.expected_throughput(),
                     f.min_available()};
      MC_ASSIGN_OR_RETURN(FlavorSpec flavor,
                          FlavorFromInput(in, ctx, g.required_stacks(), path, fpath));
      group.flavors.push_back(std::move(flavor));
    }
  }

  // Measured throughputs are compared across flavors to pick the best one;
  // mixing a measured figure with "estimate from the catalog" compares two
  // different units.
  for (size_t j = 1; j < group.flavors.size(); ++j) {
    if ((group.flavors[j].expected_throughput > 0) != (group.flavors[0].expected_throughput > 0)) {
      return FieldError(
          Field(Index(Field(path, "flavors"), static_cast<int>(j)), "expected_throughput"),
          "give it for every flavor of the group or for none (one unit across "
          "flavors)");
    }
  }

  // Gang size: a flavor may carry its own min_available (8 x H100 and 16 x
  // 910B are the same gang at different sizes); the group's number is the
  // default for the flavors that do not.
  int32_t fewest = kMaxReplicas;
  int32_t most = 0;
  for (const FlavorSpec& f : group.flavors) {
    if (f.min_available > 0) continue;
    fewest = std::min(fewest, f.replicas);
    most = std::max(most, f.replicas);
  }
  if (g.min_available() < 0) {
    return FieldError(Field(path, "min_available"),
                      absl::StrCat("must be >= 0 (0 = all replicas), got ", g.min_available()));
  }
  if (g.min_available() == 0) {
    // All replicas: one number when the inheriting flavors agree, else 0,
    // which the core reads as "all replicas of the chosen flavor".
    group.min_available = fewest == most ? fewest : 0;
  } else {
    if (most > 0 && g.min_available() > fewest) {
      return FieldError(Field(path, "min_available"),
                        absl::StrCat("must be <= the replicas of every flavor without its own "
                                     "min_available (",
                                     fewest, "), got ", g.min_available()));
    }
    group.min_available = g.min_available();
  }

  const std::string tpath = Field(path, "topology");
  const v1::TopologyWish& t = g.topology();
  if (!v1::TopologyMode_IsValid(t.mode())) {
    return FieldError(Field(tpath, "mode"), absl::StrCat("unknown value ", t.mode()));
  }
  if (t.tier() < 0 || t.tier() > kMaxTopologyTier) {
    return FieldError(Field(tpath, "tier"),
                      absl::StrCat("must be in 0..", kMaxTopologyTier, ", got ", t.tier()));
  }
  if (t.mode() == v1::TOPOLOGY_MODE_UNSPECIFIED && (t.tier() != 0 || t.same_node())) {
    return FieldError(Field(tpath, "mode"),
                      "must be PREFERRED or REQUIRED when tier or same_node is set");
  }
  if (t.mode() == v1::REQUIRED && t.tier() == 0 && !t.same_node()) {
    return FieldError(Field(tpath, "tier"),
                      "must be > 0 for REQUIRED (or set same_node): 0 only means \"lowest "
                      "possible\" for PREFERRED");
  }
  group.topology.mode = static_cast<TopologyMode>(t.mode());
  group.topology.tier = t.tier();
  group.topology.same_node = t.same_node();

  group.command = g.command();
  for (const std::string& a : g.args()) group.args.push_back(a);
  for (const std::string& key : SortedKeys(g.env())) {
    if (key.empty()) return FieldError(Key(Field(path, "env"), key), "name must not be empty");
    group.env[key] = g.env().at(key);
  }
  return group;
}

}  // namespace

absl::StatusOr<JobSpec> JobFromProto(const v1::Job& proto, const Catalog& catalog) {
  JobSpec job;
  if (!proto.id().empty() && !IsValidId(proto.id())) {
    return FieldError("id", absl::StrCat(IdRule(proto.id()), " (or empty on submit)"));
  }
  job.id = proto.id();
  if (proto.name().size() > kMaxNameLength) {
    return FieldError(
        "name", absl::StrCat("at most ", kMaxNameLength, " characters, got ", proto.name().size()));
  }
  job.name = proto.name();
  if (!IsValidId(proto.tenant())) return FieldError("tenant", IdRule(proto.tenant()));
  job.tenant = proto.tenant();
  if (proto.priority() < kMinPriority || proto.priority() > kMaxPriority) {
    return FieldError("priority", absl::StrCat("must be in ", kMinPriority, "..", kMaxPriority,
                                               ", got ", proto.priority()));
  }
  job.priority = proto.priority();
  switch (proto.kind()) {
    case v1::TRAINING:
      job.kind = JobKind::kTraining;
      break;
    case v1::INFERENCE:
      job.kind = JobKind::kInference;
      break;
    case v1::BATCH:
      job.kind = JobKind::kBatch;
      break;
    default:
      return FieldError("kind", "must be TRAINING, INFERENCE or BATCH");
  }
  if (proto.duration_seconds() < 0) {
    return FieldError("duration_seconds",
                      absl::StrCat("must be >= 0, got ", proto.duration_seconds()));
  }
  job.duration = absl::Seconds(proto.duration_seconds());

  JobContext ctx{catalog, {}};
  for (int i = 0; i < proto.accepted_arches_size(); ++i) {
    const std::string apath = Index("accepted_arches", i);
    auto arch = ParseArch(proto.accepted_arches(i));
    if (!arch.ok()) return FieldError(apath, arch.status().message());
    if (std::find(ctx.accepted_arches.begin(), ctx.accepted_arches.end(), *arch) !=
        ctx.accepted_arches.end()) {
      return FieldError(apath, absl::StrCat("duplicate arch ", ArchName(*arch), " (from ",
                                            Quote(proto.accepted_arches(i)), ")"));
    }
    ctx.accepted_arches.push_back(*arch);
  }
  job.accepted_arches = ctx.accepted_arches;

  if (proto.task_groups_size() == 0) {
    return FieldError("task_groups", "must list at least one task group");
  }
  if (proto.task_groups_size() > kMaxTaskGroups) {
    return FieldError("task_groups", absl::StrCat("at most ", kMaxTaskGroups, " groups, got ",
                                                  proto.task_groups_size()));
  }
  std::set<std::string> group_names;
  for (int i = 0; i < proto.task_groups_size(); ++i) {
    const std::string gpath = Index("task_groups", i);
    MC_ASSIGN_OR_RETURN(TaskGroupSpec group, GroupFromProto(proto.task_groups(i), ctx, gpath));
    if (!group_names.insert(group.name).second) {
      return FieldError(Field(gpath, "name"),
                        absl::StrCat("duplicate task group ", Quote(group.name)));
    }
    job.task_groups.push_back(std::move(group));
  }

  if (job.kind == JobKind::kInference) {
    // 0 = no latency SLO (offline or best-effort serving); negative is a typo.
    if (proto.inference().latency_slo_ms() < 0) {
      return FieldError(
          "inference.latency_slo_ms",
          absl::StrCat("must be >= 0 (0 = no SLO), got ", proto.inference().latency_slo_ms()));
    }
    const int32_t min_replicas = proto.inference().min_replicas();
    if (min_replicas < 0) {
      return FieldError("inference.min_replicas", absl::StrCat("must be >= 0, got ", min_replicas));
    }
    for (size_t g = 0; g < job.task_groups.size(); ++g) {
      for (size_t f = 0; f < job.task_groups[g].flavors.size(); ++f) {
        const FlavorSpec& flavor = job.task_groups[g].flavors[f];
        if (min_replicas > flavor.replicas) {
          return FieldError(
              "inference.min_replicas",
              absl::StrCat(min_replicas, " exceeds the ", flavor.replicas,
                           " replicas of task_groups[", g, "] flavor ", Quote(flavor.name)));
        }
      }
    }
    job.latency_slo_ms = proto.inference().latency_slo_ms();
    job.min_replicas = min_replicas;
  } else if (proto.has_inference()) {
    return FieldError("inference", absl::StrCat("must not be set for a ", JobKindName(job.kind),
                                                " job (only INFERENCE)"));
  }

  for (const std::string& key : SortedKeys(proto.labels())) {
    if (key.empty()) return FieldError(Key("labels", key), "key must not be empty");
    job.labels[key] = proto.labels().at(key);
  }
  for (int i = 0; i < proto.tolerations_size(); ++i) {
    const v1::Toleration& t = proto.tolerations(i);
    if (t.key().empty())
      return FieldError(Field(Index("tolerations", i), "key"), "must not be empty");
    job.tolerations.push_back(TolerationSpec{t.key(), t.value()});
  }
  job.preemptible = proto.preemptible();
  return job;
}

v1::Job JobToProto(const JobSpec& job, const Catalog& catalog) {
  v1::Job out;
  out.set_id(job.id);
  out.set_name(job.name);
  out.set_tenant(job.tenant);
  out.set_priority(job.priority);
  switch (job.kind) {
    case JobKind::kTraining:
      out.set_kind(v1::TRAINING);
      break;
    case JobKind::kInference:
      out.set_kind(v1::INFERENCE);
      break;
    case JobKind::kBatch:
      out.set_kind(v1::BATCH);
      break;
  }
  for (const TaskGroupSpec& g : job.task_groups) {
    v1::TaskGroup* group = out.add_task_groups();
    group->set_name(g.name);
    group->set_min_available(g.min_available);
    for (const FlavorSpec& f : g.flavors) {
      v1::Flavor* flavor = group->add_flavors();
      flavor->set_name(f.name);
      for (int32_t m : f.device_models) {
        // See NodeToProto: a foreign index becomes "", which fails validation.
        MC_DCHECK(m >= 0 && m < catalog.size());
        flavor->add_device_models(m >= 0 && m < catalog.size() ? catalog.model(m).id : "");
      }
      v1::Demand* d = flavor->mutable_demand();
      d->set_milli_devices(f.demand.devices.raw());
      d->set_device_memory_mib(f.demand.device_memory.raw());
      d->set_cpu_milli(f.demand.cpu.raw());
      d->set_memory_mib(f.demand.memory.raw());
      flavor->set_replicas(f.replicas);
      flavor->set_min_available(f.min_available);
      for (const ImageSpec& img : f.images) {
        v1::Image* image = flavor->add_images();
        image->set_arch(std::string(ArchName(img.arch)));
        image->set_vendor(img.vendor);
        image->set_ref(img.ref);
      }
      for (const StackRequirementSpec& s : f.required_stacks) {
        v1::StackRequirement* stack = flavor->add_required_stacks();
        stack->set_name(s.name);
        stack->set_min_version(s.min_version);
      }
      flavor->set_expected_throughput(f.expected_throughput);
    }
    v1::TopologyWish* t = group->mutable_topology();
    t->set_mode(static_cast<v1::TopologyMode>(g.topology.mode));
    t->set_tier(g.topology.tier);
    t->set_same_node(g.topology.same_node);
    group->set_command(g.command);
    for (const std::string& a : g.args) group->add_args(a);
    for (const auto& [k, v] : g.env) (*group->mutable_env())[k] = v;
  }
  for (Arch a : job.accepted_arches) out.add_accepted_arches(std::string(ArchName(a)));
  if (job.kind == JobKind::kInference) {
    out.mutable_inference()->set_latency_slo_ms(job.latency_slo_ms);
    out.mutable_inference()->set_min_replicas(job.min_replicas);
  }
  out.set_duration_seconds(absl::ToInt64Seconds(job.duration));
  for (const auto& [k, v] : job.labels) (*out.mutable_labels())[k] = v;
  for (const TolerationSpec& t : job.tolerations) {
    v1::Toleration* tol = out.add_tolerations();
    tol->set_key(t.key);
    tol->set_value(t.value);
  }
  out.set_preemptible(job.preemptible);
  return out;
}

absl::StatusOr<JobSpec> LoadJobFile(const std::string& path, const Catalog& catalog) {
  return internal::LoadJsonAs<v1::Job>(
      path, [&](const v1::Job& proto) { return JobFromProto(proto, catalog); });
}

}  // namespace manychip::codec
