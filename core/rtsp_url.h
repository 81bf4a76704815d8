// RTSP URLs by the rules of RFC 2326 (C.1.1), RFC 7826 (13.2, 18.33, C.1.1)
// and RFC 3986 (section 5): the base of a DESCRIBE answer, the control URL of
// each stream, the aggregate control URL of the session (PLAY, PAUSE,
// GET_PARAMETER, TEARDOWN), and the target of a redirect.
//
// One deliberate step away from RFC 3986: a relative control ("trackID=0")
// is appended to the whole base, as if the base ended in '/', also when it
// does not or when it carries a query. A strict merge would drop the base's
// last segment and its query ("rtsp://h/cam/realmonitor?channel=1" +
// "trackID=0" gives "rtsp://h/cam/trackID=0"), which no camera answers;
// rtspsrc, ffmpeg and live555 append, and cameras are built for them. Where
// the base ends in '/' and has no query, the two agree.
#pragma once

#include <string>

namespace dvr {

struct UrlParts {
  std::string scheme;     // lower case: "rtsp", "rtsps"
  std::string authority;  // "host:port", user info removed
  std::string path;       // "/cam/realmonitor", at least "/"
  std::string query;      // without the '?'
  bool has_query = false;
};

// False when url is not "scheme://authority[/path][?query]".
bool split_url(const std::string &url, UrlParts *out);

// The URL without its user info ("rtsp://user:pw@h/x" -> "rtsp://h/x"): the
// form to request and to show.
std::string without_user_info(const std::string &url);

// The base URL of a DESCRIBE answer: Content-Base, else Content-Location,
// else the request URL (RFC 7826 C.1.1). A relative Content-Location is
// resolved against the request URL. User info is never kept.
std::string describe_base(const std::string &request_url,
                          const std::string &content_base,
                          const std::string &content_location);

// A control attribute resolved against the base: "" or "*" is the base
// itself; an absolute URL stands as it is; "/path" and "//host/path" as RFC
// 3986 says; anything else is appended (see above). Dot segments go.
std::string resolve_control(const std::string &base,
                            const std::string &control);

// The session's aggregate control URL: its session-level a=control resolved
// against the base, or the base when the SDP has none.
std::string aggregate_control_url(const std::string &base,
                                  const std::string &session_control);

// A redirect's Location resolved against the URL that was redirected (RFC
// 7826 allows a relative one). Empty when the result is not an rtsp(s) URL.
std::string redirect_target(const std::string &request_url,
                            const std::string &location);

}  // namespace dvr
