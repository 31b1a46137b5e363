// The logins benchmarks' input: realistic login events that all pass, and a fixed key.
#pragma once

#include <string>
#include <vector>

namespace sluice::logins::bench {

// A fixed benchmark key: it protects nothing.
inline const std::string kKey =
    "bench:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw="
    "=";

// `n` distinct login events, every field present, each valid.
inline std::vector<std::string> Messages(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back("{\"user_id\": \"424cdd21-063a-43a7-b91b-" + std::to_string(100000000000 + i) +
                  "\", \"app_version\": \"2." + std::to_string(i % 20) +
                  ".0\", \"device_type\": \"android\", \"ip\": \"199.172." +
                  std::to_string(i % 256) + "." + std::to_string(i / 256 % 256) +
                  "\", \"locale\": \"RU\", \"device_id\": \"593-47-" +
                  std::to_string(1000 + i % 9000) + "\"}");
  }
  return out;
}

}  // namespace sluice::logins::bench
