#pragma once

// Kept so in-tree code can include "adapters/discovery.h"; the declaration
// is public (installed) in manychip/adapters/discovery.h.
#include "manychip/adapters/discovery.h"
