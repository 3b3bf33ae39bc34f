// What an agent sends on its session stream (v1::AgentMessage, JSON or wire
// bytes), handled by the daemon's Controller as if node gpu-1's agent had
// sent it. The control plane is built afresh for every input, so a run
// replays: one node of 8 H20 cards on an in-memory store, a gang of two
// tasks placed there and launched (train-1/main/0 and /1, attempt 1). The
// message then goes through OnAgentMessage and a tick, and the controller
// must still answer for the job and the node: a crash, a sanitizer report
// or an abort is a finding.

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "fuzz/fuzz_input.h"
#include "manychip/clock.h"
#include "manychip/codec/model.h"
#include "manychip/core/profile.h"
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
    "flavors": [{"name": "h20", "device_models": ["nvidia-h20"],
                 "demand": {"milli_devices": 1000, "cpu_milli": 100, "memory_mib": 64}}]
  }]
})";

struct ControlPlane {
  FakeClock clock;
  testing::ManualExecutor executor;
  std::shared_ptr<testing::FakeSessionLink> link = std::make_shared<testing::FakeSessionLink>();
  std::unique_ptr<internal::Controller> controller;
  int64_t session_id = 0;

  // False when the fixed set-up itself fails: then no input can be judged.
  bool Start() {
    auto catalog = std::make_shared<const Catalog>(fuzz::FuzzCatalog());
    auto quarantine = std::make_shared<internal::Quarantine>();
    SchedulerOptions so;
    so.catalog = catalog;
    so.clock = &clock;
    so.profile = DefaultProfile();
    so.extra_plugins = std::make_shared<PluginRegistry>();
    if (!internal::RegisterQuarantine(quarantine, *so.extra_plugins, so.profile).ok()) return false;
    auto scheduler = Scheduler::Create(std::move(so));
    if (!scheduler.ok()) return false;
    controller = std::make_unique<internal::Controller>(internal::ControllerOptions{}, &clock,
                                                        &executor, catalog, *std::move(scheduler),
                                                        NewInMemoryStateStore(), quarantine);
    if (!controller->Restore().ok()) return false;

    auto node = codec::LoadNodeFile(MANYCHIP_SOURCE_DIR "/examples/inventories/x86-h20.json",
                                    *catalog);
    if (!node.ok()) return false;
    node->name = "gpu-1";
    v1::Node proto = codec::NodeToProto(*node, *catalog);
    auto registered = controller->RegisterNode(*std::move(node), std::move(proto), {}, {});
    if (!registered.ok()) return false;
    session_id = registered->session_id();
    if (!controller->AttachSession("gpu-1", session_id, link).ok()) return false;

    v1::Job job_proto;
    if (!fuzz::ParseMessage(kJob, &job_proto)) return false;
    auto job = codec::JobFromProto(job_proto, *catalog);
    if (!job.ok()) return false;
    std::optional<bool> accepted;
    controller->Post("fuzz.submit", [&] {
      controller->SubmitJob(internal::Caller{.admin = true, .tenant = ""}, *std::move(job),
                            [&](absl::StatusOr<std::string> id) { accepted = id.ok(); });
    });
    if (!executor.RunUntilIdle() || accepted != true) return false;
    controller->Tick();
    return executor.RunUntilIdle();
  }
};

}  // namespace
}  // namespace manychip

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  v1::AgentMessage msg;
  if (!fuzz::ParseMessage(fuzz::AsText(data, size), &msg)) return 0;
  ControlPlane plane;
  if (!plane.Start()) std::abort();  // the fixed set-up must always work
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
