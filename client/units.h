// How the clients write numbers for people: thousands separators, durations
// in the unit that reads best, sizes in binary units, object type names in
// lower case. Pure functions; heapctl's formatters and heapload's report
// use them, so a duration reads the same in both.
#ifndef HEAPD_CLIENT_UNITS_H_
#define HEAPD_CLIENT_UNITS_H_

#include <cstdint>
#include <string>

#include "proto/heap.pb.h"

namespace heapd::client {

// 1234567 -> "1,234,567"; -1234 -> "-1,234".
std::string WithCommas(int64_t value);

// Nanoseconds as "0 ns", "850 ns", "12.3 us", "4.56 ms", "1.23 s": three
// significant digits, whole nanoseconds below a microsecond. A fraction of a
// nanosecond (a mean) is rounded: 123.4 -> "123 ns".
std::string Nanos(double ns);

// Bytes as "512 B", "1.5 KiB", "3.2 MiB", "1.1 GiB".
std::string Bytes(int64_t bytes);

// An uptime: "45s", "3m 05s", "2h 01m", "3d 04h".
std::string Uptime(int64_t ns);

// v1::LIST -> "list"; unknown numbers as "type<N>".
std::string TypeName(int type);

// A percentage of `part` in `whole` with one decimal ("0.0" when whole is 0).
std::string Percent(double part, double whole);

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_UNITS_H_
