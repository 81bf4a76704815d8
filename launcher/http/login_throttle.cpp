#include "http/login_throttle.h"

namespace dvr {

unsigned LoginThrottle::retry_after(const std::string &client,
                                    std::int64_t now_us) const {
  auto it = clients_.find(client);
  if (it == clients_.end() || it->second.locked_until_us <= now_us) return 0;
  return static_cast<unsigned>((it->second.locked_until_us - now_us + 999999) /
                               1000000);
}

bool LoginThrottle::failed(const std::string &client, std::int64_t now_us) {
  if (clients_.size() >= 1024) forget_old(now_us);
  Record &r = clients_[client];
  // A failure long after the last one starts a new count: a user who
  // mistypes once a day is never locked out.
  if (r.last_us && now_us - r.last_us > lockout_us_ &&
      r.locked_until_us <= now_us)
    r.failures = 0;
  r.last_us = now_us;
  if (r.locked_until_us > now_us) return false;
  if (++r.failures < attempts_) return false;
  r.failures = 0;
  r.locked_until_us = now_us + lockout_us_;
  return true;
}

void LoginThrottle::forget_old(std::int64_t now_us) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    const bool stale = it->second.locked_until_us <= now_us &&
                       now_us - it->second.last_us > lockout_us_;
    it = stale ? clients_.erase(it) : std::next(it);
  }
}

}  // namespace dvr
