// How the mock camera names its control URLs in DESCRIBE answers, so that a
// client is tested against each form RFC 2326/7826 allows, not only Dahua's:
//
//   dahua         Content-Base ".../cam/realmonitor?channel=N&subtype=M/",
//                 session a=control:*, media trackID=K; PLAY accepted at any
//                 of the URLs Dahua cameras take (the default).
//   content-base  Content-Base "rtsp://HOST/live/chNsubM/", unlike the
//                 request URL; no session control; PLAY only at the base.
//   session       Dahua's Content-Base, a relative session-level
//                 a=control:session; PLAY only at ".../subtype=M/session".
//   absolute      no Content-Base; absolute session and media controls under
//                 "rtsp://HOST/abs/chNsubM"; PLAY only at that URL.
//
// Everything but dahua answers a PLAY, GET_PARAMETER or TEARDOWN sent
// elsewhere with 404, as gst-rtsp-server itself does.
#pragma once

#include <optional>
#include <string>

#include "dahua_path.h"

namespace mockcam {

enum class ControlForm { Dahua, ContentBase, Session, Absolute };

bool parse_control_form(const std::string &name, ControlForm *form);
const char *control_form_name(ControlForm form);

// host: "127.0.0.1:8554". Empty strings mean: no such header or attribute.
std::string form_content_base(ControlForm form, const std::string &host,
                              int channel, int subtype);
std::string form_session_control(ControlForm form, const std::string &host,
                                 int channel, int subtype);
std::string form_media_control(ControlForm form, const std::string &host,
                               int channel, int subtype, int index);
// The one URL aggregate requests must name; empty for dahua (any is taken).
std::string form_aggregate_url(ControlForm form, const std::string &host,
                               int channel, int subtype);

// "/live/ch1sub0/trackID=0" and "/abs/ch1sub0/track0" back to their channel,
// subtype and control ("trackID=K"); nothing for any other path.
std::optional<DahuaPath> parse_form_path(const std::string &abspath);

}  // namespace mockcam
