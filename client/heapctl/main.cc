// heapctl: the command-line client of heapd. Everything is in
// cli.h; this only hands over the process's arguments and streams.
#include <iostream>
#include <string>
#include <vector>

#include "client/heapctl/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int code = heapd::heapctl::RunHeapctl(args, std::cout, std::cerr);
  std::cout.flush();
  return code;
}
