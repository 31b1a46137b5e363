#include "transforms/content_hash.h"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace sluice {
namespace {

template <typename T>
void PutLittleEndian(std::string& out, T value) {
  auto u = static_cast<std::make_unsigned_t<T>>(value);
  for (size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<char>(u >> (8 * i)));
}

}  // namespace

ContentHasher::ContentHasher() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
  if (!ctx_) throw std::bad_alloc();
}

std::array<uint8_t, 16> ContentHasher::Hash(const Batch& batch, size_t row, size_t num_columns) {
  scratch_.clear();
  for (size_t c = 0; c < num_columns; ++c) {
    const Column& col = batch.column(c);
    if (col.IsNull(row)) {
      scratch_.push_back('\0');
      continue;
    }
    scratch_.push_back('\1');
    switch (col.type()) {
      case ColumnType::kText:
      case ColumnType::kUuid: {
        // The length keeps ("ab","c") and ("a","bc") apart.
        std::string_view v = col.Text(row);
        PutLittleEndian<uint64_t>(scratch_, v.size());
        scratch_.append(v);
        break;
      }
      case ColumnType::kFloat64: {
        double v = col.Float(row);
        if (v == 0) v = 0;  // -0.0 and 0.0 are the same content
        PutLittleEndian<uint64_t>(scratch_, std::bit_cast<uint64_t>(v));
        break;
      }
      default:
        PutLittleEndian<int64_t>(scratch_, col.Int(row));
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx_.get(), scratch_.data(), scratch_.size());
  EVP_DigestFinal_ex(ctx_.get(), digest, &length);
  std::array<uint8_t, 16> key;
  std::memcpy(key.data(), digest, key.size());
  return key;
}

}  // namespace sluice
