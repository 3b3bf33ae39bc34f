/* Compiled as C99 by the build so manychip_adapter.h stays a pure C header. */
#include "manychip/adapters/c_api/manychip_adapter.h"

const mc_device_adapter* manychip_c99_check(void);
const mc_device_adapter* manychip_c99_check(void) {
  static const mc_device_adapter table = {sizeof(mc_device_adapter), MC_ADAPTER_ABI_MAJOR,
                                          MC_ADAPTER_ABI_MINOR, NULL, {"c99", 3}};
  return &table;
}
