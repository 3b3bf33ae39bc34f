#include "adapters/device/ascend/dcmi_library.h"

#include <dlfcn.h>

#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "manychip/status.h"

namespace manychip::ascend {
namespace {

// The few DCMI declarations used, written from Huawei's public DCMI API
// reference (dcmi_interface_api.h); no Ascend header is needed to build.
constexpr int kDcmiOk = 0;
constexpr int kMaxChipNameLen = 32;
constexpr int kMaxCards = 64;
struct DcmiChipInfo {
  unsigned char chip_type[kMaxChipNameLen];
  unsigned char chip_name[kMaxChipNameLen];
  unsigned char chip_ver[kMaxChipNameLen];
  unsigned int aicore_cnt;
};
struct DcmiHbmInfo {
  unsigned long long memory_size;  // MB
  unsigned int freq;
  unsigned long long memory_usage;
  int temp;
  unsigned int bandwith_util_rate;
};
struct DcmiMemoryInfo {
  unsigned long long memory_size;  // MB
  unsigned long long memory_available;
  unsigned int freq;
  unsigned long hugepagesize;
  unsigned long hugepages_total;
  unsigned long hugepages_free;
  unsigned int utiliza;
  unsigned char reserve[60];
};

struct DcmiPcieInfoAll {  // 64 bytes
  unsigned int venderid;
  unsigned int subvenderid;
  unsigned int deviceid;
  unsigned int subdeviceid;
  int domain;
  unsigned int bdf_busid;
  unsigned int bdf_deviceid;
  unsigned int bdf_funcid;
  unsigned char reserve[32];
};
static_assert(sizeof(DcmiPcieInfoAll) == 64, "dcmi_pcie_info_all is 64 bytes");

struct Dcmi {
  void* lib = nullptr;
  int (*Init)() = nullptr;
  int (*CardList)(int*, int*, int) = nullptr;
  int (*DeviceNum)(int, int*) = nullptr;
  int (*ChipInfo)(int, int, DcmiChipInfo*) = nullptr;
  int (*Health)(int, int, unsigned int*) = nullptr;
  int (*LogicId)(int*, int, int) = nullptr;
  int (*PhyFromLogic)(unsigned int, unsigned int*) = nullptr;
  // Optional: a 310P has no HBM, older drivers lack the version call.
  int (*Hbm)(int, int, DcmiHbmInfo*) = nullptr;
  int (*Memory)(int, int, DcmiMemoryInfo*) = nullptr;
  int (*DriverVersion)(char*, unsigned int) = nullptr;
  int (*PcieInfo)(int, int, DcmiPcieInfoAll*) = nullptr;
  int (*Topo)(int, int, int, int, int*) = nullptr;
};

template <typename F>
bool Load(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

absl::Status Check(int r, absl::string_view call) {
  if (r == kDcmiOk) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("dcmi: ", call, " failed with code ", r));
}

std::string CString(const unsigned char* p, size_t n) {
  const char* c = reinterpret_cast<const char*>(p);
  return std::string(c, strnlen(c, n));
}

}  // namespace

LinkClass DcmiTopoClass(int topo_type) {
  switch (topo_type) {
    case 1:
      return LinkClass::kCrossCpu;  // SYS
    case 2:
      return LinkClass::kHostBridge;  // PHB
    case 3:                           // HCCS
    case 7:                           // HCCS_SW
    case 8:                           // UB
      return LinkClass::kHighSpeed;
    case 4:
      return LinkClass::kMultiSwitch;  // PXB
    case 5:
      return LinkClass::kSingleSwitch;  // PIX
    default:
      return LinkClass::kUnknown;
  }
}

std::string DcmiHealthName(uint32_t health) {
  switch (health) {
    case 0:
      return "OK";
    case 1:
      return "Warning";
    case 2:
      return "Alarm";
    case 3:
      return "Critical";
    default:
      return absl::StrCat("Unknown(", health, ")");
  }
}

absl::StatusOr<std::optional<DcmiSnapshot>> ReadDcmiSnapshot(const std::string& library) {
  Dcmi d;
  d.lib = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (d.lib == nullptr) return std::optional<DcmiSnapshot>();
  absl::Cleanup close_lib = [&d] { dlclose(d.lib); };
  const char* missing = nullptr;
  auto need = [&](const char* name, auto* fn) {
    if (missing == nullptr && !Load(d.lib, name, fn)) missing = name;
  };
  need("dcmi_init", &d.Init);
  need("dcmi_get_card_list", &d.CardList);
  need("dcmi_get_device_num_in_card", &d.DeviceNum);
  need("dcmi_get_device_chip_info", &d.ChipInfo);
  need("dcmi_get_device_health", &d.Health);
  need("dcmi_get_device_logic_id", &d.LogicId);
  need("dcmi_get_device_phyid_from_logicid", &d.PhyFromLogic);
  if (missing != nullptr) {
    return absl::UnavailableError(absl::StrCat("dcmi: ", library, " lacks ", missing));
  }
  Load(d.lib, "dcmi_get_device_hbm_info", &d.Hbm);
  Load(d.lib, "dcmi_get_device_memory_info_v3", &d.Memory);
  Load(d.lib, "dcmi_get_driver_version", &d.DriverVersion);
  Load(d.lib, "dcmi_get_device_pcie_info_v2", &d.PcieInfo);
  Load(d.lib, "dcmi_get_topo_info_by_device_id", &d.Topo);
  if (d.Hbm == nullptr && d.Memory == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("dcmi: ", library, " lacks both memory calls (hbm_info, memory_info_v3)"));
  }
  MC_RETURN_IF_ERROR(Check(d.Init(), "dcmi_init"));

  DcmiSnapshot snap;
  if (d.DriverVersion != nullptr) {
    char buf[64] = {};
    if (d.DriverVersion(buf, sizeof(buf) - 1) == kDcmiOk) snap.driver_version = buf;
  }
  int cards[kMaxCards] = {};
  int card_num = 0;
  MC_RETURN_IF_ERROR(Check(d.CardList(&card_num, cards, kMaxCards), "dcmi_get_card_list"));
  if (card_num < 0 || card_num > kMaxCards) {
    return absl::UnavailableError(absl::StrCat("dcmi: dcmi_get_card_list reports ", card_num,
                                               " cards (at most ", kMaxCards, ")"));
  }
  for (int c = 0; c < card_num; ++c) {
    int chips = 0;
    MC_RETURN_IF_ERROR(Check(d.DeviceNum(cards[c], &chips), "dcmi_get_device_num_in_card"));
    if (chips < 0 || chips > 8) {
      return absl::UnavailableError(
          absl::StrCat("dcmi: card ", cards[c], " reports ", chips, " chips"));
    }
    for (int dev = 0; dev < chips; ++dev) {
      const std::string at = absl::StrCat(" (card ", cards[c], " chip ", dev, ")");
      DcmiChip chip;
      chip.card_id = cards[c];
      chip.device_id = dev;
      DcmiChipInfo info{};
      MC_RETURN_IF_ERROR(
          Check(d.ChipInfo(cards[c], dev, &info), absl::StrCat("dcmi_get_device_chip_info", at)));
      chip.chip_name = CString(info.chip_name, sizeof(info.chip_name));
      MC_RETURN_IF_ERROR(
          Check(d.Health(cards[c], dev, &chip.health), absl::StrCat("dcmi_get_device_health", at)));
      int logic = -1;
      MC_RETURN_IF_ERROR(
          Check(d.LogicId(&logic, cards[c], dev), absl::StrCat("dcmi_get_device_logic_id", at)));
      unsigned int phy = 0;
      MC_RETURN_IF_ERROR(Check(d.PhyFromLogic(static_cast<unsigned int>(logic), &phy),
                               absl::StrCat("dcmi_get_device_phyid_from_logicid", at)));
      chip.logic_id = logic;
      chip.phy_id = static_cast<int32_t>(phy);
      if (d.Hbm != nullptr) {
        DcmiHbmInfo hbm{};
        if (d.Hbm(cards[c], dev, &hbm) == kDcmiOk) {
          chip.memory_mib = static_cast<int64_t>(hbm.memory_size);
        }
      }
      if (chip.memory_mib <= 0 && d.Memory != nullptr) {
        DcmiMemoryInfo mem{};
        MC_RETURN_IF_ERROR(Check(d.Memory(cards[c], dev, &mem),
                                 absl::StrCat("dcmi_get_device_memory_info_v3", at)));
        chip.memory_mib = static_cast<int64_t>(mem.memory_size);
      }
      if (d.PcieInfo != nullptr) {
        DcmiPcieInfoAll pcie{};
        // Optional: a failing call leaves the bus id unknown (NUMA then too).
        if (d.PcieInfo(cards[c], dev, &pcie) == kDcmiOk) {
          if (pcie.domain < 0 || pcie.domain > 0xffff || pcie.bdf_busid > 0xff ||
              pcie.bdf_deviceid > 0x1f || pcie.bdf_funcid > 7) {
            return absl::UnavailableError(absl::StrCat(
                "dcmi: dcmi_get_device_pcie_info_v2", at, " returned bus ", pcie.domain, ":",
                pcie.bdf_busid, ":", pcie.bdf_deviceid, ".", pcie.bdf_funcid));
          }
          chip.pci_bus_id = absl::StrFormat("%04x:%02x:%02x.%x", pcie.domain, pcie.bdf_busid,
                                            pcie.bdf_deviceid, pcie.bdf_funcid);
        }
      }
      snap.chips.push_back(std::move(chip));
    }
  }
  if (d.Topo != nullptr) {
    const size_t n = snap.chips.size();
    snap.topo.assign(n, std::vector<int>(n, 0));
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        if (i == j) continue;
        const DcmiChip& a = snap.chips[i];
        const DcmiChip& b = snap.chips[j];
        int type = kDcmiTopoUnknown;
        if (d.Topo(a.card_id, a.device_id, b.card_id, b.device_id, &type) != kDcmiOk) {
          type = kDcmiTopoUnknown;
        }
        snap.topo[i][j] = type;
      }
    }
  }
  return std::optional<DcmiSnapshot>(std::move(snap));
}

}  // namespace manychip::ascend
