#include "src/plugins/builtin_list.h"

#include "src/plugins/arch_filter.h"
#include "src/plugins/backfill.h"
#include "src/plugins/best_fit_score.h"
#include "src/plugins/binpack_score.h"
#include "src/plugins/cluster_topology.h"
#include "src/plugins/device_topology.h"
#include "src/plugins/dot_product_score.h"
#include "src/plugins/fair_share.h"
#include "src/plugins/fgd_lex_score.h"
#include "src/plugins/fgd_score.h"
#include "src/plugins/gang.h"
#include "src/plugins/gpu_clustering_score.h"
#include "src/plugins/gpu_packing_score.h"
#include "src/plugins/preemption.h"
#include "src/plugins/queue_sort.h"
#include "src/plugins/quota_admit.h"
#include "src/plugins/random_score.h"
#include "src/plugins/resource_fit.h"
#include "src/plugins/spread_score.h"
#include "src/plugins/stack_filter.h"
#include "src/plugins/taints_filter.h"
#include "src/plugins/throughput_score.h"

namespace manychip::plugins {

// One line per plugin: {"name", &NewPlugin}. Keep it sorted by name.
const std::vector<BuiltinEntry>& BuiltinList() {
  static const auto* list = new std::vector<BuiltinEntry>{
      {"arch", &NewArchFilter},
      {"backfill", &NewEasyBackfill},
      {"best_fit", &NewBestFitScore},
      {"binpack", &NewBinpackScore},
      {"cluster_topology", &NewClusterTopology},
      {"device_topology", &NewDeviceTopology},
      {"dot_product", &NewDotProductScore},
      {"fair_share", &NewFairShareOrder},
      {"fgd", &NewFgdScore},
      {"fgd_lex", &NewFgdLexScore},
      {"gang", &NewGangPermit},
      {"gpu_clustering", &NewGpuClusteringScore},
      {"gpu_packing", &NewGpuPackingScore},
      {"preemption", &NewPreemption},
      {"queue_sort", &NewPriorityFifoSort},
      {"quota", &NewQuotaAdmit},
      {"random", &NewRandomScore},
      {"resource_fit", &NewResourceFit},
      {"spread", &NewSpreadScore},
      {"stack", &NewStackFilter},
      {"taints", &NewTaintsFilter},
      {"throughput", &NewThroughputScore},
  };
  return *list;
}

}  // namespace manychip::plugins
