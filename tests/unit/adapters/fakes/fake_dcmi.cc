// A fake libdcmi.so for the DCMI discovery tests: implements only the
// dcmi_* calls adapters/device/ascend/dcmi_library.cc uses, with the
// signatures of Huawei's public DCMI API. What it reports is chosen per test
// through the environment, read on every dcmi_init:
//   FAKE_DCMI_CARDS      number of cards (default 8), one chip each, or
//                        two chips each with FAKE_DCMI_CHIPS=2
//   FAKE_DCMI_NAME       chip name (default "910B3")
//   FAKE_DCMI_SICK_CARD  card whose chip reports health 3 (critical)
//   FAKE_DCMI_INIT_RC    dcmi_init's return code (default 0)
//   FAKE_DCMI_DUP_LOGIC  make every chip report logical id 0
//   FAKE_DCMI_NO_HBM     report no HBM (a 310P): memory comes from
//                        dcmi_get_device_memory_info_v3 (24576 MB DDR)
//   FAKE_DCMI_TOPO       links between chips: "mesh" (default; HCCS between
//                        all), "pcie" (PIX inside cards 0-3 and 4-7, SYS
//                        across), "none" (every pair "not supported"),
//                        "lopsided" (card 0 to 1 HCCS, 1 to 0 PIX)
//   FAKE_DCMI_PCIE_RC    dcmi_get_device_pcie_info_v2's return code (0);
//                        "bad" instead returns an impossible device number
// Bus ids: single-chip cards 0-7 sit at 0000:{01,02,41,42,81,82,c1,c2}:00.0
// (the recorded ascend-910b8 host's sysfs tree), others at bus 0x10*card+chip+1.
// Built as FAKE_DCMI_OMIT_HEALTH=1 it lacks dcmi_get_device_health.

#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int Env(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

struct ChipInfo {
  unsigned char chip_type[32];
  unsigned char chip_name[32];
  unsigned char chip_ver[32];
  unsigned int aicore_cnt;
};
struct MemoryInfo {
  unsigned long long memory_size;
  unsigned long long memory_available;
  unsigned int freq;
  unsigned long hugepagesize;
  unsigned long hugepages_total;
  unsigned long hugepages_free;
  unsigned int utiliza;
  unsigned char reserve[60];
};
struct HbmInfo {
  unsigned long long memory_size;
  unsigned int freq;
  unsigned long long memory_usage;
  int temp;
  unsigned int bandwith_util_rate;
};

struct PcieInfoAll {
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

std::string EnvStr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : v;
}

int g_cards = 0;
int g_chips = 1;

bool Valid(int card, int dev) { return card >= 0 && card < g_cards && dev >= 0 && dev < g_chips; }

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int dcmi_init(void) {
  g_cards = Env("FAKE_DCMI_CARDS", 8);
  g_chips = Env("FAKE_DCMI_CHIPS", 1);
  return Env("FAKE_DCMI_INIT_RC", 0);
}

__attribute__((visibility("default"))) int dcmi_get_driver_version(char* out, unsigned int len) {
  std::strncpy(out, "24.1.rc2", len);
  return 0;
}

__attribute__((visibility("default"))) int dcmi_get_card_list(int* num, int* list, int len) {
  if (g_cards > len) return -8001;
  *num = g_cards;
  for (int i = 0; i < g_cards; ++i) list[i] = i;
  return 0;
}

__attribute__((visibility("default"))) int dcmi_get_device_num_in_card(int card, int* num) {
  if (!Valid(card, 0)) return -8001;
  *num = g_chips;
  return 0;
}

__attribute__((visibility("default"))) int dcmi_get_device_chip_info(int card, int dev,
                                                                     ChipInfo* info) {
  if (!Valid(card, dev)) return -8001;
  std::memset(info, 0, sizeof(*info));
  const char* name = std::getenv("FAKE_DCMI_NAME");
  std::strncpy(reinterpret_cast<char*>(info->chip_type), "Ascend", 31);
  std::strncpy(reinterpret_cast<char*>(info->chip_name), name != nullptr ? name : "910B3", 31);
  info->aicore_cnt = 20;
  return 0;
}

#ifndef FAKE_DCMI_OMIT_HEALTH
__attribute__((visibility("default"))) int dcmi_get_device_health(int card, int dev,
                                                                  unsigned int* health) {
  if (!Valid(card, dev)) return -8001;
  *health = card == Env("FAKE_DCMI_SICK_CARD", -1) ? 3 : 0;
  return 0;
}
#endif

// Logical ids run over cards then chips; physical ids are the reverse order,
// so a test can tell the two apart.
__attribute__((visibility("default"))) int dcmi_get_device_logic_id(int* logic, int card, int dev) {
  if (!Valid(card, dev)) return -8001;
  *logic = Env("FAKE_DCMI_DUP_LOGIC", 0) != 0 ? 0 : card * g_chips + dev;
  return 0;
}

__attribute__((visibility("default"))) int dcmi_get_device_phyid_from_logicid(unsigned int logic,
                                                                              unsigned int* phy) {
  const unsigned int n = static_cast<unsigned int>(g_cards * g_chips);
  if (logic >= n) return -8001;
  *phy = n - 1 - logic;
  return 0;
}

__attribute__((visibility("default"))) int dcmi_get_device_hbm_info(int card, int dev,
                                                                    HbmInfo* hbm) {
  if (!Valid(card, dev)) return -8001;
  std::memset(hbm, 0, sizeof(*hbm));
  hbm->memory_size = Env("FAKE_DCMI_NO_HBM", 0) != 0 ? 0 : 65536;
  return 0;
}

__attribute__((visibility("default"))) int dcmi_get_device_memory_info_v3(int card, int dev,
                                                                          MemoryInfo* mem) {
  if (!Valid(card, dev)) return -8001;
  std::memset(mem, 0, sizeof(*mem));
  mem->memory_size = 24576;
  return 0;
}

__attribute__((visibility("default"))) int dcmi_get_device_pcie_info_v2(int card, int dev,
                                                                        PcieInfoAll* info) {
  if (!Valid(card, dev)) return -8001;
  if (EnvStr("FAKE_DCMI_PCIE_RC", "0") != "bad" && Env("FAKE_DCMI_PCIE_RC", 0) != 0) {
    return Env("FAKE_DCMI_PCIE_RC", 0);
  }
  std::memset(info, 0, sizeof(*info));
  static const unsigned int kBus[] = {0x01, 0x02, 0x41, 0x42, 0x81, 0x82, 0xc1, 0xc2};
  info->venderid = 0x19e5;
  info->deviceid = 0xd802;
  info->bdf_busid = g_chips == 1 && card < 8 ? kBus[card] : 0x10u * card + dev + 1;
  info->bdf_deviceid = EnvStr("FAKE_DCMI_PCIE_RC", "0") == "bad" ? 40 : 0;
  return 0;
}

// DCMI topology types: SELF=0, SYS=1, PHB=2, HCCS=3, PXB=4, PIX=5.
__attribute__((visibility("default"))) int dcmi_get_topo_info_by_device_id(int card1, int dev1,
                                                                           int card2, int dev2,
                                                                           int* type) {
  if (!Valid(card1, dev1) || !Valid(card2, dev2)) return -8001;
  const std::string mode = EnvStr("FAKE_DCMI_TOPO", "mesh");
  if (card1 == card2 && dev1 == dev2) {
    *type = 0;
  } else if (mode == "none") {
    return -8255;  // DCMI_ERR_CODE_NOT_SUPPORT
  } else if (mode == "pcie") {
    *type = (card1 < 4) == (card2 < 4) ? 5 : 1;
  } else if (mode == "lopsided" && card1 == 1 && card2 == 0) {
    *type = 5;
  } else {
    *type = 3;
  }
  return 0;
}

}  // extern "C"
