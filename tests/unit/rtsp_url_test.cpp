// RTSP URLs: the base of a DESCRIBE answer, each stream's control URL and the
// session's aggregate URL (RFC 2326 C.1.1, RFC 7826 C.1.1), RFC 3986's
// reference resolution examples, redirects, and the DESCRIBE answers of
// common cameras as their public logs show them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rtsp_url.h"
#include "sdp_fmtp.h"

namespace {

// The session-level and media-level a=control values of an SDP.
struct Controls {
  std::string session;
  std::vector<std::string> media;
};

Controls controls_of(const std::string &sdp) {
  Controls out;
  bool in_media = false;
  size_t at = 0;
  while (at < sdp.size()) {
    size_t end = sdp.find('\n', at);
    if (end == std::string::npos) end = sdp.size();
    std::string line = sdp.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("m=", 0) == 0) {
      in_media = true;
      out.media.emplace_back();
    } else if (line.rfind("a=control:", 0) == 0) {
      (in_media ? out.media.back() : out.session) = line.substr(10);
    }
    at = end + 1;
  }
  return out;
}

// What a client does with a DESCRIBE answer: the URLs it SETs UP and PLAYs.
struct Plan {
  std::vector<std::string> setup;
  std::string aggregate;
};

Plan plan(const std::string &request, const std::string &content_base,
          const std::string &content_location, const std::string &sdp) {
  const Controls c = controls_of(sdp);
  const std::string base =
      dvr::describe_base(request, content_base, content_location);
  Plan p;
  for (const auto &m : c.media)
    p.setup.push_back(dvr::resolve_control(base, m));
  p.aggregate = dvr::aggregate_control_url(base, c.session);
  return p;
}

}  // namespace

TEST_CASE(
    "The base is Content-Base, else Content-Location, else the request URL",
    "[rtsp][url]") {
  const std::string req = "rtsp://cam/live?x=1";
  CHECK(dvr::describe_base(req, "rtsp://cam/base/", "rtsp://cam/loc/") ==
        "rtsp://cam/base/");
  CHECK(dvr::describe_base(req, "", "rtsp://cam/loc/") == "rtsp://cam/loc/");
  CHECK(dvr::describe_base(req, "", "") == req);
  // A relative Content-Location is resolved against the request URL.
  CHECK(dvr::describe_base("rtsp://cam/a/b", "", "c/") == "rtsp://cam/a/c/");
  // Never with user info, wherever it came from.
  CHECK(dvr::describe_base("rtsp://u:p@cam/x", "", "") == "rtsp://cam/x");
  CHECK(dvr::describe_base("rtsp://cam/x", "rtsp://u:p@cam/x/", "") ==
        "rtsp://cam/x/");
}

TEST_CASE(
    "Control attributes: absolute, relative, '*', with and without a slash, with a query",
    "[rtsp][url]") {
  // Absolute: as it stands (user info dropped, dot segments gone).
  CHECK(
      dvr::resolve_control("rtsp://h/cam/", "rtsp://other:8554/x/trackID=1") ==
      "rtsp://other:8554/x/trackID=1");
  CHECK(dvr::resolve_control("rtsp://h/cam/", "RTSPS://u:p@h/./a/../b") ==
        "rtsps://h/b");
  // '*' and empty: the base itself (RFC 7826 C.1.1).
  CHECK(dvr::resolve_control("rtsp://h/cam/", "*") == "rtsp://h/cam/");
  CHECK(dvr::resolve_control("rtsp://h/cam", "") == "rtsp://h/cam");
  // Relative under a base ending in '/': RFC 3986 and every client agree.
  CHECK(dvr::resolve_control("rtsp://h/cam/", "trackID=1") ==
        "rtsp://h/cam/trackID=1");
  CHECK(dvr::resolve_control("rtsp://h/a/b/", "../c") == "rtsp://h/a/c");
  // Relative under a base without '/': appended, as cameras expect.
  CHECK(dvr::resolve_control("rtsp://h/cam", "trackID=1") ==
        "rtsp://h/cam/trackID=1");
  // Relative under a base with a query: appended to the whole of it (Dahua).
  CHECK(dvr::resolve_control("rtsp://h/cam?c=1/", "trackID=0") ==
        "rtsp://h/cam?c=1/trackID=0");
  CHECK(dvr::resolve_control("rtsp://h/cam?c=1", "trackID=0") ==
        "rtsp://h/cam?c=1/trackID=0");
  // A relative control with its own query (Axis).
  CHECK(dvr::resolve_control("rtsp://h/media.amp/", "stream=0?sw=1") ==
        "rtsp://h/media.amp/stream=0?sw=1");
  // An absolute path replaces the base's path and query.
  CHECK(dvr::resolve_control("rtsp://h:554/cam?c=1", "/track/2") ==
        "rtsp://h:554/track/2");
  CHECK(dvr::resolve_control("rtsp://h/cam/", "  trackID=3 \r") ==
        "rtsp://h/cam/trackID=3");
}

TEST_CASE("The aggregate URL is the session's control resolved, else the base",
          "[rtsp][url]") {
  CHECK(dvr::aggregate_control_url("rtsp://h/cam/", "") == "rtsp://h/cam/");
  CHECK(dvr::aggregate_control_url("rtsp://h/cam/", "*") == "rtsp://h/cam/");
  CHECK(dvr::aggregate_control_url("rtsp://h/cam/", "rtsp://h/cam?agg=1") ==
        "rtsp://h/cam?agg=1");
  CHECK(dvr::aggregate_control_url("rtsp://h/cam/", "session") ==
        "rtsp://h/cam/session");
}

TEST_CASE("Header URLs resolve as RFC 3986 section 5.4 shows", "[rtsp][url]") {
  // The RFC's examples with scheme rtsp for http; the results are the RFC's.
  const std::string base = "rtsp://a/b/c/d;p?q";
  const std::vector<std::pair<std::string, std::string>> examples = {
      {"g", "rtsp://a/b/c/g"},      {"./g", "rtsp://a/b/c/g"},
      {"g/", "rtsp://a/b/c/g/"},    {"/g", "rtsp://a/g"},
      {"?y", "rtsp://a/b/c/d;p?y"}, {"g?y", "rtsp://a/b/c/g?y"},
      {"g;x", "rtsp://a/b/c/g;x"},  {"", "rtsp://a/b/c/d;p?q"},
      {".", "rtsp://a/b/c/"},       {"./", "rtsp://a/b/c/"},
      {"..", "rtsp://a/b/"},        {"../", "rtsp://a/b/"},
      {"../g", "rtsp://a/b/g"},     {"../..", "rtsp://a/"},
      {"../../g", "rtsp://a/g"},    {"../../../g", "rtsp://a/g"},
      {"/./g", "rtsp://a/g"},       {"/../g", "rtsp://a/g"},
      {"g.", "rtsp://a/b/c/g."},    {"..g", "rtsp://a/b/c/..g"},
      {"./../g", "rtsp://a/b/g"},   {"g/./h", "rtsp://a/b/c/g/h"},
      {"g/../h", "rtsp://a/b/c/h"}, {"rtsp://x/y", "rtsp://x/y"},
  };
  for (const auto &[ref, expected] : examples) {
    INFO(ref);
    CHECK(dvr::redirect_target(base, ref) == expected);
  }
}

TEST_CASE("A redirect goes to an rtsp:// or rtsps:// URL only", "[rtsp][url]") {
  CHECK(dvr::redirect_target("rtsp://a/live", "rtsp://b:8554/live") ==
        "rtsp://b:8554/live");
  CHECK(dvr::redirect_target("rtsp://a/live", "/other") == "rtsp://a/other");
  CHECK(dvr::redirect_target("rtsp://u:p@a/live", "/other") ==
        "rtsp://a/other");
  CHECK(dvr::redirect_target("rtsp://a/live", "http://b/x").empty());
  CHECK(dvr::redirect_target("rtsp://a/live", "rtsps://b/x") == "rtsps://b/x");
}

// Fixtures: DESCRIBE answers of common cameras as public logs show them,
// trimmed to what decides the URLs. Each names its source.

TEST_CASE(
    "Dahua: Content-Base with the query and a slash, relative trackID controls",
    "[rtsp][url][cameras]") {
  // https://blog.csdn.net/BeanGuohui/article/details/121969076 (Dahua, VLC log)
  const std::string sdp =
      "v=0\r\no=- 2251938508 2251938508 IN IP4 0.0.0.0\r\ns=Media Server\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
      "a=control:*\r\na=packetization-supported:DH\r\na=range:npt=now-\r\n"
      "m=video 0 RTP/AVP 96\r\na=control:trackID=0\r\na=rtpmap:96 H264/90000\r\n"
      "a=fmtp:96 packetization-mode=1;profile-level-id=4D4028;sprop-parameter-sets=Z01AKKaAeAIn5UAA,aO48gAA=\r\n"
      "m=audio 0 RTP/AVP 8\r\na=control:trackID=1\r\na=rtpmap:8 PCMA/8000\r\n";
  const Plan p = plan(
      "rtsp://192.168.0.141:554/cam/realmonitor?channel=1&subtype=0",
      "rtsp://192.168.0.141:554/cam/realmonitor?channel=1&subtype=0/", "", sdp);
  REQUIRE(p.setup.size() == 2);
  CHECK(
      p.setup[0] ==
      "rtsp://192.168.0.141:554/cam/realmonitor?channel=1&subtype=0/trackID=0");
  CHECK(
      p.setup[1] ==
      "rtsp://192.168.0.141:554/cam/realmonitor?channel=1&subtype=0/trackID=1");
  CHECK(p.aggregate ==
        "rtsp://192.168.0.141:554/cam/realmonitor?channel=1&subtype=0/");
  CHECK(dvr::decode_base64_list("Z01AKKaAeAIn5UAA,aO48gAA=").size() == 2);
}

TEST_CASE("Amcrest (Dahua firmware): the same forms on the sub stream",
          "[rtsp][url][cameras]") {
  // Amcrest uses Dahua's path (https://github.com/CamioCam/rtsp/issues/79,
  // https://github.com/mpromonet/webrtc-streamer/issues/392); answers as Dahua's above.
  const Plan p = plan(
      "rtsp://10.0.0.9:554/cam/realmonitor?channel=1&subtype=1",
      "rtsp://10.0.0.9:554/cam/realmonitor?channel=1&subtype=1/", "",
      "v=0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=control:trackID=0\r\n");
  CHECK(p.setup.at(0) ==
        "rtsp://10.0.0.9:554/cam/realmonitor?channel=1&subtype=1/trackID=0");
  CHECK(p.aggregate ==
        "rtsp://10.0.0.9:554/cam/realmonitor?channel=1&subtype=1/");
}

TEST_CASE("Hikvision: absolute controls that carry the user's credentials",
          "[rtsp][url][cameras]") {
  // https://github.com/mpromonet/webrtc-streamer/issues/138 (Hikvision-style
  // "Media Presentation" SDP with IMKH Media_header): Content-Base and every
  // control repeat the user info of the request URL.
  const std::string sdp =
      "v=0\r\ns=Media Presentation\r\ne=NONE\r\nb=AS:5050\r\nt=0 0\r\n"
      "a=control:rtsp://admin:admin000@cam.example:17970/h264/ch1/main/av_stream/\r\n"
      "m=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\na=recvonly\r\n"
      "a=control:rtsp://admin:admin000@cam.example:17970/h264/ch1/main/av_stream/trackID=1\r\n"
      "a=rtpmap:96 H264/90000\r\n";
  const Plan p =
      plan("rtsp://cam.example:17970/h264/ch1/main/av_stream",
           "rtsp://admin:admin000@cam.example:17970/h264/ch1/main/av_stream/",
           "", sdp);
  CHECK(p.setup.at(0) ==
        "rtsp://cam.example:17970/h264/ch1/main/av_stream/trackID=1");
  CHECK(p.aggregate == "rtsp://cam.example:17970/h264/ch1/main/av_stream/");
}

TEST_CASE(
    "Hikvision media server: no Content-Base, named controls, an fmtp for the wrong payload type",
    "[rtsp][url][cameras]") {
  // https://github.com/bluenviron/mediacommon/issues/144 ("HIK Media Server
  // V5.03.010"): audio is payload 104, its fmtp says 97; video has no sprop.
  const std::string sdp =
      "v=0\r\ns=HIK Media Server V5.03.010\r\nt=0 0\r\na=control:*\r\n"
      "m=video 0 RTP/AVP 96\r\na=control:trackID=video\r\na=rtpmap:96 H264/90000\r\n"
      "a=fmtp:96 profile-level-id=4D0014;packetization-mode=0\r\n"
      "m=audio 0 RTP/AVP 104\r\na=control:trackID=audio\r\na=rtpmap:104 MPEG4-GENERIC/16000\r\n"
      "a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;config=1408\r\n";
  const Plan p =
      plan("rtsp://10.1.1.1:554/Streaming/Channels/101", "", "", sdp);
  CHECK(p.setup.at(0) ==
        "rtsp://10.1.1.1:554/Streaming/Channels/101/trackID=video");
  CHECK(p.setup.at(1) ==
        "rtsp://10.1.1.1:554/Streaming/Channels/101/trackID=audio");
  CHECK(p.aggregate == "rtsp://10.1.1.1:554/Streaming/Channels/101");
  CHECK(dvr::parse_fmtp("96 profile-level-id=4D0014;packetization-mode=0")
            .count("sprop-parameter-sets") == 0);
}

TEST_CASE(
    "Axis: an absolute session control apart from Content-Base, controls with a query",
    "[rtsp][url][cameras]") {
  // https://github.com/bluenviron/mediamtx/issues/683 (AXIS Companion): the
  // session's a=control, not Content-Base, is the aggregate URL (RFC 2326 C.1.1).
  const std::string sdp =
      "v=0\r\na=control:rtsp://10.255.34.131/axis-media/media.amp?Axis-Orig-Sw=true\r\n"
      "m=video 0 RTP/AVP 96\r\na=control:rtsp://10.255.34.131/axis-media/media.amp/stream=0?Axis-Orig-Sw=true\r\n";
  const Plan p =
      plan("rtsp://10.255.34.131:554/axis-media/media.amp",
           "rtsp://10.255.34.131:554/axis-media/media.amp/", "", sdp);
  CHECK(p.setup.at(0) ==
        "rtsp://10.255.34.131/axis-media/media.amp/stream=0?Axis-Orig-Sw=true");
  CHECK(p.aggregate ==
        "rtsp://10.255.34.131/axis-media/media.amp?Axis-Orig-Sw=true");
}

TEST_CASE("Reolink (live555 inside): Content-Base with a slash, '*', trackID=1",
          "[rtsp][url][cameras]") {
  // https://github.com/scottlamb/retina/issues/17 (Reolink, openRTSP log):
  // Content-Base drops the request's port.
  const std::string sdp =
      "v=0\r\na=tool:LIVE555 Streaming Media v2013.04.08\r\na=control:*\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
      "a=fmtp:96 packetization-mode=1;profile-level-id=640033;sprop-parameter-sets=Z2QAM6zoAoALWQ==,aO48MA==\r\n"
      "a=control:trackID=1\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/16000\r\na=control:trackID=2\r\n";
  const Plan p = plan("rtsp://192.168.1.48:554/h264Preview_01_main",
                      "rtsp://192.168.1.48/h264Preview_01_main/", "", sdp);
  CHECK(p.setup.at(0) == "rtsp://192.168.1.48/h264Preview_01_main/trackID=1");
  CHECK(p.setup.at(1) == "rtsp://192.168.1.48/h264Preview_01_main/trackID=2");
  CHECK(p.aggregate == "rtsp://192.168.1.48/h264Preview_01_main/");
}

TEST_CASE(
    "Uniview: no Content-Base and no session control, absolute media controls",
    "[rtsp][url][cameras]") {
  // https://github.com/AlexxIT/go2rtc/issues/1663 ("VCP IPC Realtime stream",
  // Uniview's /media/video1 path, an ONVIF metadata stream beside the video).
  const std::string sdp =
      "v=0\r\ns=VCP IPC Realtime stream\r\nm=video 0 RTP/AVP 105\r\n"
      "a=control:rtsp://192.168.0.60/media/video1/video\r\na=rtpmap:105 H264/90000\r\n"
      "m=application 0 RTP/AVP 107\r\na=control:rtsp://192.168.0.60/media/video1/metadata\r\n";
  const Plan p = plan("rtsp://192.168.0.60:554/media/video1", "", "", sdp);
  CHECK(p.setup.at(0) == "rtsp://192.168.0.60/media/video1/video");
  CHECK(p.aggregate == "rtsp://192.168.0.60:554/media/video1");
}

TEST_CASE(
    "TP-Link Tapo: Content-Base without the port, track1/track2, sprop of (null)",
    "[rtsp][url][cameras]") {
  // https://github.com/koush/scrypted/issues/796 (Tapo C200, "TP-LINK
  // Streaming Media") and https://github.com/deepch/RTSPtoWeb/issues/224
  // (sprop-parameter-sets=(null),(null), PCMA audio).
  const std::string sdp =
      "v=0\r\na=tool:TP-LINK Streaming Media v2015.05.12\r\na=type:broadcast\r\na=control:*\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
      "a=fmtp:96 packetization-mode=1; profile-level-id=000000; sprop-parameter-sets=(null),(null)\r\n"
      "a=control:track1\r\nm=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=control:track2\r\n";
  const Plan p = plan("rtsp://10.0.0.110:554/stream1",
                      "rtsp://10.0.0.110/stream1/", "", sdp);
  CHECK(p.setup.at(0) == "rtsp://10.0.0.110/stream1/track1");
  CHECK(p.setup.at(1) == "rtsp://10.0.0.110/stream1/track2");
  CHECK(p.aggregate == "rtsp://10.0.0.110/stream1/");
  // The parameter sets then come in the stream: nothing is taken from "(null)".
  CHECK(dvr::decode_base64_list("(null),(null)").empty());
}

TEST_CASE(
    "UniFi Protect: rtsps with a query and a slash, RTP-Info naming the tracks",
    "[rtsp][url][cameras]") {
  // https://github.com/AlexxIT/go2rtc/issues/81 (EvoStream Media Server on
  // port 7441): PLAY goes to ".../TOKEN?enableSrtp/", RTP-Info names each track.
  const Plan p = plan(
      "rtsps://192.168.1.1:7441/E1oZmxXGX4dAzBsz?enableSrtp",
      "rtsps://192.168.1.1:7441/E1oZmxXGX4dAzBsz?enableSrtp/", "",
      "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:trackID=1\r\nm=audio 0 RTP/AVP 97\r\na=control:trackID=2\r\n");
  CHECK(p.setup.at(0) ==
        "rtsps://192.168.1.1:7441/E1oZmxXGX4dAzBsz?enableSrtp/trackID=1");
  CHECK(p.aggregate == "rtsps://192.168.1.1:7441/E1oZmxXGX4dAzBsz?enableSrtp/");
  const auto infos = dvr::parse_rtp_info(
      "url=rtsps://192.168.1.1:7441/E1oZmxXGX4dAzBsz?enableSrtp/trackID=1;seq=51883;rtptime=0,"
      "url=rtsps://192.168.1.1:7441/E1oZmxXGX4dAzBsz?enableSrtp/trackID=2;seq=34745;rtptime=0");
  REQUIRE(infos.size() == 2);
  CHECK(dvr::rtp_info_for(infos, p.setup[1], 0) == &infos[1]);
}

TEST_CASE("gst-rtsp-server: Content-Base drops the query, stream=N controls",
          "[rtsp][url][cameras]") {
  // The form the issue reported, and the conformance test's server answers:
  // PLAY must go to the base, not to the request URL (which gives 404).
  const Plan p = plan(
      "rtsp://127.0.0.1:18554/cam/realmonitor?channel=1&subtype=0",
      "rtsp://127.0.0.1:18554/cam/realmonitor/", "",
      "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:stream=0\r\nm=audio 0 RTP/AVP 8\r\na=control:stream=1\r\n");
  CHECK(p.setup.at(0) == "rtsp://127.0.0.1:18554/cam/realmonitor/stream=0");
  CHECK(p.setup.at(1) == "rtsp://127.0.0.1:18554/cam/realmonitor/stream=1");
  CHECK(p.aggregate == "rtsp://127.0.0.1:18554/cam/realmonitor/");
}
