// Dahua URL paths: /cam/realmonitor?channel=N&subtype=M and the forms
// RTSP clients derive from it for SETUP and PLAY.
#pragma once

#include <optional>
#include <string>

namespace mockcam {

struct DahuaPath {
  std::optional<int> channel;  // absent when the URL did not say
  std::optional<int> subtype;
  std::string control;  // per-stream control ("trackID=0"), empty for the media
};

// Parses the path and query of a request URL. Understands:
//   /cam/realmonitor?channel=1&subtype=0               (DESCRIBE, PLAY)
//   /cam/realmonitor?channel=1&subtype=0/trackID=0     (control appended to the
//                                                        content base verbatim)
//   /cam/realmonitor/trackID=0?channel=1&subtype=0     (control put before the query)
//   /cam/trackID=0                                      (content base resolved as
//                                                        RFC 3986 says: query lost)
// Unknown query parameters (unicast=true, proto=Onvif) are ignored.
// Returns nothing when the path is not a Dahua real-time path.
std::optional<DahuaPath> parse_dahua_path(const std::string &abspath,
                                          const std::string &query);

// The mount path of a stream: "/cam/realmonitor?channel=1&subtype=0".
std::string dahua_mount_path(int channel, int subtype);

// The mount path followed by "/control" when there is a control part.
std::string dahua_request_path(int channel, int subtype,
                               const std::string &control);

}  // namespace mockcam
