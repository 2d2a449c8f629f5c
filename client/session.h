// Session: one heapd session, its lease kept alive, closed when it goes.
//
// heapd's heap calls all name a session, which owns the references that
// Allocate and IncRef give it. A Session from HeapClient::OpenSession owns
// the server-side session: a background LeaseRenewer pings it at a third of
// its TTL, and the destructor stops the renewal and closes it (releasing
// every reference it still holds), so an object never outlives the code
// that made it. A Session from HeapClient::AttachSession merely names a
// session opened elsewhere: nothing is renewed or closed for it.
//
// Every method fills in the session id and returns the RPC's response or
// its status (see HeapClient). Handles are the server's uint64 handles.
//
// Thread-safe for calls (they go through the thread-safe HeapClient);
// moving, Close and Release must not race with other use. Movable, not
// copyable: one owner closes it once.
//
// Example:
//   absl::StatusOr<Session> session = client.OpenSession(absl::Seconds(30));
//   absl::StatusOr<v1::AllocateResponse> a = session->Allocate(v1::OBJECT);
//   absl::StatusOr<v1::AllocateResponse> b = session->Allocate(v1::OBJECT);
//   uint64_t ha = a->objects(0).handle(), hb = b->objects(0).handle();
//   session->Link(ha, hb, "ref");
//   session->Link(hb, ha, "ref");
//   session->DecRef(ha);
//   session->DecRef(hb);
//   absl::StatusOr<v1::CollectResponse> collected = session->Collect();
//   // collected->collected() == 2
#ifndef HEAPD_CLIENT_SESSION_H_
#define HEAPD_CLIENT_SESSION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/batch_builder.h"
#include "client/heap_client.h"
#include "client/lease_renewer.h"
#include "proto/heap.pb.h"

namespace heapd::client {

class Session {
 public:
  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  // Owned: stops renewing and closes the session, ignoring errors (call
  // Close first to see them).
  ~Session();

  const std::string& id() const { return id_; }
  // The lease the server granted (zero for an attached session).
  absl::Duration ttl() const { return ttl_; }
  // Whether this object renews and closes the session.
  bool owned() const { return owned_; }

  // Closes the session now: the server releases every reference it holds.
  // Later calls through this object answer NOT_FOUND from the server.
  absl::StatusOr<v1::CloseSessionResponse> Close();

  // Stops renewing and gives up ownership without closing: the session lives
  // on until its lease runs out or someone closes it by id. Returns the id.
  std::string Release();

  // OK, or the latest failed renewal (NOT_FOUND: the session is gone).
  absl::Status lease_status() const;

  // --- Objects ------------------------------------------------------------

  absl::StatusOr<v1::AllocateResponse> Allocate(v1::ObjectType type,
                                                int64_t length = 0,
                                                uint32_t count = 1) const;
  // Every AllocateRequest field (finalizer, weak reference); the session id
  // is filled in.
  absl::StatusOr<v1::AllocateResponse> Allocate(
      v1::AllocateRequest request) const;
  absl::StatusOr<v1::IncRefResponse> IncRef(uint64_t handle) const;
  absl::StatusOr<v1::DecRefResponse> DecRef(uint64_t handle) const;
  // source.field = target
  absl::StatusOr<v1::LinkResponse> Link(uint64_t source, uint64_t target,
                                        absl::string_view field) const;
  // source.append(target)
  absl::StatusOr<v1::LinkResponse> Append(uint64_t source,
                                          uint64_t target) const;
  // del source.field
  absl::StatusOr<v1::UnlinkResponse> Unlink(uint64_t source,
                                            absl::string_view field) const;
  // source.remove(item)
  absl::StatusOr<v1::UnlinkResponse> Remove(uint64_t source,
                                            uint64_t item) const;
  // source[index] = target (a list; negative counts from the end)
  absl::StatusOr<v1::LinkResponse> SetItem(uint64_t source, int64_t index,
                                           uint64_t target) const;
  // del source[index]
  absl::StatusOr<v1::UnlinkResponse> DeleteItem(uint64_t source,
                                                int64_t index) const;
  // x = source.field: the session takes a new reference to the referent
  // (DecRef it when done).
  absl::StatusOr<v1::GetReferentResponse> GetField(
      uint64_t source, absl::string_view field) const;
  // x = source[index] (a list or a tuple), as GetField.
  absl::StatusOr<v1::GetReferentResponse> GetItem(uint64_t source,
                                                  int64_t index) const;
  // weakref.ref(handle); `callback` records an event when it is cleared.
  absl::StatusOr<v1::CreateWeakRefResponse> CreateWeakRef(
      uint64_t handle, bool callback = false) const;
  // r(): the referent, the session taking a new reference to it, or
  // handle 0 once it died.
  absl::StatusOr<v1::ReadWeakRefResponse> ReadWeakRef(
      uint64_t weakref_id) const;
  absl::StatusOr<v1::ObjectInfo> Inspect(uint64_t handle) const;

  // --- The collector ------------------------------------------------------

  // gc.collect(generation); none: a full collection.
  absl::StatusOr<v1::CollectResponse> Collect(
      std::optional<int> generation = std::nullopt) const;
  absl::StatusOr<v1::GcConfig> GetGcConfig() const;
  // Fields of `request` left unset keep their value.
  absl::StatusOr<v1::GcConfig> SetGcConfig(
      v1::SetGcConfigRequest request) const;
  absl::StatusOr<v1::FreezeResponse> Freeze() const;
  absl::StatusOr<v1::UnfreezeResponse> Unfreeze() const;

  // --- Batches and the lease ----------------------------------------------

  absl::StatusOr<v1::BatchResponse> Execute(
      const BatchBuilder& batch, bool continue_on_error = false) const;
  // Renews the lease now (a Ping naming the session).
  absl::Status Renew() const;

 private:
  friend class HeapClient;

  Session(HeapClient client, std::string id, absl::Duration ttl, bool owned);
  // Stops the renewer and, if owned, closes; leaves the object unowned.
  void Finish();

  HeapClient client_;
  std::string id_;
  absl::Duration ttl_;
  bool owned_;
  std::unique_ptr<LeaseRenewer> renewer_;
};

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_SESSION_H_
