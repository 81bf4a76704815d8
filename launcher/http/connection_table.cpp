#include "http/connection_table.h"

namespace dvr {

ConnectionTable::Admission ConnectionTable::admit(const std::string &client,
                                                  std::size_t capacity) const {
  Admission a;
  if (count(client) >= limits_.max_connections_per_client) {
    // A client at its share may reuse the place of one of its own idle
    // keep-alive connections (a browser, or a proxy, opens new ones freely);
    // one whose connections all wait or work gets no more.
    const Entry *oldest = nullptr;
    for (const auto &[id, e] : connections_)
      if (e.client == client && e.state == State::Idle &&
          (!oldest || e.since_us < oldest->since_us))
        oldest = &e, a.evict = id;
    a.verdict = oldest ? Admission::AdmitInPlaceOf : Admission::RefuseClientCap;
    return a;
  }
  if (connections_.size() < capacity) return a;
  // An idle keep-alive connection costs its client nothing to reopen; a
  // waiting one has had the longest to send its request. Busy ones stay.
  const Entry *best = nullptr;
  for (const auto &[id, e] : connections_) {
    if (e.state == State::Busy) continue;
    const bool better =
        !best || (e.state == State::Idle && best->state != State::Idle) ||
        (e.state == best->state && e.since_us < best->since_us);
    if (better) best = &e, a.evict = id;
  }
  a.verdict = best ? Admission::AdmitInPlaceOf : Admission::RefuseFull;
  return a;
}

ConnectionId ConnectionTable::add(const std::string &client,
                                  std::int64_t now_us) {
  const ConnectionId id = next_id_++;
  Entry &e = connections_[id];
  e.client = client;
  per_client_[client]++;
  set(id, State::Waiting, now_us, limits_.header_timeout);
  return id;
}

void ConnectionTable::remove(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  auto c = per_client_.find(it->second.client);
  if (c != per_client_.end() && --c->second == 0) per_client_.erase(c);
  connections_.erase(it);
}

void ConnectionTable::set(ConnectionId id, State state, std::int64_t now_us,
                          unsigned timeout_s) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  it->second.state = state;
  it->second.since_us = now_us;
  it->second.deadline_us =
      timeout_s ? now_us + std::int64_t{timeout_s} * 1000000 : 0;
}

void ConnectionTable::request_started(ConnectionId id, std::int64_t now_us) {
  set(id, State::Waiting, now_us, limits_.header_timeout);
}

void ConnectionTable::request_read(ConnectionId id, std::int64_t now_us) {
  set(id, State::Busy, now_us, limits_.send_timeout);
}

void ConnectionTable::sent(ConnectionId id, std::int64_t now_us) {
  auto it = connections_.find(id);
  if (it != connections_.end() && it->second.state == State::Busy)
    it->second.deadline_us =
        now_us + std::int64_t{limits_.send_timeout} * 1000000;
}

void ConnectionTable::request_done(ConnectionId id, std::int64_t now_us) {
  set(id, State::Idle, now_us, limits_.keepalive_timeout);
}

std::vector<ConnectionId> ConnectionTable::expired(std::int64_t now_us) const {
  std::vector<ConnectionId> out;
  for (const auto &[id, e] : connections_)
    if (e.deadline_us && e.deadline_us <= now_us) out.push_back(id);
  return out;
}

std::size_t ConnectionTable::count(const std::string &client) const {
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

std::optional<ConnectionTable::State> ConnectionTable::state(
    ConnectionId id) const {
  auto it = connections_.find(id);
  if (it == connections_.end()) return std::nullopt;
  return it->second.state;
}

}  // namespace dvr
