#include "client/units.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace heapd::client {

std::string WithCommas(int64_t value) {
  const bool negative = value < 0;
  // Through unsigned, so that INT64_MIN has a magnitude too.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value)
                                : static_cast<uint64_t>(value);
  std::string digits = absl::StrCat(magnitude);
  std::string out;
  const size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out += digits.substr(0, first);
  for (size_t i = first; i < digits.size(); i += 3) {
    out += ',';
    out += digits.substr(i, 3);
  }
  return negative ? "-" + out : out;
}

std::string Nanos(double ns) {
  // A unit serves up to where three significant digits would round to 1000
  // of it (999,999 ns is "1 ms", never "1e+03 us"); seconds go on without
  // an exponent.
  const double magnitude = std::fabs(ns);
  if (magnitude < 999.5) return absl::StrFormat("%.0f ns", ns);
  if (magnitude < 999.5e3) return absl::StrFormat("%.3g us", ns / 1e3);
  if (magnitude < 999.5e6) return absl::StrFormat("%.3g ms", ns / 1e6);
  if (magnitude < 999.5e9) return absl::StrFormat("%.3g s", ns / 1e9);
  return absl::StrFormat("%.0f s", ns / 1e9);
}

std::string Bytes(int64_t bytes) {
  const double magnitude = std::llabs(bytes);
  if (magnitude < 1024) return absl::StrCat(bytes, " B");
  if (magnitude < 1024.0 * 1024) {
    return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  }
  if (magnitude < 1024.0 * 1024 * 1024) {
    return absl::StrFormat("%.1f MiB", bytes / (1024.0 * 1024));
  }
  return absl::StrFormat("%.1f GiB", bytes / (1024.0 * 1024 * 1024));
}

std::string Uptime(int64_t ns) {
  const int64_t seconds = ns / 1000000000;
  if (seconds < 60) return absl::StrCat(seconds, "s");
  if (seconds < 3600) {
    return absl::StrFormat("%dm %02ds", seconds / 60, seconds % 60);
  }
  if (seconds < 86400) {
    return absl::StrFormat("%dh %02dm", seconds / 3600, seconds % 3600 / 60);
  }
  return absl::StrFormat("%dd %02dh", seconds / 86400, seconds % 86400 / 3600);
}

std::string TypeName(int type) {
  if (!v1::ObjectType_IsValid(type)) return absl::StrCat("type<", type, ">");
  return absl::AsciiStrToLower(
      v1::ObjectType_Name(static_cast<v1::ObjectType>(type)));
}

std::string Percent(double part, double whole) {
  if (whole == 0) return "0.0";
  return absl::StrFormat("%.1f", 100.0 * part / whole);
}

}  // namespace heapd::client
