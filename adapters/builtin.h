#pragma once

// Kept so in-tree code can include "adapters/builtin.h"; the declarations
// are public (installed) in manychip/adapters/builtin.h.
#include "manychip/adapters/builtin.h"
