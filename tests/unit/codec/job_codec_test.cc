#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "tests/testing/test_catalog.h"

namespace manychip::codec {
namespace {

using ::testing::StartsWith;

// A valid two-group job: a CPU-only group with an implicit flavor and a
// two-flavor device group.
constexpr char kBaseJob[] = R"json({
  "tenant": "research",
  "kind": "TRAINING",
  "task_groups": [
    {"name": "prep", "replicas": 2, "demand": {"cpu_milli": 1000, "memory_mib": 1024}},
    {"name": "workers", "flavors": [
      {"name": "h20", "device_models": ["nvidia-h20"], "replicas": 2,
       "demand": {"milli_devices": 8000, "cpu_milli": 1000},
       "images": [{"arch": "x86_64", "vendor": "nvidia", "ref": "img:cuda"}]},
      {"name": "ascend", "device_models": ["ascend-910b"], "replicas": 2,
       "demand": {"milli_devices": 8000, "cpu_milli": 1000},
       "images": [{"arch": "aarch64", "vendor": "ascend", "ref": "img:cann"}]}
    ]}
  ]
})json";

v1::Job BaseJob() {
  v1::Job job;
  absl::Status status = ParseJson(kBaseJob, "base", &job);
  EXPECT_TRUE(status.ok()) << status;
  return job;
}

v1::Flavor* Flavor(v1::Job& job, int f) { return job.mutable_task_groups(1)->mutable_flavors(f); }
v1::Demand* FlavorDemand(v1::Job& job, int f) { return Flavor(job, f)->mutable_demand(); }

TEST(JobCodecTest, BaseJobIsValid) {
  auto job = JobFromProto(BaseJob(), testing::TestCatalog());
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->task_groups.size(), 2u);
  const TaskGroupSpec& prep = job->task_groups[0];
  ASSERT_EQ(prep.flavors.size(), 1u);
  EXPECT_EQ(prep.flavors[0].name, "default");
  EXPECT_EQ(prep.min_available, 2);  // 0 = all replicas
  EXPECT_TRUE(prep.flavors[0].demand.is_cpu_only());
  EXPECT_EQ(job->task_groups[1].flavors[1].demand.card_count(), 8);
  EXPECT_EQ(job->kind, JobKind::kTraining);
  EXPECT_TRUE(job->id.empty());  // allowed on submit
}

// The same gang as 2 x 8 H20 or 4 x 8 910B: "all replicas" is per flavor.
TEST(JobCodecTest, AllReplicasWithDifferentFlavorSizesIsPerFlavor) {
  v1::Job p = BaseJob();
  Flavor(p, 1)->set_replicas(4);
  auto job = JobFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(job.ok()) << job.status();
  const TaskGroupSpec& g = job->task_groups[1];
  EXPECT_EQ(g.min_available, 0);
  EXPECT_EQ(MinAvailable(g, 0), 2);
  EXPECT_EQ(MinAvailable(g, 1), 4);
}

TEST(JobCodecTest, FlavorMinAvailableWinsOverTheGroups) {
  v1::Job p = BaseJob();
  Flavor(p, 1)->set_replicas(8);
  Flavor(p, 1)->set_min_available(6);
  p.mutable_task_groups(1)->set_min_available(1);
  auto job = JobFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(job.ok()) << job.status();
  const TaskGroupSpec& g = job->task_groups[1];
  EXPECT_EQ(g.flavors[1].min_available, 6);
  EXPECT_EQ(MinAvailable(g, 0), 1);  // inherits the group's
  EXPECT_EQ(MinAvailable(g, 1), 6);
  // Round trip keeps both levels.
  auto again = JobFromProto(JobToProto(*job, testing::TestCatalog()), testing::TestCatalog());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->task_groups[1].min_available, 1);
  EXPECT_EQ(again->task_groups[1].flavors[1].min_available, 6);
  EXPECT_EQ(again->task_groups[1].flavors[0].min_available, 0);
}

TEST(JobCodecTest, FlavorMinAvailableFromJson) {
  v1::Job p;
  ASSERT_TRUE(
      ParseJson(
          R"json({"tenant": "research", "kind": "TRAINING", "task_groups": [{"name": "w", "flavors": [
      {"name": "h100", "device_models": ["nvidia-h100"], "replicas": 8, "min_available": 8,
       "demand": {"milli_devices": 8000, "cpu_milli": 1000}},
      {"name": "ascend", "device_models": ["ascend-910b"], "replicas": 16, "min_available": 12,
       "demand": {"milli_devices": 8000, "cpu_milli": 1000}}]}]})json",
          "job", &p)
          .ok());
  auto job = JobFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(MinAvailable(job->task_groups[0], 0), 8);
  EXPECT_EQ(MinAvailable(job->task_groups[0], 1), 12);
}

TEST(JobCodecTest, GroupStacksApplyToEveryFlavorAfterItsOwn) {
  v1::Job p = BaseJob();
  v1::StackRequirement* own = Flavor(p, 0)->add_required_stacks();
  own->set_name("cuda");
  own->set_min_version("12.1");
  v1::StackRequirement* shared = p.mutable_task_groups(1)->add_required_stacks();
  shared->set_name("python");
  shared->set_min_version("3.10");
  auto job = JobFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(job.ok()) << job.status();
  const auto& h20 = job->task_groups[1].flavors[0].required_stacks;
  ASSERT_EQ(h20.size(), 2u);
  EXPECT_EQ(h20[0].name, "cuda");
  EXPECT_EQ(h20[1].name, "python");
  ASSERT_EQ(job->task_groups[1].flavors[1].required_stacks.size(), 1u);
}

TEST(JobCodecTest, InferenceWithoutSloIsAccepted) {
  v1::Job p = BaseJob();
  p.set_kind(v1::INFERENCE);
  auto job = JobFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->kind, JobKind::kInference);
  EXPECT_EQ(job->latency_slo_ms, 0);
}

TEST(JobCodecTest, FractionalShareAndExplicitMinAvailable) {
  v1::Job p = BaseJob();
  FlavorDemand(p, 0)->set_milli_devices(250);
  FlavorDemand(p, 0)->set_device_memory_mib(20480);
  Flavor(p, 1)->set_replicas(4);
  p.mutable_task_groups(1)->set_min_available(2);
  auto job = JobFromProto(p, testing::TestCatalog());
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_TRUE(job->task_groups[1].flavors[0].demand.is_fractional());
  EXPECT_EQ(job->task_groups[1].flavors[0].demand.card_count(), 1);
  EXPECT_EQ(job->task_groups[1].min_available, 2);
}

struct BadJob {
  const char* name;
  std::function<void(v1::Job&)> mutate;
  const char* message;  // the whole message starts with this: field path + reason
};

class BadJobTest : public ::testing::TestWithParam<BadJob> {};

TEST_P(BadJobTest, IsRejectedWithFieldPath) {
  v1::Job p = BaseJob();
  GetParam().mutate(p);
  auto job = JobFromProto(p, testing::TestCatalog());
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(job.status().message()), StartsWith(GetParam().message));
}

const BadJob kBadJobs[] = {
    {"NegativeDevices", [](v1::Job& j) { FlavorDemand(j, 1)->set_milli_devices(-500); },
     "task_groups[1].flavors[1].demand.milli_devices: must be >= 0 (0 = CPU-only), got -500"},
    {"PartialCards", [](v1::Job& j) { FlavorDemand(j, 0)->set_milli_devices(1500); },
     "task_groups[1].flavors[0].demand.milli_devices: must be a multiple of 1000 (whole cards) "
     "when >= 1000, got 1500"},
    {"TooManyCards", [](v1::Job& j) { FlavorDemand(j, 0)->set_milli_devices(65000); },
     "task_groups[1].flavors[0].demand.milli_devices: at most 64 cards per task, got 65000"},
    {"ZeroDevicesWithModels", [](v1::Job& j) { FlavorDemand(j, 0)->set_milli_devices(0); },
     "task_groups[1].flavors[0].demand.milli_devices: must be > 0 when device_models are given"},
    {"DevicesWithoutModels",
     [](v1::Job& j) { j.mutable_task_groups(0)->mutable_demand()->set_milli_devices(500); },
     "task_groups[0].device_models: must name at least one model when milli_devices is 500"},
    {"UnknownModel", [](v1::Job& j) { Flavor(j, 0)->set_device_models(0, "h900"); },
     "task_groups[1].flavors[0].device_models[0]: unknown device model \"h900\""},
    {"DuplicateModelThroughAlias",
     [](v1::Job& j) { Flavor(j, 0)->add_device_models("NVIDIA H20"); },
     "task_groups[1].flavors[0].device_models[1]: duplicate device model \"nvidia-h20\""},
    {"DeviceMemoryBeyondCard",
     [](v1::Job& j) { FlavorDemand(j, 0)->set_device_memory_mib(131072); },
     "task_groups[1].flavors[0].demand.device_memory_mib: 131072 exceeds the memory of nvidia-h20 "
     "(98304 MiB)"},
    {"NegativeDeviceMemory", [](v1::Job& j) { FlavorDemand(j, 1)->set_device_memory_mib(-1); },
     "task_groups[1].flavors[1].demand.device_memory_mib: must be >= 0, got -1"},
    {"DeviceMemoryOnCpuTask",
     [](v1::Job& j) { j.mutable_task_groups(0)->mutable_demand()->set_device_memory_mib(1024); },
     "task_groups[0].demand.device_memory_mib: must be 0 for a CPU-only task, got 1024"},
    {"CpuOnlyWithoutCpu",
     [](v1::Job& j) { j.mutable_task_groups(0)->mutable_demand()->set_cpu_milli(0); },
     "task_groups[0].demand.cpu_milli: must be > 0 for a CPU-only task"},
    {"NegativeCpu", [](v1::Job& j) { FlavorDemand(j, 0)->set_cpu_milli(-1000); },
     "task_groups[1].flavors[0].demand.cpu_milli: must be >= 0, got -1000"},
    {"NegativeMemory",
     [](v1::Job& j) { j.mutable_task_groups(0)->mutable_demand()->set_memory_mib(-5); },
     "task_groups[0].demand.memory_mib: must be >= 0, got -5"},
    {"ImplicitFlavorWithoutReplicas", [](v1::Job& j) { j.mutable_task_groups(0)->set_replicas(0); },
     "task_groups[0].replicas: must be in 1..65536, got 0"},
    {"TooManyReplicas", [](v1::Job& j) { Flavor(j, 1)->set_replicas(70000); },
     "task_groups[1].flavors[1].replicas: must be in 1..65536, got 70000"},
    {"MinAvailableAboveReplicas",
     [](v1::Job& j) { j.mutable_task_groups(1)->set_min_available(3); },
     "task_groups[1].min_available: must be <= the replicas of every flavor without its own "
     "min_available (2), got 3"},
    {"NegativeMinAvailable", [](v1::Job& j) { j.mutable_task_groups(0)->set_min_available(-1); },
     "task_groups[0].min_available: must be >= 0 (0 = all replicas), got -1"},
    {"NegativeFlavorMinAvailable", [](v1::Job& j) { Flavor(j, 1)->set_min_available(-2); },
     "task_groups[1].flavors[1].min_available: must be >= 0 (0 = the group's), got -2"},
    {"FlavorMinAvailableAboveItsReplicas", [](v1::Job& j) { Flavor(j, 0)->set_min_available(3); },
     "task_groups[1].flavors[0].min_available: must be <= this flavor's replicas (2), got 3"},
    {"GroupMinAvailableAboveAnInheritingFlavor",
     [](v1::Job& j) {
       Flavor(j, 1)->set_replicas(8);
       Flavor(j, 1)->set_min_available(8);
       j.mutable_task_groups(1)->set_min_available(4);  // flavor 0 has only 2 replicas
     },
     "task_groups[1].min_available: must be <= the replicas of every flavor without its own "
     "min_available (2), got 4"},
    {"DuplicateGroup", [](v1::Job& j) { j.mutable_task_groups(1)->set_name("prep"); },
     "task_groups[1].name: duplicate task group \"prep\""},
    {"DuplicateFlavor", [](v1::Job& j) { Flavor(j, 1)->set_name("h20"); },
     "task_groups[1].flavors[1].name: duplicate flavor \"h20\""},
    {"GroupNameCharset", [](v1::Job& j) { j.mutable_task_groups(0)->set_name("Prep Step"); },
     "task_groups[0].name: must match [a-z0-9][a-z0-9._-]{0,62}, got \"Prep Step\""},
    {"EmptyFlavorName", [](v1::Job& j) { Flavor(j, 0)->clear_name(); },
     "task_groups[1].flavors[0].name: must match"},
    {"GroupReplicasBesideFlavors", [](v1::Job& j) { j.mutable_task_groups(1)->set_replicas(2); },
     "task_groups[1].replicas: must not be set when flavors are given"},
    {"GroupDemandBesideFlavors",
     [](v1::Job& j) { j.mutable_task_groups(1)->mutable_demand()->set_cpu_milli(1); },
     "task_groups[1].demand: must not be set when flavors are given"},
    {"GroupModelsBesideFlavors",
     [](v1::Job& j) { j.mutable_task_groups(1)->add_device_models("nvidia-h20"); },
     "task_groups[1].device_models: must not be set when flavors are given"},
    {"BadId", [](v1::Job& j) { j.set_id("Job_1"); },
     "id: must match [a-z0-9][a-z0-9._-]{0,62}, got \"Job_1\" (or empty on submit)"},
    {"IdTooLong", [](v1::Job& j) { j.set_id(std::string(64, 'a')); }, "id: must match"},
    {"MissingTenant", [](v1::Job& j) { j.clear_tenant(); },
     "tenant: must match [a-z0-9][a-z0-9._-]{0,62}, got \"\""},
    {"PriorityOutOfRange", [](v1::Job& j) { j.set_priority(5000); },
     "priority: must be in -1000..1000, got 5000"},
    {"MissingKind", [](v1::Job& j) { j.clear_kind(); },
     "kind: must be TRAINING, INFERENCE or BATCH"},
    {"NegativeDuration", [](v1::Job& j) { j.set_duration_seconds(-60); },
     "duration_seconds: must be >= 0, got -60"},
    {"UnknownArch", [](v1::Job& j) { j.add_accepted_arches("sparc"); },
     "accepted_arches[0]: unknown architecture \"sparc\""},
    {"DuplicateArchByAlias",
     [](v1::Job& j) {
       j.add_accepted_arches("x86_64");
       j.add_accepted_arches("amd64");
     },
     "accepted_arches[1]: duplicate arch x86_64 (from \"amd64\")"},
    {"ModelWithoutStackForAcceptedArch", [](v1::Job& j) { j.add_accepted_arches("x86_64"); },
     "task_groups[1].flavors[1].device_models[0]: ascend-910b has no software stack for any "
     "accepted arch; it runs on aarch64"},
    {"ImageArchNotAccepted",
     [](v1::Job& j) {
       j.add_accepted_arches("x86_64");
       j.add_accepted_arches("aarch64");
       v1::Image* img = Flavor(j, 0)->add_images();
       img->set_arch("riscv64");
       img->set_vendor("nvidia");
       img->set_ref("x");
     },
     "task_groups[1].flavors[0].images[1].arch: riscv64 is not in the job's accepted_arches"},
    {"ImageArchWithoutVendorStack",
     [](v1::Job& j) {
       v1::Image* img = Flavor(j, 0)->add_images();
       img->set_arch("riscv64");
       img->set_vendor("nvidia");
       img->set_ref("x");
     },
     "task_groups[1].flavors[0].images[1].arch: no nvidia model of this flavor has a software "
     "stack for riscv64"},
    {"ImageVendorMismatch",
     [](v1::Job& j) { Flavor(j, 0)->mutable_images(0)->set_vendor("ascend"); },
     "task_groups[1].flavors[0].images[0].vendor: \"ascend\" is not the vendor of any of this "
     "flavor's device models (nvidia)"},
    {"ImageWithoutVendor", [](v1::Job& j) { Flavor(j, 0)->mutable_images(0)->clear_vendor(); },
     "task_groups[1].flavors[0].images[0].vendor: must name the device vendor"},
    {"VendorImageForCpuTask",
     [](v1::Job& j) {
       v1::Image* img = j.mutable_task_groups(0)->add_images();
       img->set_arch("x86_64");
       img->set_vendor("nvidia");
       img->set_ref("x");
     },
     "task_groups[0].images[0].vendor: must be empty for a CPU-only flavor, got \"nvidia\""},
    {"ImageWithoutRef", [](v1::Job& j) { Flavor(j, 1)->mutable_images(0)->clear_ref(); },
     "task_groups[1].flavors[1].images[0].ref: must not be empty"},
    {"DuplicatePlatformByAlias",
     [](v1::Job& j) {
       v1::Image* img = Flavor(j, 0)->add_images();
       img->set_arch("amd64");
       img->set_vendor("nvidia");
       img->set_ref("other");
     },
     "task_groups[1].flavors[0].images[1]: duplicate image for (x86_64, nvidia)"},
    {"VendorWithoutImage", [](v1::Job& j) { Flavor(j, 0)->add_device_models("ppu-zw810e"); },
     "task_groups[1].flavors[0].images: no image for vendor \"ppu\""},
    {"BadStackName",
     [](v1::Job& j) {
       v1::StackRequirement* s = Flavor(j, 0)->add_required_stacks();
       s->set_name("CUDA");
       s->set_min_version("12");
     },
     "task_groups[1].flavors[0].required_stacks[0].name: must be a lower-case token"},
    {"StackWithoutVersion",
     [](v1::Job& j) { Flavor(j, 0)->add_required_stacks()->set_name("cuda"); },
     "task_groups[1].flavors[0].required_stacks[0].min_version: must not be empty"},
    {"StackTwiceGroupAndFlavor",
     [](v1::Job& j) {
       v1::StackRequirement* s = Flavor(j, 1)->add_required_stacks();
       s->set_name("cann");
       s->set_min_version("8.0.RC2");
       *j.mutable_task_groups(1)->add_required_stacks() = *s;
     },
     "task_groups[1].required_stacks[0].name: duplicate stack requirement \"cann\""},
    {"InferenceFieldsOnTraining",
     [](v1::Job& j) { j.mutable_inference()->set_latency_slo_ms(100); },
     "inference: must not be set for a training job (only INFERENCE)"},
    {"InferenceNegativeSlo",
     [](v1::Job& j) {
       j.set_kind(v1::INFERENCE);
       j.mutable_inference()->set_latency_slo_ms(-5);
     },
     "inference.latency_slo_ms: must be >= 0 (0 = no SLO), got -5"},
    {"InferenceMinReplicasAboveReplicas",
     [](v1::Job& j) {
       j.set_kind(v1::INFERENCE);
       j.mutable_inference()->set_latency_slo_ms(100);
       j.mutable_inference()->set_min_replicas(3);
     },
     "inference.min_replicas: 3 exceeds the 2 replicas of task_groups[0] flavor \"default\""},
    {"RequiredTopologyWithoutTier",
     [](v1::Job& j) { j.mutable_task_groups(1)->mutable_topology()->set_mode(v1::REQUIRED); },
     "task_groups[1].topology.tier: must be > 0 for REQUIRED"},
    {"TierWithoutMode",
     [](v1::Job& j) { j.mutable_task_groups(1)->mutable_topology()->set_tier(2); },
     "task_groups[1].topology.mode: must be PREFERRED or REQUIRED when tier or same_node is set"},
    {"TierTooDeep",
     [](v1::Job& j) {
       j.mutable_task_groups(1)->mutable_topology()->set_mode(v1::PREFERRED);
       j.mutable_task_groups(1)->mutable_topology()->set_tier(17);
     },
     "task_groups[1].topology.tier: must be in 0..16, got 17"},
    {"NegativeThroughput", [](v1::Job& j) { Flavor(j, 1)->set_expected_throughput(-1); },
     "task_groups[1].flavors[1].expected_throughput: must be >= 0 (0 = estimate), got -1"},
    {"ThroughputForSomeFlavorsOnly", [](v1::Job& j) { Flavor(j, 0)->set_expected_throughput(10); },
     "task_groups[1].flavors[1].expected_throughput: give it for every flavor of the group or "
     "for none"},
    {"TotalCpuOverflows",
     [](v1::Job& j) {
       j.mutable_task_groups(0)->mutable_demand()->set_cpu_milli(
           std::numeric_limits<int64_t>::max() / 2 + 1);
     },
     "task_groups[0].demand.cpu_milli: replicas x cpu_milli overflows"},
    {"EmptyLabelKey", [](v1::Job& j) { (*j.mutable_labels())[""] = "x"; },
     "labels[\"\"]: key must not be empty"},
    {"EmptyTolerationKey", [](v1::Job& j) { j.add_tolerations()->set_value("x"); },
     "tolerations[0].key: must not be empty"},
    {"NoTaskGroups", [](v1::Job& j) { j.clear_task_groups(); },
     "task_groups: must list at least one task group"},
    {"EmptyEnvName", [](v1::Job& j) { (*j.mutable_task_groups(0)->mutable_env())[""] = "1"; },
     "task_groups[0].env[\"\"]: name must not be empty"},
    {"NameTooLong", [](v1::Job& j) { j.set_name(std::string(300, 'x')); },
     "name: at most 253 characters, got 300"},
};

INSTANTIATE_TEST_SUITE_P(Rules, BadJobTest, ::testing::ValuesIn(kBadJobs),
                         [](const ::testing::TestParamInfo<BadJob>& info) {
                           return std::string(info.param.name);
                         });

TEST(JobCodecTest, ErrorsAreDeterministicForMaps) {
  v1::Job p = BaseJob();
  (*p.mutable_task_groups(0)->mutable_env())[""] = "1";
  (*p.mutable_labels())[""] = "x";
  std::string first(JobFromProto(p, testing::TestCatalog()).status().message());
  for (int i = 0; i < 5; ++i) {
    v1::Job copy = p;
    EXPECT_EQ(std::string(JobFromProto(copy, testing::TestCatalog()).status().message()), first);
  }
}

TEST(JobCodecTest, JsonParseErrorsNameTheFile) {
  v1::Job p;
  absl::Status status = ParseJson(R"({"tenant": "a", "replicaz": 2})", "job.json", &p);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("job.json: invalid JSON"));
}

TEST(JobCodecTest, LoadJobFilePrefixesThePath) {
  auto job = LoadJobFile("/nonexistent/job.json", testing::TestCatalog());
  EXPECT_EQ(job.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace manychip::codec
