// Splits one fuzz input into the fields a target needs, so every byte stays the fuzzer's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace foilcache::fuzz {

// Reads fields separated by `separator`; the last field takes the rest of the input.
class Fields {
 public:
  Fields(const std::uint8_t* data, std::size_t size, char separator = '\n')
      : rest_(reinterpret_cast<const char*>(data), size), separator_(separator) {}

  // The next field (empty once the input is used up).
  std::string_view next() {
    const auto end = rest_.find(separator_);
    const std::string_view field = rest_.substr(0, end);
    rest_ = end == std::string_view::npos ? std::string_view{} : rest_.substr(end + 1);
    return field;
  }
  // The next byte as a number (0 once the input is used up).
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::string_view rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
  char separator_;
};

}  // namespace foilcache::fuzz
