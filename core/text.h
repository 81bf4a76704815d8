// Small string helpers that the core, the elements and the launcher share.
#pragma once

#include <string>

namespace dvr {

// White space as isspace() knows it in the C locale.
constexpr const char *kWhiteSpace = " \t\n\v\f\r";
// HTTP's optional white space around header values (RFC 9110 5.6.3).
constexpr const char *kHttpWhiteSpace = " \t";

// s without the characters of strip at either end.
inline std::string trim(const std::string &s, const char *strip = kWhiteSpace) {
  const auto b = s.find_first_not_of(strip);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(strip) - b + 1);
}

}  // namespace dvr
