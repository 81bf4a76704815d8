#include "storage_pool.h"

#include <sys/stat.h>

#include <algorithm>

namespace dvr {

StoragePool &StoragePool::process() {
  static StoragePool pool;
  return pool;
}

void StoragePool::join(Member *m) {
  struct stat st;
  {
    std::lock_guard<std::mutex> member(*m->lock);
    m->device = ::stat(m->index->options().folder.c_str(), &st) == 0
                    ? static_cast<uint64_t>(st.st_dev)
                    : 0;
  }
  std::lock_guard<std::mutex> lock(lock_);
  if (std::find(members_.begin(), members_.end(), m) == members_.end())
    members_.push_back(m);
}

void StoragePool::leave(Member *m) {
  std::lock_guard<std::mutex> lock(lock_);
  members_.erase(std::remove(members_.begin(), members_.end(), m),
                 members_.end());
}

StoragePool::Outcome StoragePool::keep_headroom(Member *requester,
                                                int64_t now_us, bool forced,
                                                uint64_t forced_minimum) {
  // One reclaim at a time: two cameras filling the same disk at once must not
  // each free the headroom.
  std::lock_guard<std::mutex> lock(lock_);
  std::vector<Member *> group;
  if (requester->group.empty()) {
    group.push_back(requester);
  } else {
    for (Member *m : members_)
      if (m == requester ||
          (m->group == requester->group && m->device == requester->device))
        group.push_back(m);
    if (std::find(group.begin(), group.end(), requester) == group.end())
      group.push_back(requester);
  }
  Outcome out;
  for (Member *m : group) {
    out.headroom += m->headroom.load();
    out.min_free = std::max(out.min_free, m->min_free_bytes);
  }
  std::string folder;
  {
    std::lock_guard<std::mutex> member(*requester->lock);
    if (!requester->index) return out;
    folder = requester->index->options().folder;
  }
  out.free_bytes = filesystem_free_bytes(folder);
  const bool below_min_free =
      out.free_bytes >= 0 &&
      static_cast<uint64_t>(out.free_bytes) < out.min_free;
  if (!forced &&
      (out.free_bytes < 0 ||
       static_cast<uint64_t>(out.free_bytes) >= out.headroom) &&
      !below_min_free)
    return out;
  out.short_of_space =
      forced || static_cast<uint64_t>(out.free_bytes) < out.headroom;
  out.for_min_free = !out.short_of_space;
  uint64_t wanted = forced ? std::max(out.headroom, forced_minimum)
                           : std::max(out.headroom, out.min_free);
  if (!forced && out.free_bytes > 0)
    wanted -= static_cast<uint64_t>(out.free_bytes);

  // Every member's lock, in the pool's order, for one consistent choice.
  std::vector<std::unique_lock<std::mutex>> held;
  for (Member *m : group) held.emplace_back(*m->lock);
  std::vector<Holding> holdings;
  // Each recording's oldest footage on disk, its archive's before its window.
  std::vector<std::deque<Segment>> oldest(group.size());
  uint64_t pending = 0;
  for (size_t i = 0; i < group.size(); i++) {
    Member *m = group[i];
    Holding h;
    if (m->index) {
      oldest[i] = m->index->oldest_on_disk();
      h.listed = &oldest[i];
      h.keep_from_us =
          m->live_window_us > 0 ? now_us - m->live_window_us : now_us;
      pending += m->index->pending_bytes();
    }
    holdings.push_back(h);
  }
  // Files already out of the playlists go first, whoever's they are.
  const std::vector<size_t> counts =
      segments_to_free(holdings, wanted > pending ? wanted - pending : 0);
  for (size_t i = 0; i < group.size(); i++) {
    Member *m = group[i];
    if (!m->index) continue;
    const uint64_t pending_here = m->index->pending_bytes();
    if (counts[i] == 0 && pending_here == 0) continue;
    size_t retired = 0;
    std::string ignored;
    const uint64_t freed =
        m->index->release_oldest(counts[i], now_us, &retired, &ignored);
    out.freed_bytes += freed;
    out.freed_segments += retired;
    SpaceAccount &a = *m->account;
    if (retired == 0 || out.for_min_free) continue;
    if (a.fault != StorageFault::kFull) {
      a = SpaceAccount{StorageFault::kFull,
                       0,
                       0,
                       0,
                       a.freed_segments,
                       a.dropped_no_space,
                       a.dropped_unwritable,
                       true,
                       a.announced};
    }
    a.episode_freed_segments += retired;
    a.episode_freed_bytes += freed;
    a.freed_segments += retired;
  }
  if (out.for_min_free) return out;
  // The requester is short of space too, whether or not its own footage went.
  SpaceAccount &own = *requester->account;
  if (own.fault != StorageFault::kFull)
    own = SpaceAccount{StorageFault::kFull,
                       0,
                       0,
                       0,
                       own.freed_segments,
                       own.dropped_no_space,
                       own.dropped_unwritable,
                       true,
                       own.announced};
  return out;
}

}  // namespace dvr
