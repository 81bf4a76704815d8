// Which connections the HTTP server holds, what each is doing, and whether a
// new one may come in: the server's bounds (ServerLimits) as plain logic,
// apart from sockets and libsoup so that they can be tested directly.
//
// A connection waits for a request (from connecting, or from the first byte
// of the next one on a kept-alive connection), is busy while its request is
// answered, then idles until its next request starts. Waiting and idling
// have deadlines; a busy one has send-timeout from the last bytes the
// client took (a large segment to a slow client is not a fault, a client
// that stops reading is). At the cap, a newcomer takes the place of the connection that
// has waited or idled longest, as nginx reuses idle keep-alive connections:
// a flood of half-sent requests then churns among itself while a real
// viewer's request, which arrives at once, is answered.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/preset.h"

namespace dvr {

using ConnectionId = std::uint64_t;

class ConnectionTable {
 public:
  enum class State { Waiting, Busy, Idle };

  // What to do with a connection that has just arrived.
  struct Admission {
    enum Verdict {
      Admit,            // take it
      AdmitInPlaceOf,   // take it, closing `evict` first
      RefuseClientCap,  // its address holds its share, none of it idle
      RefuseFull        // the server is full of busy connections
    } verdict = Admit;
    ConnectionId evict = 0;
  };

  explicit ConnectionTable(const ServerLimits &limits) : limits_(limits) {}

  // capacity: how many connections the server may hold right now, which is
  // max-connections or less when descriptors run short.
  Admission admit(const std::string &client, std::size_t capacity) const;

  ConnectionId add(const std::string &client, std::int64_t now_us);
  void remove(ConnectionId id);

  // The first byte of a request arrived: its header has header-timeout.
  void request_started(ConnectionId id, std::int64_t now_us);
  // The request is read and being answered.
  void request_read(ConnectionId id, std::int64_t now_us);
  // Part of the answer went out: the send timeout starts again.
  void sent(ConnectionId id, std::int64_t now_us);
  // The answer is sent (or the request failed): idle for keepalive-timeout.
  void request_done(ConnectionId id, std::int64_t now_us);

  // Connections past their deadline at now_us.
  std::vector<ConnectionId> expired(std::int64_t now_us) const;

  std::size_t size() const { return connections_.size(); }
  std::size_t count(const std::string &client) const;
  std::optional<State> state(ConnectionId id) const;

 private:
  struct Entry {
    std::string client;
    State state = State::Waiting;
    std::int64_t since_us = 0;     // when it entered its state
    std::int64_t deadline_us = 0;  // 0: none
  };
  void set(ConnectionId id, State state, std::int64_t now_us,
           unsigned timeout_s);

  ServerLimits limits_;
  std::map<ConnectionId, Entry> connections_;
  std::map<std::string, std::size_t> per_client_;
  ConnectionId next_id_ = 1;
};

}  // namespace dvr
