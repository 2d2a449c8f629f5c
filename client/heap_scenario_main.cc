// heap_scenario FILE [--server=ADDR] [--verbose] [--quiet] [--json]: runs one
// heap scenario against heapd, as `heapctl run` does (see
// client/scenario_command.h for the arguments and exit codes).
#include <iostream>
#include <string>
#include <vector>

#include "client/scenario_command.h"

int main(int argc, char** argv) {
  return heapd::scenario::RunScenarioCommand(
      std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
