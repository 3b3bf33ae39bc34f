#pragma once

// The cluster as one scrape or one dashboard refresh sees it: a copy of the
// controller's nodes and jobs taken on its thread (ClusterSnapshot), summed
// by vendor, model and host arch (SummarizePool) and per tenant, and turned
// into Prometheus gauge families at scrape time (ClusterFamilies):
//   manychip_devices_{capacity,allocated,unhealthy}_milli{vendor,model,arch}
//   manychip_h20e_{capacity,allocated,unhealthy}_milli{vendor,model,arch}
//   manychip_node_{capacity,allocated}_milli_devices{node}, manychip_node_ready{node},
//   manychip_node_schedulable{node}
//   manychip_tenant_allocated_milli_devices{tenant}, manychip_tenant_allocated_h20e_milli{tenant}
//   manychip_tenant_quota_{used,max,guaranteed}{tenant,resource} for each key a
//     tenant's quota names (cpu, memory, devices, h20e, device:<id>, vendor:<v>),
//     used counted as the core charges it (core/quota.h)
//   manychip_jobs{phase}, manychip_pending_jobs{reason}, scheduler_pending_pods{queue}
// H20-equivalents are the normalized units of core/normalized_units.h (1000 =
// one reference card, the "h20e" quota key), at the training factor: a pool
// card is not tied to a job kind (docs/design/normalized-units.md).
//
// Thread-safety: plain values and pure functions.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "manychip/core/catalog.h"
#include "manychip/core/quota.h"
#include "manychip/v1/scheduler.pb.h"
#include "prometheus/metric_family.h"

namespace manychip::metrics {

// A pending job's state for the pending gauges.
struct PendingJob {
  std::string job_id;
  // RejectReasonCode of the node reason `manychipctl explain` counts most
  // for the job's first flavor (else that flavor's outcome, e.g.
  // QUOTA_EXCEEDED), "NOT_ATTEMPTED" before the first attempt,
  // "NOT_EXAMINED" beyond the snapshot's explain budget.
  std::string reason;
  // kube-scheduler's queue names: "active" (not tried yet) or
  // "unschedulable" (tried, waiting for capacity or its back-off).
  std::string queue;
};

struct ClusterSnapshot {
  std::vector<v1::NodeStatus> nodes;              // by name
  std::vector<v1::JobStatus> jobs;                // by id
  std::vector<PendingJob> pending;                // the PENDING jobs
  std::vector<v1::ExplainResponse> explanations;  // pending jobs examined
  std::vector<TenantQuotaSpec> quotas;            // by tenant, as configured
};

// What a tenant's active tasks use, per quota resource key, charged as the
// core charges it: cpu and memory per task, devices, device:<id>,
// vendor:<vendor> and h20e (at the job's kind) per device share.
std::map<std::string, int64_t> TenantQuotaUse(const Catalog& catalog,
                                              const std::vector<v1::NodeStatus>& nodes,
                                              const std::vector<v1::JobStatus>& jobs,
                                              const std::string& tenant);

// One (vendor, model, arch) cell of the pool.
struct PoolRow {
  std::string vendor;
  std::string model;
  std::string arch;
  int64_t devices = 0;  // cards
  int64_t capacity_milli = 0;
  int64_t allocated_milli = 0;
  int64_t unhealthy_milli = 0;
  int64_t capacity_h20e_milli = 0;
  int64_t allocated_h20e_milli = 0;
  int64_t unhealthy_h20e_milli = 0;
};

struct TenantRow {
  std::string tenant;
  int64_t allocated_milli = 0;
  int64_t allocated_h20e_milli = 0;
};

// Capacity counts every device of every registered node; allocated counts
// the share of each device held by BOUND or RUNNING tasks. Rows sorted by
// vendor, model, arch.
std::vector<PoolRow> SummarizePool(const Catalog& catalog, const std::vector<v1::NodeStatus>& nodes,
                                   const std::vector<v1::JobStatus>& jobs);
// Allocation by tenant (BOUND or RUNNING tasks), sorted by tenant.
std::vector<TenantRow> SummarizeTenants(const Catalog& catalog,
                                        const std::vector<v1::NodeStatus>& nodes,
                                        const std::vector<v1::JobStatus>& jobs);

std::vector<prometheus::MetricFamily> ClusterFamilies(const Catalog& catalog,
                                                      const ClusterSnapshot& snapshot);

}  // namespace manychip::metrics
