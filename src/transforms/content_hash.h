// A 128-bit key derived from a row's content, for records that have no natural key (a stream,
// a review): the same content always gives the same key, across files and runs.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>

#include "core/batch.h"

namespace sluice {

class ContentHasher {
 public:
  ContentHasher();

  // Hashes columns [0, num_columns) of `row`: SHA-256 over a canonical encoding of the typed
  // values (so "1.50" and "1.5" agree), truncated to 16 bytes.
  std::array<uint8_t, 16> Hash(const Batch& batch, size_t row, size_t num_columns);

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
  std::string scratch_;
};

}  // namespace sluice
