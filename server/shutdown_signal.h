// SIGINT and SIGTERM as an event a thread waits for, instead of a handler.
//
// A signal handler may only call async-signal-safe functions, and nothing
// that shuts a gRPC server down is one. So no handler is installed: the
// signals are blocked in every thread, and the thread that owns shutdown
// picks them up synchronously with sigwait, where it may do anything.
//
// Example (main):
//   heapd::server::BlockShutdownSignals();           // first, before any
//   thread
//   ... start the server ...
//   int signal = heapd::server::WaitForShutdownSignal();
//   server->Shutdown(deadline);
#ifndef HEAPD_SERVER_SHUTDOWN_SIGNAL_H_
#define HEAPD_SERVER_SHUTDOWN_SIGNAL_H_

namespace heapd::server {

// Blocks SIGINT and SIGTERM in the calling thread. Threads inherit the mask,
// so calling it before any thread is created blocks them process-wide and no
// thread is ever interrupted by them.
// REQUIRES: no other thread exists yet (a thread that had them unblocked
// would take the default action: exit without shutting down).
void BlockShutdownSignals();

// Waits until SIGINT or SIGTERM is pending and returns its number.
// REQUIRES: BlockShutdownSignals() was called.
int WaitForShutdownSignal();

}  // namespace heapd::server

#endif  // HEAPD_SERVER_SHUTDOWN_SIGNAL_H_
