// libFuzzer target for the RTSP text a camera sends that dvrrtspsrc reads
// before any media: WWW-Authenticate challenges, Content-Base and control
// URLs, redirect Locations and RTP-Info (core/rtsp_*.cpp, sdp_fmtp).
//
// Whatever the text: no crash; every URL that comes out of a resolution is
// free of user info; an answer to any challenge is a single header line. Run it with tests/fuzz/run-fuzz rtsp_text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rtsp_auth.h"
#include "rtsp_url.h"
#include "sdp_fmtp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);
  // Two fields from one input: before and after the first newline.
  const size_t nl = text.find('\n');
  const std::string a = text.substr(0, nl);
  const std::string b =
      nl == std::string::npos ? std::string() : text.substr(nl + 1);

  const auto challenges = dvr::parse_challenges({a, b});
  if (const dvr::AuthChallenge *c = dvr::preferred_challenge(challenges)) {
    if (c->scheme == dvr::AuthChallenge::Scheme::kDigest) {
      const std::string h = dvr::digest_authorization(
          *c, "user", "pw", "DESCRIBE", "rtsp://h/x", 1, "cn");
      // Whatever the camera put in its challenge, the answer stays one line.
      if (h.find_first_of("\r\n") != std::string::npos) abort();
    }
  }

  const std::string base =
      "rtsp://cam.example:554/cam/realmonitor?channel=1&subtype=0/";
  const std::string resolved = dvr::resolve_control(base, a);
  const std::string described =
      dvr::describe_base("rtsp://cam.example/x", a, b);
  const std::string target = dvr::redirect_target("rtsp://cam.example/x", b);
  dvr::UrlParts parts;
  for (const std::string *url : {&resolved, &described, &target}) {
    if (url->empty() || !dvr::split_url(*url, &parts)) continue;
    if (parts.authority.find('@') != std::string::npos) abort();
  }
  std::string user, password;
  dvr::user_info_of(a, &user, &password);
  std::string decoded;
  dvr::percent_decode(b, &decoded);
  const auto infos = dvr::parse_rtp_info(a);
  dvr::rtp_info_for(infos, resolved, 1);
  return 0;
}
