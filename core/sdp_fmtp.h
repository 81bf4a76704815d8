// The pieces of an SDP media description that a recorder needs, read from
// their text: rtpmap (encoding, clock rate, channels), fmtp parameters
// (RFC 6184/7798 sprop parameter sets, RFC 3640 AU header sizes and config);
// control URLs are rtsp_url.h's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dvr {

struct RtpMap {
  int payload_type = -1;
  std::string encoding;  // upper case: H264, H265, MPEG4-GENERIC, PCMA, ...
  uint32_t clock_rate = 0;
  unsigned channels = 1;
};

// "96 H264/90000" or "97 MPEG4-GENERIC/16000/2"; false when malformed.
bool parse_rtpmap(const std::string &value, RtpMap *out);

// "96 packetization-mode=1;sprop-parameter-sets=Z0..,aM.." (with or without
// the payload type): parameter names in lower case, values as written.
std::map<std::string, std::string> parse_fmtp(const std::string &value);

// Comma-separated base64 (sprop-parameter-sets, sprop-vps, ...); entries that
// do not decode are left out.
std::vector<std::vector<uint8_t>> decode_base64_list(const std::string &value);

// Hexadecimal octets (AAC config=1408): empty when malformed.
std::vector<uint8_t> decode_hex(const std::string &value);

// One entry of a PLAY response's RTP-Info header (RFC 2326 12.33).
struct RtpInfo {
  std::string url;
  bool has_rtptime = false;
  uint32_t rtptime = 0;
};

// "url=rtsp://.../trackID=0;seq=1;rtptime=2,url=..."
std::vector<RtpInfo> parse_rtp_info(const std::string &value);

// The entry of the stream SET UP at url: the one whose URL is it, ends with
// its last path segment (cameras rewrite the base), or else the index-th.
const RtpInfo *rtp_info_for(const std::vector<RtpInfo> &infos,
                            const std::string &url, size_t index);

}  // namespace dvr
