#include "src/service/server_setup.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "manychip/adapters/builtin.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/codec/profile.h"
#include "manychip/status.h"
#include "manychip/store/state_store.h"
#include "manychip/store/state_url.h"
#include "src/service/metered_store.h"
#include "src/service/quarantine.h"

namespace manychip {

absl::StatusOr<std::map<std::string, std::string>> LoadTokenFile(const std::string& path) {
  google::protobuf::Struct doc;
  MC_RETURN_IF_ERROR(codec::ReadJsonFile(path, &doc));
  std::map<std::string, std::string> out;
  for (const auto& [token, value] : doc.fields()) {
    if (token.size() < 16) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": token for \"", value.string_value(),
                                                     "\": must be at least 16 characters"));
    }
    if (value.kind_case() != google::protobuf::Value::kStringValue ||
        value.string_value().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": each token must map to a non-empty tenant or node name"));
    }
    out[token] = value.string_value();
  }
  return out;
}

namespace internal {

absl::StatusOr<std::unique_ptr<ServerParts>> BuildServerParts(const ServerOptions& o,
                                                              const LeaderTerm* term) {
  if (o.catalog_path.empty()) return absl::InvalidArgumentError("--catalog: required");
  if (o.state_path.empty()) return absl::InvalidArgumentError("--state: required");
  if (o.heartbeat_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--heartbeat_interval: must be > 0");
  }
  if (o.node_grace <= o.heartbeat_interval) {
    return absl::InvalidArgumentError("--node_grace: must be longer than --heartbeat_interval");
  }
  if (o.cycle_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--cycle_interval: must be > 0");
  }
  if (o.max_evictions_per_minute < 1) {
    return absl::InvalidArgumentError("--max_evictions_per_minute: must be >= 1");
  }
  if (o.launch_ack_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--launch_ack_timeout: must be > 0");
  }
  if (o.launch_max_sends < 1) {
    return absl::InvalidArgumentError("--launch_max_sends: must be >= 1");
  }
  if (o.launch_failure_hold < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--launch_failure_hold: must be >= 0");
  }
  if (o.max_message_bytes < 1024) {
    return absl::InvalidArgumentError("--max_message_bytes: must be >= 1024");
  }
  if (o.hello_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--hello_timeout: must be > 0");
  }
  if (o.job_limits.max_job_bytes < 1 || o.job_limits.max_field_bytes < 1 ||
      o.job_limits.max_entries < 1) {
    return absl::InvalidArgumentError(
        "--max_job_bytes, --max_job_field_bytes, --max_job_entries: "
        "must be >= 1");
  }
  if (o.watch_max_queued_bytes < 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--watch_max_queued_bytes: must be >= 1024, got ", o.watch_max_queued_bytes));
  }
  if (o.missing_adapter != "warn" && o.missing_adapter != "refuse") {
    return absl::InvalidArgumentError(
        absl::StrCat("--missing_adapter: must be warn or refuse, got \"", o.missing_adapter, "\""));
  }
  if (o.watch_max_per_caller < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--watch_max_per_caller: must be >= 1, got ", o.watch_max_per_caller));
  }
  auto parts = std::make_unique<ServerParts>();
  MC_ASSIGN_OR_RETURN(Catalog catalog, codec::LoadCatalogFile(o.catalog_path));
  parts->catalog = std::make_shared<const Catalog>(std::move(catalog));
  parts->registry = std::make_unique<AdapterRegistry>();
  MC_RETURN_IF_ERROR(RegisterBuiltinAdapters(*parts->registry));
  if (!o.adapter_dir.empty()) MC_RETURN_IF_ERROR(LoadAdapterDir(o.adapter_dir, *parts->registry));
  parts->clock = std::make_unique<RealClock>();

  // A file path, :memory:, or etcd://HOST:PORT[,...][/PREFIX] (state_url.h).
  // On etcd with HA the term opens it, fenced by the leader's token.
  std::unique_ptr<StateStore> store;
  if (term != nullptr && term->open_store) {
    MC_ASSIGN_OR_RETURN(store, term->open_store());
  } else {
    MC_ASSIGN_OR_RETURN(store, OpenStateStore(o.state_path));
  }
  parts->metrics = std::make_unique<metrics::DaemonMetrics>(o.profile.name);
  store = std::make_unique<MeteredStateStore>(std::move(store), parts->metrics.get());
  SchedulerOptions so;
  so.catalog = parts->catalog;
  so.adapters = parts->registry.get();
  so.clock = parts->clock.get();
  so.seed = o.seed;
  so.profile = o.profile;
  if (!o.http_listen.empty()) so.observer = parts->metrics->scheduler_observer();
  // Devices whose tasks wait for an eviction slot, and nodes that did not
  // acknowledge launches, take no new work.
  auto quarantine = std::make_shared<Quarantine>();
  so.extra_plugins = std::make_shared<PluginRegistry>();
  MC_RETURN_IF_ERROR(RegisterQuarantine(quarantine, *so.extra_plugins, so.profile));
  MC_ASSIGN_OR_RETURN(std::unique_ptr<Scheduler> scheduler, Scheduler::Create(std::move(so)));
  ControllerOptions co{.heartbeat_interval = o.heartbeat_interval,
                       .node_grace = o.node_grace,
                       .cycle_interval = o.cycle_interval,
                       .stop_grace = o.stop_grace,
                       .max_evictions_per_minute = o.max_evictions_per_minute,
                       .launch_ack_timeout = o.launch_ack_timeout,
                       .launch_max_sends = o.launch_max_sends,
                       .launch_failure_hold = o.launch_failure_hold,
                       .watch_max_per_caller = o.watch_max_per_caller};
  co.missing_adapter = o.missing_adapter == "refuse" ? ControllerOptions::MissingAdapter::kRefuse
                                                     : ControllerOptions::MissingAdapter::kWarn;
  co.adapter_vendors.emplace();
  for (const DeviceAdapter* a : parts->registry->device_adapters()) {
    co.adapter_vendors->insert(std::string(a->vendor()));
  }
  parts->thread = std::make_unique<ControllerThread>(o.cycle_interval);
  parts->controller =
      std::make_unique<Controller>(co, parts->clock.get(), parts->thread.get(), parts->catalog,
                                   std::move(scheduler), std::move(store), std::move(quarantine));
  if (!o.tenant_quotas_path.empty()) {
    v1::Cluster file;
    MC_RETURN_IF_ERROR(codec::ReadJsonFile(o.tenant_quotas_path, &file));
    if (file.nodes_size() > 0 || file.node_groups_size() > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tenant_quotas ", o.tenant_quotas_path,
                       ": only \"tenants\" is read; nodes come from the agents' registrations"));
    }
    std::vector<TenantQuotaSpec> quotas;
    std::set<std::string> seen;
    for (int i = 0; i < file.tenants_size(); ++i) {
      auto q = codec::QuotaFromProto(file.tenants(i), *parts->catalog);
      if (!q.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--tenant_quotas ", o.tenant_quotas_path,
                                                       ": tenants[", i,
                                                       "]: ", q.status().message()));
      }
      if (!seen.insert(q->tenant).second) {
        return absl::InvalidArgumentError(absl::StrCat("--tenant_quotas ", o.tenant_quotas_path,
                                                       ": tenants[", i, "].tenant: \"", q->tenant,
                                                       "\" appears twice"));
      }
      quotas.push_back(*std::move(q));
    }
    MC_RETURN_IF_ERROR(parts->controller->SetTenantQuotas(std::move(quotas)));
  }
  MC_RETURN_IF_ERROR(parts->controller->Restore());
  return parts;
}

}  // namespace internal
}  // namespace manychip
