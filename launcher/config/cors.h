// Cross-origin access, off unless the preset lists origins
// ([server] cors-origins = https://a.example, https://b.example). Only an
// origin on the list is ever echoed back; there is no wildcard.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dvr {

// "https://A.example:443/" → "https://a.example"; nothing (and error set) for
// what is not a bare http(s) origin (a path, a query, user info, "*", "null").
std::optional<std::string> parse_origin(const std::string &text,
                                        std::string &error);

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> origins)
      : origins_(std::move(origins)) {}
  bool enabled() const { return !origins_.empty(); }
  // origin: the request's Origin header, or nullptr.
  bool allows(const char *origin) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace dvr
