// What an agent sends on its session stream (v1::AgentMessage, JSON or wire
// bytes), handled by the daemon's Controller as if node gpu-1's agent had
// sent it. The control plane is built afresh for every input, so a run
// replays: one node of 8 H20 cards on an in-memory store, a gang of two
// tasks placed there and launched (train-1/main/0 and /1, attempt 1). The
// message then goes through OnAgentMessage and a tick, and the controller
// must still answer for the job and the node: a crash, a sanitizer report
// or an abort is a finding.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_input.h"
#include "manychip/clock.h"
#include "manychip/codec/model.h"
#include "manychip/core/profile.h"
#include "manychip/status.h"
#include "manychip/store/state_store.h"
#include "src/service/controller.h"
#include "src/service/quarantine.h"
#include "tests/testing/fake_session_link.h"
#include "tests/testing/manual_executor.h"

namespace manychip {
namespace {

constexpr char kJob[] = R"({
  "id": "train-1", "tenant": "team-a", "kind": "TRAINING",
  "task_groups": [{
    "name": "main", "replicas": 2, "min_available": 2, "command": "/bin/true",
    "demand": {"milli_devices": 1000, "cpu_milli": 100, "memory_mib": 64},
    "device_models": ["nvidia-h20"]
  }]
})";

struct ControlPlane {
  FakeClock clock;
  testing::ManualExecutor executor;
  std::shared_ptr<testing::FakeSessionLink> link = std::make_shared<testing::FakeSessionLink>();
  std::unique_ptr<internal::Controller> controller;
  int64_t session_id = 0;

  // An error when the fixed set-up itself fails: then no input can be judged.
  absl::Status Start() {
    auto catalog = std::make_shared<const Catalog>(fuzz::FuzzCatalog());
    auto quarantine = std::make_shared<internal::Quarantine>();
    SchedulerOptions so;
    so.catalog = catalog;
    so.clock = &clock;
    so.profile = DefaultProfile();
    so.extra_plugins = std::make_shared<PluginRegistry>();
    MC_RETURN_IF_ERROR(internal::RegisterQuarantine(quarantine, *so.extra_plugins, so.profile));
    MC_ASSIGN_OR_RETURN(std::unique_ptr<Scheduler> scheduler, Scheduler::Create(std::move(so)));
    controller = std::make_unique<internal::Controller>(internal::ControllerOptions{}, &clock,
                                                        &executor, catalog, std::move(scheduler),
                                                        NewInMemoryStateStore(), quarantine);
    MC_RETURN_IF_ERROR(controller->Restore());

    MC_ASSIGN_OR_RETURN(
        NodeSpec node,
        codec::LoadNodeFile(MANYCHIP_SOURCE_DIR "/examples/inventories/x86-h20.json", *catalog));
    node.name = "gpu-1";
    v1::Node proto = codec::NodeToProto(node, *catalog);
    MC_ASSIGN_OR_RETURN(v1::RegisterResponse registered,
                        controller->RegisterNode(std::move(node), std::move(proto), {}, {}));
    session_id = registered.session_id();
    MC_RETURN_IF_ERROR(controller->AttachSession("gpu-1", session_id, link));

    v1::Job job_proto;
    if (!fuzz::ParseMessage(kJob, &job_proto)) return absl::InternalError("kJob does not parse");
    MC_ASSIGN_OR_RETURN(JobSpec job, codec::JobFromProto(job_proto, *catalog));
    std::optional<absl::Status> accepted;
    controller->Post("fuzz.submit", [&] {
      controller->SubmitJob(internal::Caller{.admin = true, .tenant = ""}, std::move(job),
                            [&](absl::StatusOr<std::string> id) { accepted = id.status(); });
    });
    if (!executor.RunUntilIdle()) return absl::InternalError("the submit never settled");
    if (!accepted.has_value()) return absl::InternalError("the submit was never answered");
    MC_RETURN_IF_ERROR(*accepted);
    controller->Tick();
    if (!executor.RunUntilIdle()) return absl::InternalError("the first tick never settled");
    int launches = 0;
    for (const v1::ControllerMessage& m : link->sent) launches += m.has_launch() ? 1 : 0;
    if (launches != 2)
      return absl::InternalError(absl::StrCat("launched ", launches, " tasks, not 2"));
    return absl::OkStatus();
  }
};

}  // namespace
}  // namespace manychip

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  v1::AgentMessage msg;
  if (!fuzz::ParseMessage(fuzz::AsText(data, size), &msg)) return 0;
  ControlPlane plane;
  if (absl::Status s = plane.Start(); !s.ok()) {  // the fixed set-up must always work
    std::fprintf(stderr, "agent_stream set-up: %s\n", s.ToString().c_str());
    std::abort();
  }
  plane.controller->OnAgentMessage("gpu-1", plane.session_id, msg);
  plane.controller->Tick();
  if (!plane.executor.RunUntilIdle()) std::abort();
  // Whatever the message was, the job and the node are still answered for.
  if (!plane.controller->GetJob(internal::Caller{.admin = true, .tenant = ""}, "train-1").ok()) {
    std::abort();
  }
  if (plane.controller->ListNodes().empty()) std::abort();
  return 0;
}
