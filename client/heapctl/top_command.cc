// The `heapctl top` loop: poll, render (top.cc), redraw in place; wait out
// a heapd that went away.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/heapctl/terminal.h"
#include "client/heapctl/top.h"

namespace heapd::heapctl {
namespace {

// Exit code after Ctrl-C, as shells report a SIGINT death.
constexpr int kExitInterrupted = 130;

// Each line at its row after clearing that row, then the rows below
// cleared: redrawn in place without flicker. Nothing is written after the
// last line, so a line as wide as the screen neither wraps nor scrolls it.
std::string Screen(const std::vector<std::string>& lines, int rows) {
  std::string screen = "\x1b[H";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) absl::StrAppend(&screen, "\x1b[", i + 1, ";1H");
    absl::StrAppend(&screen, "\x1b[2K", lines[i]);
  }
  if (static_cast<int>(lines.size()) < rows) {
    absl::StrAppend(&screen, "\x1b[", lines.size() + 1, ";1H\x1b[J");
  }
  return screen;
}

// top's own channel to the command's server: gRPC's reconnect backoff
// would otherwise grow to minutes while heapd is away, and a call to a
// server that hangs is bounded, so that q is never kept waiting long.
absl::StatusOr<client::HeapClient> TopClient(const client::ClientOptions& base,
                                             absl::Duration interval) {
  client::ClientOptions options = base;
  const int backoff_ms =
      static_cast<int>(absl::ToInt64Milliseconds(kReconnectEvery));
  options.channel_arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                                   backoff_ms);
  options.channel_arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                                   backoff_ms);
  options.deadline =
      std::min(options.deadline, std::max(interval, absl::Seconds(2)));
  return client::HeapClient::Connect(options);
}

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
  const absl::Duration interval = absl::Milliseconds(*interval_ms);
  absl::StatusOr<client::HeapClient> client =
      TopClient(context.client.options(), interval);
  if (!client.ok()) return RpcError(context, client.status());
  const std::string& address = client->options().address;

  // The frame on screen: its snapshot and the one before (for rates).
  std::optional<v1::StatsResponse> current, previous;
  // OK while heapd answers; else why it does not.
  absl::Status gone;
  int code = kExitOk;
  absl::Status failure;
  {
    TerminalSession terminal(STDIN_FILENO, STDOUT_FILENO);
    auto draw = [&] {
      const TerminalSession::Size size = terminal.size();
      context.out << Screen(RenderTop(*current, previous ? &*previous : nullptr,
                                      address, size.columns, size.rows, gone),
                            size.rows)
                  << std::flush;
    };
    int64_t frames = 0;
    bool quit = false;
    while (!quit) {
      absl::StatusOr<v1::StatsResponse> stats = client->Stats();
      if (stats.ok()) {
        previous = std::move(current);
        current = std::move(*stats);
        gone = absl::OkStatus();
        draw();
        if (++frames == *iterations) break;
      } else if (!current.has_value() || *iterations != 0 ||
                 !ServerGone(stats.status())) {
        // Never reached, a script, or refused: nothing to wait for.
        failure = stats.status();
        break;
      } else {
        gone = stats.status();
        draw();
      }
      // Until the next poll: keys, resizes (redrawn at once), signals.
      const absl::Time next =
          absl::Now() + (gone.ok() ? interval : kReconnectEvery);
      for (absl::Duration left = next - absl::Now();
           !quit && left > absl::ZeroDuration(); left = next - absl::Now()) {
        const TerminalSession::Event event = terminal.Wait(left);
        if (event.kind == TerminalSession::kResize) draw();
        if (event.kind == TerminalSession::kKey &&
            (event.key == 'q' || event.key == 'Q')) {
          quit = true;
        }
        if (event.kind == TerminalSession::kInterrupt) {
          code = kExitInterrupted;
          quit = true;
        }
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
      "Polls Stats (never takes the interpreter lock) and redraws in place\n"
      "at the terminal's size, following resizes. When heapd goes away the\n"
      "last frame stays, a status line says so, and top reconnects every\n"
      "second until it answers again. q quits; Ctrl-C too (exit code 130);\n"
      "the terminal is restored either way. --iterations=N draws N frames\n"
      "and exits 0 (or exits 1 at the first error).\n",
      {"interval_ms", "iterations"},
      nullptr};
  command.run = [self = command](Context& c) { return RunTop(c, self); };
  return command;
}

}  // namespace heapd::heapctl
