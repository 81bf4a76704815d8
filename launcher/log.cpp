#include "log.h"

#include <glib.h>

namespace dvr {

void log_line(const std::string &text) {
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S");
  g_printerr("%s.%03d %s\n", stamp, g_date_time_get_microsecond(now) / 1000,
             text.c_str());
}

}  // namespace dvr
