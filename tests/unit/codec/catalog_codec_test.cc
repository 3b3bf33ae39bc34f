#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "tests/testing/paths.h"
#include "tests/testing/test_catalog.h"

namespace manychip::codec {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Catalog ShippedProto() {
  v1::Catalog proto;
  auto status = ReadJsonFile(testing::SourcePath("examples/catalog/devices.json"), &proto);
  EXPECT_TRUE(status.ok()) << status;
  return proto;
}

TEST(CatalogCodecTest, ShippedCatalogHasEveryRequiredModel) {
  const Catalog& catalog = testing::TestCatalog();
  for (const char* id : {"nvidia-a800", "nvidia-h20", "nvidia-h100", "ascend-910b", "ascend-310p",
                         "kunlun-p800", "kunlun-r200", "ppu-zw810e", "cambricon-mlu370",
                         "cambricon-mlu590", "hygon-k100", "metax-c500", "biren-br104"}) {
    const DeviceModelSpec* m = catalog.Find(id);
    ASSERT_NE(m, nullptr) << id;
    EXPECT_EQ(m->id, id);
    EXPECT_FALSE(m->vendor.empty()) << id;
    EXPECT_FALSE(m->software_stack.empty()) << id;
  }
  EXPECT_EQ(catalog.reference().id, "nvidia-h20");
  // Vendor keys are the adapters' keys.
  const std::pair<const char*, const char*> vendors[] = {{"nvidia-h100", "nvidia"},
                                                         {"ascend-310p", "ascend"},
                                                         {"kunlun-r200", "kunlun"},
                                                         {"ppu-zw810e", "ppu"},
                                                         {"cambricon-mlu590", "cambricon"},
                                                         {"hygon-k100", "hygon"},
                                                         {"metax-c500", "metax"},
                                                         {"biren-br104", "biren"},
                                                         {"moore-threads-s4000", "moore-threads"},
                                                         {"enflame-s60", "enflame"},
                                                         {"iluvatar-bi-v150", "iluvatar"}};
  for (const auto& [id, vendor] : vendors) EXPECT_EQ(catalog.Find(id)->vendor, vendor) << id;
  EXPECT_EQ(catalog.ModelsOfVendor("ascend").size(), 6u);  // 910B family, B2-B4, 910A, 310P
}

TEST(CatalogCodecTest, EveryShippedFigureHasSourceAndConfidence) {
  v1::Catalog proto = ShippedProto();
  int figures = 0;
  for (const v1::DeviceModel& m : proto.models()) {
    const google::protobuf::Reflection* r = m.GetReflection();
    const google::protobuf::Descriptor* d = m.GetDescriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* f = d->field(i);
      if (f->message_type() != v1::Figure::descriptor() || !r->HasField(m, f)) continue;
      const auto& fig = static_cast<const v1::Figure&>(r->GetMessage(m, f));
      ++figures;
      EXPECT_GT(fig.value(), 0) << m.id() << "." << f->name();
      EXPECT_FALSE(fig.source().empty()) << m.id() << "." << f->name();
      EXPECT_NE(fig.confidence(), v1::CONFIDENCE_UNSPECIFIED) << m.id() << "." << f->name();
    }
    for (const v1::PartitionProfile& p : m.partitions()) {
      EXPECT_FALSE(p.source().empty()) << m.id() << " " << p.name();
    }
  }
  EXPECT_GT(figures, 100);
}

TEST(CatalogCodecTest, FactorsAreSaneAndReferenceIsOne) {
  const Catalog& catalog = testing::TestCatalog();
  const DeviceModelSpec& h20 = catalog.reference();
  EXPECT_EQ(h20.training_factor_milli, 1000);
  EXPECT_EQ(h20.inference_factor_milli, 1000);
  for (const DeviceModelSpec& m : catalog.models()) {
    EXPECT_GT(m.training_factor_milli, 0) << m.id;
    EXPECT_GT(m.inference_factor_milli, 0) << m.id;
    EXPECT_LT(m.training_factor_milli, 20000) << m.id;
    EXPECT_LT(m.inference_factor_milli, 20000) << m.id;
  }
  // Derived from dense BF16: H100 989 / H20 148; inference from bandwidth.
  EXPECT_EQ(catalog.Find("nvidia-h100")->training_factor_milli, 6682);
  EXPECT_EQ(catalog.Find("nvidia-h100")->inference_factor_milli, 838);
  // H100 trains faster than A800, which trains faster than H20.
  EXPECT_GT(catalog.Find("nvidia-h100")->training_factor_milli,
            catalog.Find("nvidia-a800")->training_factor_milli);
  EXPECT_GT(catalog.Find("nvidia-a800")->training_factor_milli, 1000);
}

TEST(CatalogCodecTest, FactorsWithoutFiguresAreExplicitAndUnverified) {
  // A model whose factor cannot be derived from its own figures carries an
  // explicit factor flagged UNVERIFIED with its reasoning, never a silent 1.0.
  const v1::Catalog proto = ShippedProto();
  for (const v1::DeviceModel& m : proto.models()) {
    if (m.id() == "nvidia-h20") continue;
    if (!m.has_bf16_tflops() && !m.has_fp16_tflops()) {
      ASSERT_TRUE(m.has_training_factor_milli()) << m.id();
    }
    if (m.has_training_factor_milli()) {
      EXPECT_EQ(m.training_factor_milli().confidence(), v1::UNVERIFIED) << m.id();
      EXPECT_GT(m.training_factor_milli().source().size(), 20u) << m.id();
    }
    if (!m.has_memory_bandwidth_gbps()) {
      ASSERT_TRUE(m.has_inference_factor_milli()) << m.id();
      EXPECT_EQ(m.inference_factor_milli().confidence(), v1::UNVERIFIED) << m.id();
      EXPECT_GT(m.inference_factor_milli().source().size(), 20u) << m.id();
    }
  }
}

TEST(CatalogCodecTest, IdRule) {
  EXPECT_TRUE(IsValidId("a"));
  EXPECT_TRUE(IsValidId("nvidia-h20"));
  EXPECT_TRUE(IsValidId("0.x_y-z"));
  EXPECT_TRUE(IsValidId(std::string(63, 'a')));
  EXPECT_FALSE(IsValidId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("-a"));
  EXPECT_FALSE(IsValidId(".a"));
  EXPECT_FALSE(IsValidId("A"));
  EXPECT_FALSE(IsValidId("a b"));
  EXPECT_FALSE(IsValidId("a/b"));
}

TEST(CatalogCodecTest, PciIdsFromVendorsDoc) {
  const Catalog& catalog = testing::TestCatalog();
  EXPECT_EQ(catalog.Find("nvidia-h100")->pci_device_ids, std::vector<std::string>{"2330"});
  EXPECT_EQ(catalog.Find("ascend-910b")->pci_vendor_id, "19e5");
  EXPECT_EQ(catalog.Find("hygon-k100")->pci_device_ids, std::vector<std::string>{"62b7"});
  EXPECT_EQ(catalog.Find("cambricon-mlu590")->pci_vendor_id, "cabc");
  EXPECT_EQ(catalog.Find("moore-threads-s4000")->pci_vendor_id, "1ed5");
}

TEST(CatalogCodecTest, AliasesResolveToolNames) {
  const Catalog& catalog = testing::TestCatalog();
  EXPECT_EQ(catalog.Find("NVIDIA H20")->id, "nvidia-h20");
  EXPECT_EQ(catalog.Find("910B3")->id, "ascend-910b3");
  EXPECT_EQ(catalog.Find("p800")->id, "kunlun-p800");
  EXPECT_EQ(catalog.Find("PPU-ZW810E")->id, "ppu-zw810e");
  EXPECT_EQ(catalog.Find("MXC500")->id, "metax-c500");
  EXPECT_EQ(catalog.Find("no-such-card"), nullptr);
}

TEST(CatalogCodecTest, PartitionsAndHostArchesAreLoaded) {
  const Catalog& catalog = testing::TestCatalog();
  const DeviceModelSpec* h20 = catalog.Find("nvidia-h20");
  ASSERT_EQ(h20->partitions.size(), 4u);
  EXPECT_EQ(h20->partitions[0].name, "1g.12gb");
  EXPECT_EQ(h20->partitions[0].memory.raw(), 12288);
  EXPECT_EQ(h20->partitions[3].share.raw(), 1000);
  const DeviceModelSpec* p800 = catalog.Find("kunlun-p800");
  ASSERT_EQ(p800->partitions.size(), 3u);
  EXPECT_EQ(p800->partitions[0].share.raw(), 250);
  EXPECT_EQ(p800->host_arches, std::vector<std::string>{"x86_64"});
  EXPECT_EQ(catalog.Find("ascend-910b")->host_arches, std::vector<std::string>{"aarch64"});
  EXPECT_EQ(catalog.Find("kunlun-p800")->pci_vendor_id, "1d22");
}

// ---- bad catalogs ------------------------------------------------------------

v1::Catalog Minimal() {
  v1::Catalog c;
  c.set_reference_model("ref");
  v1::DeviceModel* m = c.add_models();
  m->set_id("ref");
  m->set_vendor("nvidia");
  m->set_name("Ref");
  m->set_software_stack("cuda");
  m->mutable_bf16_tflops()->set_value(100);
  m->mutable_bf16_tflops()->set_source("test");
  m->mutable_bf16_tflops()->set_confidence(v1::VERIFIED);
  m->mutable_memory_bandwidth_gbps()->set_value(1000);
  m->mutable_memory_bandwidth_gbps()->set_source("test");
  m->mutable_memory_bandwidth_gbps()->set_confidence(v1::VERIFIED);
  return c;
}

void ExpectBad(const v1::Catalog& c, const std::string& path_and_reason) {
  auto catalog = CatalogFromProto(c);
  ASSERT_FALSE(catalog.ok()) << path_and_reason;
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(catalog.status().message()), StartsWith(path_and_reason));
}

TEST(CatalogCodecTest, MinimalCatalogLoads) {
  auto catalog = CatalogFromProto(Minimal());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->reference().training_factor_milli, 1000);
}

TEST(CatalogCodecTest, RejectsFigureWithoutSource) {
  v1::Catalog c = Minimal();
  c.mutable_models(0)->mutable_bf16_tflops()->clear_source();
  ExpectBad(c, "models[0].bf16_tflops.source: must name");
}

TEST(CatalogCodecTest, RejectsFigureWithoutConfidence) {
  v1::Catalog c = Minimal();
  c.mutable_models(0)->mutable_memory_bandwidth_gbps()->clear_confidence();
  ExpectBad(c, "models[0].memory_bandwidth_gbps.confidence: must be");
}

TEST(CatalogCodecTest, RejectsZeroFigure) {
  v1::Catalog c = Minimal();
  c.mutable_models(0)->mutable_tdp_watts()->set_source("x");
  ExpectBad(c, "models[0].tdp_watts.value: must be > 0 (omit a figure that is not known), got 0");
}

TEST(CatalogCodecTest, RejectsUnknownReference) {
  v1::Catalog c = Minimal();
  c.set_reference_model("nope");
  ExpectBad(c, "reference_model: unknown model id \"nope\"");
}

TEST(CatalogCodecTest, RejectsModelWithoutDerivableFactor) {
  v1::Catalog c = Minimal();
  v1::DeviceModel* m = c.add_models();
  m->set_id("mystery");
  m->set_vendor("other");
  m->set_name("Mystery");
  m->set_software_stack("x");
  ExpectBad(c, "models[1].training_factor_milli: must be given");
  m->mutable_training_factor_milli()->set_value(700);
  m->mutable_training_factor_milli()->set_source("guess");
  m->mutable_training_factor_milli()->set_confidence(v1::UNVERIFIED);
  ExpectBad(c, "models[1].inference_factor_milli: must be given");
}

TEST(CatalogCodecTest, RejectsBadIdsAndKeys) {
  v1::Catalog c = Minimal();
  c.mutable_models(0)->set_vendor("NVIDIA");
  ExpectBad(c, "models[0].vendor: must be a lower-case key");
  c = Minimal();
  c.mutable_models(0)->set_pci_vendor_id("10DE");
  ExpectBad(c, "models[0].pci_vendor_id: must be 4 lower-case hex digits, got \"10DE\"");
  c = Minimal();
  c.mutable_models(0)->add_host_arches("sparc");
  ExpectBad(c, "models[0].host_arches[0]: unknown architecture");
}

TEST(CatalogCodecTest, RejectsDuplicateAliasAcrossModels) {
  v1::Catalog c = Minimal();
  *c.add_models() = c.models(0);
  c.mutable_models(1)->set_id("other");
  c.mutable_models(1)->add_aliases("REF");
  ExpectBad(c, "models[1]: name \"REF\" already names model \"ref\"");
}

TEST(CatalogCodecTest, RejectsPartitionLargerThanCard) {
  v1::Catalog c = Minimal();
  v1::PartitionProfile* p = c.mutable_models(0)->add_partitions();
  p->set_name("big");
  p->set_kind("mig");
  p->set_milli_devices(1500);
  p->set_source("x");
  ExpectBad(c, "models[0].partitions[0].milli_devices: must be in 1..1000, got 1500");
}

TEST(CatalogCodecTest, MissingFileIsNotFound) {
  auto catalog = LoadCatalogFile("/nonexistent/devices.json");
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace manychip::codec

namespace manychip {
namespace {

TEST(CatalogCreateTest, RejectsModelWhoseTrainingFactorCannotBeDerived) {
  DeviceModelSpec ref;
  ref.id = "ref";
  ref.bf16_tflops = 100;
  DeviceModelSpec blank;
  blank.id = "blank";
  auto catalog = Catalog::Create({ref, blank}, "ref");
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(catalog.status().message()),
              ::testing::StartsWith("models[1].training_factor_milli: cannot be derived"));
  blank.training_factor_milli = 500;
  catalog = Catalog::Create({ref, blank}, "ref");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  // No bandwidth anywhere: inference falls back to the training factor.
  EXPECT_EQ(catalog->Find("blank")->inference_factor_milli, 500);
  EXPECT_EQ(catalog->Find("ref")->inference_factor_milli, 1000);
}

}  // namespace
}  // namespace manychip
