// One line per event on stderr, with the local time: the launcher's log.
// Callers pass text that is already free of secrets.
#pragma once

#include <string>

namespace dvr {

void log_line(const std::string &text);

}  // namespace dvr
