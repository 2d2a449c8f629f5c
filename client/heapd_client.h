// The heapd C++ client library: one include for all of it.
//
//   HeapClient    (client/heap_client.h)    a connection; every RPC typed,
//                                           returning absl::StatusOr
//   ClientOptions (client/client_options.h) address, deadline, channel
//                                           arguments, credentials (TLS hook)
//   Session       (client/session.h)        a session whose lease renews in
//                                           the background; closed on
//                                           destruction
//   BatchBuilder  (client/batch_builder.h)  Batch requests whose operations
//                                           name earlier results
//
// The library speaks only proto/heap.proto (package heapd.v1): it links
// nothing of heapd's heap. Errors are the server's gRPC statuses as
// absl::Status, same code and message; nothing throws.
//
// Example: the classic cycle, one RPC at a time, then in one Batch.
//
//   #include "client/heapd_client.h"
//   namespace hc = heapd::client;
//   namespace v1 = heapd::v1;
//
//   hc::ClientOptions options;
//   options.address = "127.0.0.1:50051";
//   absl::StatusOr<hc::HeapClient> client = hc::HeapClient::Connect(options);
//   if (!client.ok()) return client.status();
//   absl::StatusOr<hc::Session> session =
//       client->OpenSession(absl::Seconds(30));
//   if (!session.ok()) return session.status();
//
//   absl::StatusOr<v1::AllocateResponse> two =
//       session->Allocate(v1::OBJECT, /*length=*/0, /*count=*/2);
//   if (!two.ok()) return two.status();
//   const uint64_t a = two->objects(0).handle(), b = two->objects(1).handle();
//   session->Link(a, b, "ref");                  // a.ref = b
//   session->Link(b, a, "ref");                  // b.ref = a
//   session->DecRef(a);                          // del a
//   session->DecRef(b);                          // del b
//   absl::StatusOr<v1::CollectResponse> gc = session->Collect();
//   // gc->collected() == 2
//
//   hc::BatchBuilder batch;
//   hc::Allocation x = batch.Allocate(v1::OBJECT);
//   hc::Allocation y = batch.Allocate(v1::OBJECT);
//   batch.Link(x, y, "ref");
//   batch.Link(y, x, "ref");
//   batch.DecRef(x);
//   batch.DecRef(y);
//   const size_t collect = batch.Collect();
//   absl::StatusOr<v1::BatchResponse> done = session->Execute(batch);
//   // done->results(collect).collect().collected() == 2
//
//   absl::StatusOr<v1::StatsResponse> stats =
//       client->Stats({v1::ALLOCATOR, v1::COLLECTOR}, /*fresh=*/true);
//   // session's destructor closes it on the server.
#ifndef HEAPD_CLIENT_HEAPD_CLIENT_H_
#define HEAPD_CLIENT_HEAPD_CLIENT_H_

#include "client/batch_builder.h"
#include "client/client_options.h"
#include "client/heap_client.h"
#include "client/server_address.h"
#include "client/session.h"

#endif  // HEAPD_CLIENT_HEAPD_CLIENT_H_
