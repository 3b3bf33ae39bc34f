#include "src/metrics/cluster_metrics.h"

#include <map>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "manychip/core/normalized_units.h"

namespace manychip::metrics {
namespace {

bool Active(v1::TaskPhase p) { return p == v1::TASK_BOUND || p == v1::TASK_RUNNING; }

// Milli-devices one task holds on each of its devices: a fractional share,
// or a whole card.
int64_t PerDeviceShare(const v1::Job& job, const v1::TaskStatus& t) {
  for (const v1::TaskGroup& g : job.task_groups()) {
    if (g.name() != t.group()) continue;
    int64_t milli = g.demand().milli_devices();
    for (const v1::Flavor& f : g.flavors()) {
      if (f.name() == t.flavor()) milli = f.demand().milli_devices();
    }
    return milli > 0 && milli < 1000 ? milli : 1000;
  }
  return 1000;
}

// Capacity is not tied to a job kind: cards count at their training factor.
int64_t H20e(const Catalog& catalog, const std::string& model, int64_t milli) {
  const DeviceModelSpec* m = catalog.Find(model);
  return m == nullptr ? 0 : DeviceUnits(catalog, m->index, JobKind::kTraining, milli);
}

// node name -> device index -> model id.
using DeviceModels = absl::flat_hash_map<std::string, absl::flat_hash_map<int32_t, std::string>>;

DeviceModels IndexDevices(const std::vector<v1::NodeStatus>& nodes) {
  DeviceModels out;
  for (const v1::NodeStatus& n : nodes) {
    auto& devices = out[n.node().name()];
    for (const v1::Device& d : n.node().devices()) devices[d.index()] = d.model();
  }
  return out;
}

// Calls fn(node, model, milli) for every device share an active task holds.
template <class Fn>
void ForEachAllocation(const DeviceModels& index, const std::vector<v1::JobStatus>& jobs, Fn fn) {
  for (const v1::JobStatus& j : jobs) {
    for (const v1::TaskStatus& t : j.tasks()) {
      if (!Active(t.phase()) || t.node().empty()) continue;
      auto node = index.find(t.node());
      if (node == index.end()) continue;
      const int64_t share = PerDeviceShare(j.job(), t);
      for (int32_t d : t.devices()) {
        auto dev = node->second.find(d);
        if (dev != node->second.end()) fn(j, t.node(), dev->second, share);
      }
    }
  }
}

prometheus::ClientMetric Gauge(std::vector<prometheus::ClientMetric::Label> labels, double v) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  return m;
}

prometheus::MetricFamily Family(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  return f;
}

// The demand one task of `t`'s group and flavor asks for.
v1::Demand TaskDemand(const v1::Job& job, const v1::TaskStatus& t) {
  for (const v1::TaskGroup& g : job.task_groups()) {
    if (g.name() != t.group()) continue;
    for (const v1::Flavor& f : g.flavors()) {
      if (f.name() == t.flavor()) return f.demand();
    }
    return g.demand();
  }
  return v1::Demand();
}

JobKind KindOf(v1::JobKind k) {
  switch (k) {
    case v1::INFERENCE:
      return JobKind::kInference;
    case v1::BATCH:
      return JobKind::kBatch;
    default:
      return JobKind::kTraining;
  }
}

}  // namespace

std::map<std::string, int64_t> TenantQuotaUse(const Catalog& catalog,
                                              const std::vector<v1::NodeStatus>& nodes,
                                              const std::vector<v1::JobStatus>& jobs,
                                              const std::string& tenant) {
  std::map<std::string, int64_t> used;
  std::vector<v1::JobStatus> mine;
  for (const v1::JobStatus& j : jobs) {
    if (j.job().tenant() != tenant) continue;
    mine.push_back(j);
    for (const v1::TaskStatus& t : j.tasks()) {
      if (!Active(t.phase()) || t.node().empty()) continue;
      const v1::Demand d = TaskDemand(j.job(), t);
      used["cpu"] += d.cpu_milli();
      used["memory"] += d.memory_mib();
    }
  }
  ForEachAllocation(
      IndexDevices(nodes), mine,
      [&](const v1::JobStatus& j, const std::string&, const std::string& model, int64_t milli) {
        const DeviceModelSpec* m = catalog.Find(model);
        if (m == nullptr) return;
        used["devices"] += milli;
        used["device:" + m->id] += milli;
        used["vendor:" + m->vendor] += milli;
        used["h20e"] += DeviceUnits(catalog, m->index, KindOf(j.job().kind()), milli);
      });
  return used;
}

std::vector<PoolRow> SummarizePool(const Catalog& catalog, const std::vector<v1::NodeStatus>& nodes,
                                   const std::vector<v1::JobStatus>& jobs) {
  std::map<std::tuple<std::string, std::string, std::string>, PoolRow> rows;
  absl::flat_hash_map<std::string, std::string> arch_of;
  // Inventories may name a model by an alias ("NVIDIA H20"); rows use ids.
  auto row = [&](const std::string& model, const std::string& arch) -> PoolRow& {
    const DeviceModelSpec* m = catalog.Find(model);
    const std::string vendor = m == nullptr ? "unknown" : m->vendor;
    const std::string id = m == nullptr ? model : m->id;
    PoolRow& r = rows[{vendor, id, arch}];
    r.vendor = vendor;
    r.model = id;
    r.arch = arch;
    return r;
  };
  for (const v1::NodeStatus& n : nodes) {
    arch_of[n.node().name()] = n.node().arch();
    for (const v1::Device& d : n.node().devices()) {
      PoolRow& r = row(d.model(), n.node().arch());
      ++r.devices;
      r.capacity_milli += 1000;
      r.capacity_h20e_milli += H20e(catalog, d.model(), 1000);
      if (d.health() == v1::UNHEALTHY) {
        r.unhealthy_milli += 1000;
        r.unhealthy_h20e_milli += H20e(catalog, d.model(), 1000);
      }
    }
  }
  ForEachAllocation(
      IndexDevices(nodes), jobs,
      [&](const v1::JobStatus&, const std::string& node, const std::string& model, int64_t milli) {
        PoolRow& r = row(model, arch_of[node]);
        r.allocated_milli += milli;
        r.allocated_h20e_milli += H20e(catalog, model, milli);
      });
  std::vector<PoolRow> out;
  out.reserve(rows.size());
  for (auto& [key, r] : rows) out.push_back(std::move(r));
  return out;
}

std::vector<TenantRow> SummarizeTenants(const Catalog& catalog,
                                        const std::vector<v1::NodeStatus>& nodes,
                                        const std::vector<v1::JobStatus>& jobs) {
  std::map<std::string, TenantRow> rows;
  ForEachAllocation(
      IndexDevices(nodes), jobs,
      [&](const v1::JobStatus& j, const std::string&, const std::string& model, int64_t milli) {
        TenantRow& r = rows[j.job().tenant()];
        r.tenant = j.job().tenant();
        r.allocated_milli += milli;
        r.allocated_h20e_milli += H20e(catalog, model, milli);
      });
  std::vector<TenantRow> out;
  for (auto& [t, r] : rows) out.push_back(std::move(r));
  return out;
}

std::vector<prometheus::MetricFamily> ClusterFamilies(const Catalog& catalog,
                                                      const ClusterSnapshot& s) {
  std::vector<prometheus::MetricFamily> out;
  // Pool by vendor, model and arch, in milli-devices and H20-equivalents.
  struct PoolGauge {
    const char* name;
    const char* help;
    int64_t PoolRow::*field;
  };
  const PoolGauge pool_gauges[] = {
      {"manychip_devices_capacity_milli", "Milli-devices on registered nodes.",
       &PoolRow::capacity_milli},
      {"manychip_devices_allocated_milli", "Milli-devices held by bound or running tasks.",
       &PoolRow::allocated_milli},
      {"manychip_devices_unhealthy_milli", "Milli-devices of unhealthy devices.",
       &PoolRow::unhealthy_milli},
      {"manychip_h20e_capacity_milli", "Capacity in milli H20-equivalents (training factor).",
       &PoolRow::capacity_h20e_milli},
      {"manychip_h20e_allocated_milli", "Allocation in milli H20-equivalents.",
       &PoolRow::allocated_h20e_milli},
      {"manychip_h20e_unhealthy_milli", "Unhealthy devices in milli H20-equivalents.",
       &PoolRow::unhealthy_h20e_milli},
  };
  const std::vector<PoolRow> pool = SummarizePool(catalog, s.nodes, s.jobs);
  for (const PoolGauge& g : pool_gauges) {
    prometheus::MetricFamily f = Family(g.name, g.help);
    for (const PoolRow& r : pool) {
      f.metric.push_back(
          Gauge({{"vendor", r.vendor}, {"model", r.model}, {"arch", r.arch}}, r.*(g.field)));
    }
    out.push_back(std::move(f));
  }
  // Per node, straight from ListNodes.
  prometheus::MetricFamily cap = Family("manychip_node_capacity_milli_devices",
                                        "Milli-devices of one node (ListNodes total).");
  prometheus::MetricFamily alloc = Family("manychip_node_allocated_milli_devices",
                                          "Milli-devices allocated on one node (ListNodes).");
  prometheus::MetricFamily ready =
      Family("manychip_node_ready", "1 if the node is registered and heartbeating.");
  prometheus::MetricFamily sched =
      Family("manychip_node_schedulable", "1 unless the node is cordoned or draining.");
  for (const v1::NodeStatus& n : s.nodes) {
    const std::string& name = n.node().name();
    cap.metric.push_back(Gauge({{"node", name}}, n.total_milli_devices()));
    alloc.metric.push_back(Gauge({{"node", name}}, n.allocated_milli_devices()));
    ready.metric.push_back(Gauge({{"node", name}}, n.condition() == v1::READY ? 1 : 0));
    sched.metric.push_back(Gauge({{"node", name}}, n.schedulable() ? 1 : 0));
  }
  for (auto* f : {&cap, &alloc, &ready, &sched}) out.push_back(std::move(*f));
  // Per tenant.
  prometheus::MetricFamily tenant_milli = Family("manychip_tenant_allocated_milli_devices",
                                                 "Milli-devices held by the tenant's tasks.");
  prometheus::MetricFamily tenant_h20e = Family(
      "manychip_tenant_allocated_h20e_milli", "Milli H20-equivalents held by the tenant's tasks.");
  for (const TenantRow& t : SummarizeTenants(catalog, s.nodes, s.jobs)) {
    tenant_milli.metric.push_back(Gauge({{"tenant", t.tenant}}, t.allocated_milli));
    tenant_h20e.metric.push_back(Gauge({{"tenant", t.tenant}}, t.allocated_h20e_milli));
  }
  out.push_back(std::move(tenant_milli));
  out.push_back(std::move(tenant_h20e));
  // Quota per tenant and key: what the tenant's quota names, and its use.
  prometheus::MetricFamily quota_used =
      Family("manychip_tenant_quota_used",
             "What the tenant's active tasks use of a quota resource (milli-devices, milli-CPU, "
             "MiB, or milli H20-equivalents for h20e).");
  prometheus::MetricFamily quota_max =
      Family("manychip_tenant_quota_max", "The tenant's quota limit (max) of a resource.");
  prometheus::MetricFamily quota_guaranteed =
      Family("manychip_tenant_quota_guaranteed", "The tenant's guaranteed share of a resource.");
  for (const TenantQuotaSpec& q : s.quotas) {
    const std::map<std::string, int64_t> used = TenantQuotaUse(catalog, s.nodes, s.jobs, q.tenant);
    std::map<std::string, bool> keys;
    for (const auto& [k, v] : q.max) {
      keys[k] = true;
      quota_max.metric.push_back(Gauge({{"tenant", q.tenant}, {"resource", k}}, v));
    }
    for (const auto& [k, v] : q.guaranteed) {
      keys[k] = true;
      quota_guaranteed.metric.push_back(Gauge({{"tenant", q.tenant}, {"resource", k}}, v));
    }
    for (const auto& [k, unused] : keys) {
      auto it = used.find(k);
      quota_used.metric.push_back(
          Gauge({{"tenant", q.tenant}, {"resource", k}}, it == used.end() ? 0 : it->second));
    }
  }
  out.push_back(std::move(quota_used));
  out.push_back(std::move(quota_max));
  out.push_back(std::move(quota_guaranteed));
  // Jobs by phase; every phase present so a rate over it never has gaps.
  std::map<std::string, int64_t> phases;
  for (int p = v1::PENDING; p <= v1::CANCELLED; ++p) {
    phases[v1::JobPhase_Name(static_cast<v1::JobPhase>(p))] = 0;
  }
  for (const v1::JobStatus& j : s.jobs) ++phases[v1::JobPhase_Name(j.phase())];
  prometheus::MetricFamily jobs = Family("manychip_jobs", "Jobs known to the daemon, by phase.");
  for (const auto& [phase, n] : phases) jobs.metric.push_back(Gauge({{"phase", phase}}, n));
  out.push_back(std::move(jobs));
  // Pending jobs by reason and by kube-scheduler queue.
  std::map<std::string, int64_t> reasons;
  std::map<std::string, int64_t> queues = {{"active", 0}, {"unschedulable", 0}};
  for (const PendingJob& p : s.pending) {
    ++reasons[p.reason];
    ++queues[p.queue];
  }
  prometheus::MetricFamily by_reason = Family(
      "manychip_pending_jobs", "Pending jobs by the reason their last attempt failed (explain).");
  for (const auto& [reason, n] : reasons) {
    by_reason.metric.push_back(Gauge({{"reason", reason}}, n));
  }
  out.push_back(std::move(by_reason));
  prometheus::MetricFamily pods =
      Family("scheduler_pending_pods", "Pending jobs by scheduling queue (kube-scheduler name).");
  for (const auto& [queue, n] : queues) pods.metric.push_back(Gauge({{"queue", queue}}, n));
  out.push_back(std::move(pods));
  return out;
}

}  // namespace manychip::metrics
