// The `heapctl top` loop: poll, render (top.cc), redraw in place.
#include <unistd.h>

#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "client/heapctl/terminal.h"
#include "client/heapctl/top.h"

namespace heapd::heapctl {
namespace {

// Exit code after Ctrl-C, as shells report a SIGINT death.
constexpr int kExitInterrupted = 130;

int RunTop(Context& context, const Command& self) {
  const Args& args = context.args;
  if (!args.words.empty()) {
    return UsageError(context, self, "top takes no words");
  }
  if (context.json) {
    return UsageError(context, self,
                      "top draws a terminal view; for JSON use heapctl stats "
                      "--json (or diff --json --interval)");
  }
  absl::StatusOr<int64_t> interval_ms = args.Int("interval_ms", 1000);
  absl::StatusOr<int64_t> iterations = args.Int("iterations", 0);
  if (!interval_ms.ok() || *interval_ms < 50) {
    return UsageError(context, self, "--interval_ms is at least 50");
  }
  if (!iterations.ok() || *iterations < 0) {
    return UsageError(context, self, "--iterations is a count (0: until q)");
  }

  std::optional<v1::StatsResponse> previous;
  int code = kExitOk;
  absl::Status failure;
  {
    TerminalSession terminal(STDIN_FILENO, STDOUT_FILENO);
    for (int64_t frame = 0; *iterations == 0 || frame < *iterations; ++frame) {
      absl::StatusOr<v1::StatsResponse> stats = context.client.Stats();
      if (!stats.ok()) {
        failure = stats.status();
        break;
      }
      const std::vector<std::string> lines = RenderTop(
          *stats, previous ? &*previous : nullptr,
          context.client.options().address, std::min(terminal.columns(), 80),
          std::min(terminal.rows(), 24));
      // Home, each line then clear-to-end-of-line, clear below: redrawn in
      // place without flicker.
      std::string screen = "\x1b[H";
      for (const std::string& line : lines) {
        absl::StrAppend(&screen, line, "\x1b[K\r\n");
      }
      screen += "\x1b[J";
      context.out << screen << std::flush;
      previous = std::move(*stats);
      if (*iterations != 0 && frame + 1 == *iterations) break;
      const std::optional<char> key =
          terminal.WaitForKey(absl::Milliseconds(*interval_ms));
      if (key == 'q' || key == 'Q') break;
      if (terminal.interrupted()) {
        code = kExitInterrupted;
        break;
      }
    }
  }
  // The terminal is back to normal here, so the error is readable.
  if (!failure.ok()) return RpcError(context, failure);
  return code;
}

}  // namespace

Command TopCommand() {
  Command command{
      "top",
      "top [--interval_ms=1000] [--iterations=N]",
      "live view: size classes, arenas, generations, pauses, lock, RPCs/s",
      "Polls Stats (never takes the interpreter lock) and redraws in place,\n"
      "within 80x24. q quits; Ctrl-C too (exit code 130); the terminal is\n"
      "restored either way. --iterations=N draws N frames and exits 0.\n",
      {"interval_ms", "iterations"},
      nullptr};
  command.run = [self = command](Context& c) { return RunTop(c, self); };
  return command;
}

}  // namespace heapd::heapctl
