#include "core/memory.h"

#include <malloc.h>

namespace sluice {

void ReleaseFreedMemory() {
  malloc_trim(0);
}

}  // namespace sluice
