// manychip-agent: the sample node agent.
//
//   manychip-agent --server 127.0.0.1:7070 --node gpu-1 --inventory x86-h20.json --workdir /tmp/a
//   manychip-agent --discover --dry-run [--sysfs_root DIR]     # print what this host has
//   manychip-agent --discover --dry-run --sysfs-root H/sys --tool-output-dir H/tools
//                                                              # a recorded host H
//
// With --inventory the node is simulated by the fake adapter (any vendor,
// any arch); the file is re-read every --health_poll so editing a device's
// "health" simulates a failing card. With --discover the real host and
// device adapters are asked.
//
// Exit status: 0 after SIGINT/SIGTERM, 1 if the daemon refuses the node or
// the inventory is invalid, 2 on bad flags.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "apps/common/binary_setup.h"
#include "apps/common/command_line.h"
#include "apps/common/data_files.h"
#include "apps/common/shutdown_signal.h"
#include "manychip/adapters/builtin.h"
#include "manychip/adapters/discovery.h"
#include "manychip/adapters/health_watcher.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/service/agent.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, server, "127.0.0.1:7070",
          "manychipd address, or A,B,C: the replicas of an HA manychipd (follows the leader)");
ABSL_FLAG(std::string, node, "", "node name (overrides the inventory's)");
ABSL_FLAG(std::string, inventory, "", "simulated node inventory (v1::Node JSON)");
ABSL_FLAG(bool, discover, false, "discover the real host and devices");
ABSL_FLAG(bool, dry_run, false, "print the inventory as JSON and exit");
ABSL_FLAG(std::string, adapter_dir, "", "directory of third-party adapter .so files (C ABI)");
ABSL_FLAG(std::string, sysfs_root, "/sys", "sysfs root for --discover (tests use a fixture)");
ABSL_FLAG(std::string, tool_output_dir, "",
          "--discover reads recorded vendor tool output from DIR instead of running the tools "
          "(DIR/npu-smi_info.txt, DIR/ppu-smi_query-gpu.csv, ...: see docs/adapters.md) and "
          "vendor install files under DIR/root; NVML and DCMI are not loaded");
ABSL_FLAG(std::string, nvml_library, "libnvidia-ml.so.1",
          "NVML shared object for --discover and its XID health watch (tests use a fake)");
ABSL_FLAG(std::string, catalog, "",
          "device catalog JSON (empty: catalog/devices.json in the data dir, "
          "$MANYCHIP_DATA_DIR or ../share/manychip beside the binary)");
ABSL_FLAG(std::string, workdir, "", "where task stdout/stderr files go");
ABSL_FLAG(std::string, token_file, "", "file holding this node's token");
ABSL_FLAG(std::string, tls_ca, "", "CA of the daemon's certificate (PEM): set = TLS");
ABSL_FLAG(std::string, tls_cert, "", "client certificate for mTLS (PEM)");
ABSL_FLAG(std::string, tls_key, "", "client key for mTLS (PEM)");
ABSL_FLAG(absl::Duration, backoff_initial, absl::Milliseconds(200), "first reconnect delay");
ABSL_FLAG(absl::Duration, backoff_max, absl::Seconds(10), "longest reconnect delay");
ABSL_FLAG(absl::Duration, health_poll, absl::Seconds(5), "how often device health is re-read");
ABSL_FLAG(absl::Duration, stop_grace, absl::Seconds(5), "SIGTERM -> SIGKILL for tasks at exit");
ABSL_FLAG(int32_t, test_drop_launches, 0,
          "test hook: ignore the first N LaunchTask messages (exercises the daemon's resend)");

namespace {

// Discovery options of a live (not recorded) host, from the flags.
manychip::DiscoverOptions LiveDiscoverOptions() {
  manychip::DiscoverOptions d;
  d.sysfs_root = absl::GetFlag(FLAGS_sysfs_root);
  d.nvml_library = absl::GetFlag(FLAGS_nvml_library);
  return d;
}

int Fail(const absl::Status& s, int code) {
  spdlog::error("manychip-agent: {}", s.ToString());
  return code;
}

absl::StatusOr<manychip::v1::Node> LoadInventory(const manychip::Catalog& catalog,
                                                 const std::string& node_name) {
  manychip::NodeSpec spec;
  if (const std::string inv = absl::GetFlag(FLAGS_inventory); !inv.empty()) {
    auto s = manychip::LoadFakeNode(inv, catalog);
    if (!s.ok()) return s.status();
    spec = *std::move(s);
  } else {
    manychip::AdapterRegistry registry;
    if (absl::Status s = manychip::RegisterBuiltinAdapters(registry); !s.ok()) return s;
    if (const std::string dir = absl::GetFlag(FLAGS_adapter_dir); !dir.empty()) {
      if (absl::Status s = manychip::LoadAdapterDir(dir, registry); !s.ok()) return s;
    }
    manychip::DiscoverOptions d = LiveDiscoverOptions();
    if (const std::string dir = absl::GetFlag(FLAGS_tool_output_dir); !dir.empty()) {
      d.tool_output_dir = dir;
      d.host_root = dir + "/root";
    }
    auto s = manychip::DiscoverNode(registry, catalog, d, {}, node_name);
    if (!s.ok()) return s.status();
    spec = *std::move(s);
  }
  if (!node_name.empty()) spec.name = node_name;
  return manychip::codec::NodeToProto(spec, catalog);
}

}  // namespace

int main(int argc, char** argv) {
  manychip::SetUpBinary("manychip-agent", "manychip node agent");
  manychip::NormalizeDashedFlags(argc, argv);
  absl::ParseCommandLine(argc, argv);
  const bool discover = absl::GetFlag(FLAGS_discover);
  const bool has_inventory = !absl::GetFlag(FLAGS_inventory).empty();
  if (discover == has_inventory) {
    std::cerr << "manychip-agent: give exactly one of --inventory FILE or --discover\n";
    return 2;
  }
  auto catalog_path =
      manychip::FlagOrDataFile(absl::GetFlag(FLAGS_catalog), "catalog/devices.json");
  if (!catalog_path.ok()) return Fail(catalog_path.status(), 2);
  spdlog::info("manychip-agent: catalog {}", *catalog_path);
  auto catalog = manychip::codec::LoadCatalogFile(*catalog_path);
  if (!catalog.ok()) return Fail(catalog.status(), 2);
  const std::string node_name =
      absl::GetFlag(FLAGS_node).empty() && discover ? "localhost" : absl::GetFlag(FLAGS_node);
  auto inventory = LoadInventory(*catalog, node_name);
  if (!inventory.ok()) return Fail(inventory.status(), 1);
  if (absl::GetFlag(FLAGS_dry_run)) {
    auto json = manychip::codec::ToJson(*inventory);
    if (!json.ok()) return Fail(json.status(), 1);
    std::cout << *json << "\n";
    return 0;
  }

  manychip::AgentOptions o;
  o.server = absl::GetFlag(FLAGS_server);
  o.inventory = *inventory;
  o.workdir = absl::GetFlag(FLAGS_workdir);
  o.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  o.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key = absl::GetFlag(FLAGS_tls_key);
  o.backoff_initial = absl::GetFlag(FLAGS_backoff_initial);
  o.backoff_max = absl::GetFlag(FLAGS_backoff_max);
  o.stop_grace = absl::GetFlag(FLAGS_stop_grace);
  o.test_drop_launches = absl::GetFlag(FLAGS_test_drop_launches);
  if (const std::string f = absl::GetFlag(FLAGS_token_file); !f.empty()) {
    std::ifstream in(f);
    if (!in || !std::getline(in, o.token) || o.token.empty()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("--token_file ", f, ": no token")), 2);
    }
  }

  manychip::BlockShutdownSignals();

  auto agent = manychip::Agent::Create(o);
  if (!agent.ok()) return Fail(agent.status(), 2);
  manychip::Agent* a = agent->get();
  absl::Notification stop;
  // Run() returns after Shutdown(); main then stops the health poller.
  manychip::OnShutdownSignal([a](int sig) {
    spdlog::info("manychip-agent: signal {}, stopping tasks", sig);
    a->Shutdown();
  });

  // NVML's critical XIDs arrive as events, between polls. NVML has no
  // "recovered" event and a re-discovery still lists such a GPU as healthy, so
  // a GPU marked by an XID stays unhealthy until the agent restarts (as with
  // NVIDIA's device plugin); the poll below must not report it healthy again.
  absl::Mutex xid_mu;
  std::set<int32_t> xid_unhealthy;
  std::unique_ptr<manychip::DeviceHealthWatcher> xid_watcher;
  if (discover && absl::GetFlag(FLAGS_tool_output_dir).empty()) {
    auto w = manychip::WatchNvidiaHealth(
        LiveDiscoverOptions(), [&](const manychip::DeviceHealthChange& c) {
          if (c.healthy) return;
          {
            absl::MutexLock lock(&xid_mu);
            if (!xid_unhealthy.insert(c.device_index).second) return;
          }
          spdlog::warn("device {} is now UNHEALTHY ({})", c.device_index, c.reason);
          a->ReportDeviceHealth(c.device_index, false, c.reason);
        });
    if (w.ok()) {
      xid_watcher = *std::move(w);
    } else if (absl::IsNotFound(w.status())) {
      spdlog::info("no NVML on this host: no XID health watch");
    } else {
      spdlog::warn("no XID health watch: {}", w.status().ToString());
    }
  }
  auto xid_marked = [&](int32_t device) {
    absl::MutexLock lock(&xid_mu);
    return xid_unhealthy.contains(device);
  };

  // Device health: re-read the inventory (or re-discover) and report changes.
  std::thread health([&] {
    std::map<int32_t, bool> healthy;
    for (const auto& d : o.inventory.devices())
      healthy[d.index()] = d.health() != manychip::v1::UNHEALTHY;
    while (!stop.WaitForNotificationWithTimeout(absl::GetFlag(FLAGS_health_poll))) {
      auto now = LoadInventory(*catalog, o.inventory.name());
      if (!now.ok()) {
        spdlog::warn("health poll: {}", now.status().ToString());
        continue;
      }
      for (const auto& d : now->devices()) {
        if (xid_marked(d.index())) {  // already reported by the watcher
          healthy[d.index()] = false;
          continue;
        }
        const bool h = d.health() != manychip::v1::UNHEALTHY;
        if (healthy.contains(d.index()) && healthy[d.index()] != h) {
          spdlog::info("device {} is now {}", d.index(), h ? "healthy" : "UNHEALTHY");
          a->ReportDeviceHealth(d.index(), h, d.health_reason());
        }
        healthy[d.index()] = h;
      }
    }
  });

  absl::Status s = (*agent)->Run();
  stop.Notify();
  health.join();
  xid_watcher.reset();  // its callback uses the agent
  agent->reset();
  if (!s.ok()) return Fail(s, 1);
  return 0;
}
