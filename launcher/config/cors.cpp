#include "config/cors.h"

#include <glib.h>

#include <algorithm>

namespace dvr {

std::optional<std::string> parse_origin(const std::string &text,
                                        std::string &error) {
  g_autoptr(GUri) uri = g_uri_parse(text.c_str(), G_URI_FLAGS_NONE, nullptr);
  const char *scheme = uri ? g_uri_get_scheme(uri) : nullptr;
  if (!uri || !scheme ||
      (g_strcmp0(scheme, "http") != 0 && g_strcmp0(scheme, "https") != 0) ||
      !g_uri_get_host(uri) || !*g_uri_get_host(uri)) {
    error =
        "expected an origin such as https://viewer.example or http://192.168.1.10:8080, got \"" +
        text + "\"";
    return std::nullopt;
  }
  const std::string path = g_uri_get_path(uri);
  if (g_uri_get_userinfo(uri) || g_uri_get_query(uri) ||
      g_uri_get_fragment(uri) || (!path.empty() && path != "/")) {
    error =
        "an origin is scheme://host[:port] only, without a path, query or user: \"" +
        text + "\"";
    return std::nullopt;
  }
  g_autofree char *host = g_ascii_strdown(g_uri_get_host(uri), -1);
  std::string out = std::string(scheme) + "://" +
                    (std::string(host).find(':') != std::string::npos
                         ? "[" + std::string(host) + "]"
                         : std::string(host));
  const int port = g_uri_get_port(uri);
  const int default_port = g_str_equal(scheme, "https") ? 443 : 80;
  if (port > 0 && port != default_port) out += ":" + std::to_string(port);
  return out;
}

bool CorsPolicy::allows(const char *origin) const {
  if (!origin || origins_.empty()) return false;
  // Browsers send the serialized origin: compare it exactly, as it came.
  return std::find(origins_.begin(), origins_.end(), std::string(origin)) !=
         origins_.end();
}

}  // namespace dvr
