// Handing freed heap back to the operating system.
#pragma once

namespace sluice {

// Returns the free memory at the top of, and inside, glibc's heaps to the kernel
// (malloc_trim(3)). glibc keeps what a long-lived process frees for reuse, so a service that
// builds a large structure, swaps it in and frees the old one would otherwise keep the peak of
// every build as its resident size. Costs a walk of the heap's free lists: call it after a
// large free, not per request.
void ReleaseFreedMemory();

}  // namespace sluice
