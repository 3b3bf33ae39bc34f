// Job JSON (job files, manychipctl) and v1::Job wire bytes (SubmitJob):
// the codec's field checks, then the scheduler's ValidateJob, then a round
// trip through JobToProto, which must accept whatever the codec accepted.

#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "manychip/codec/model.h"
#include "src/core/job_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  v1::Job proto;
  if (!fuzz::ParseMessage(fuzz::AsText(data, size), &proto)) return 0;
  const Catalog& catalog = fuzz::FuzzCatalog();
  auto job = codec::JobFromProto(proto, catalog);
  if (!job.ok()) return 0;
  if (!ValidateJob(catalog, *job).ok()) return 0;
  // What passed both checks is a job the controller stores; it must survive
  // being written and read back.
  if (!codec::JobFromProto(codec::JobToProto(*job, catalog), catalog).ok()) std::abort();
  return 0;
}
