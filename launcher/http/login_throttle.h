// Slows password guessing: after login-attempts failed logins in a row from
// one address, that address is refused (429) for login-lockout seconds. Other
// addresses are never affected. Plain logic, keyed by the client's address.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace dvr {

class LoginThrottle {
 public:
  LoginThrottle(unsigned attempts, unsigned lockout_s)
      : attempts_(attempts), lockout_us_(std::int64_t{lockout_s} * 1000000) {}

  // Seconds (rounded up) before client may try again; 0 when it may now.
  unsigned retry_after(const std::string &client, std::int64_t now_us) const;
  // A refused login. True when it starts a lockout: the one moment to say so.
  bool failed(const std::string &client, std::int64_t now_us);
  // An accepted login clears the address's count.
  void succeeded(const std::string &client) { clients_.erase(client); }

  std::size_t tracked() const { return clients_.size(); }

 private:
  struct Record {
    unsigned failures = 0;
    std::int64_t last_us = 0;
    std::int64_t locked_until_us = 0;
  };
  // Forgets addresses whose failures are older than a lockout: memory stays
  // bounded by what one lockout period can bring, however many addresses try.
  void forget_old(std::int64_t now_us);

  unsigned attempts_;
  std::int64_t lockout_us_;
  std::map<std::string, Record> clients_;
};

}  // namespace dvr
