// The lean RTSP source's core: interleaved framing, RTP headers, H.264/H.265
// and AAC depayloading, SDP values, and the RTP clock.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rtcp_report.h"
#include "rtp_aac_depay.h"
#include "rtp_clock.h"
#include "rtp_packet.h"
#include "rtp_video_depay.h"
#include "sdp_fmtp.h"

namespace {

using Bytes = std::vector<uint8_t>;

Bytes rtp(uint16_t seq, uint32_t ts, bool marker, const Bytes &payload,
          uint8_t pt = 96) {
  Bytes out = {0x80,
               static_cast<uint8_t>((marker ? 0x80 : 0) | pt),
               static_cast<uint8_t>(seq >> 8),
               static_cast<uint8_t>(seq),
               static_cast<uint8_t>(ts >> 24),
               static_cast<uint8_t>(ts >> 16),
               static_cast<uint8_t>(ts >> 8),
               static_cast<uint8_t>(ts),
               0x11,
               0x22,
               0x33,
               0x44};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

dvr::RtpPacket parsed(const Bytes &bytes) {
  dvr::RtpPacket p;
  REQUIRE(dvr::parse_rtp_packet(bytes.data(), bytes.size(), &p));
  return p;
}

Bytes interleaved(uint8_t channel, const Bytes &packet) {
  Bytes out = {'$', channel, static_cast<uint8_t>(packet.size() >> 8),
               static_cast<uint8_t>(packet.size())};
  out.insert(out.end(), packet.begin(), packet.end());
  return out;
}

Bytes length_prefixed(const std::vector<Bytes> &units) {
  Bytes out;
  for (const auto &u : units) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(u.size() >> shift));
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

struct Collected {
  Bytes data;
  uint32_t timestamp;
  bool keyframe;
  bool discont;
};

struct VideoSink {
  std::vector<Collected> units;
  dvr::RtpVideoDepayloader depay;
  explicit VideoSink(dvr::VideoCodec codec)
      : depay(codec, [this](const dvr::AccessUnit &au) {
          units.push_back({Bytes(au.data, au.data + au.size), au.timestamp,
                           au.keyframe, au.discont});
        }) {}
  void push(const Bytes &packet) { depay.push(parsed(packet)); }
};

const Bytes kSps = {0x67, 0x42, 0x00, 0x1f, 0xaa};
const Bytes kPps = {0x68, 0xce, 0x3c, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33, 0x44, 0x55};
const Bytes kSlice = {0x41, 0x9a, 0x22, 0x11};

}  // namespace

TEST_CASE(
    "interleaved packets and RTSP responses are read in place, whole or not at all",
    "[rtp]") {
  Bytes stream = interleaved(0, rtp(1, 90000, true, {0x41, 1}));
  const std::string response =
      "RTSP/1.0 200 OK\r\nCSeq: 7\r\nContent-Length: 4\r\n\r\nabcd";
  stream.insert(stream.end(), response.begin(), response.end());
  const Bytes rtcp = interleaved(1, {0x80, 200, 0, 0});
  stream.insert(stream.end(), rtcp.begin(), rtcp.end());

  dvr::InterleavedItem item;
  size_t at = 0;
  size_t used = dvr::next_interleaved_item(stream.data(), stream.size(), &item);
  REQUIRE(used == 4 + 14);
  CHECK(item.kind == dvr::InterleavedItem::Kind::kPacket);
  CHECK(item.channel == 0);
  CHECK(item.size == 14);
  at += used;
  used =
      dvr::next_interleaved_item(stream.data() + at, stream.size() - at, &item);
  REQUIRE(used == response.size());
  CHECK(item.kind == dvr::InterleavedItem::Kind::kRtspMessage);
  CHECK(dvr::rtsp_status_code(item.payload, item.size) == 200);
  at += used;
  // Only part of the last packet: nothing yet.
  CHECK(dvr::next_interleaved_item(stream.data() + at, rtcp.size() - 1,
                                   &item) == 0);
  used =
      dvr::next_interleaved_item(stream.data() + at, stream.size() - at, &item);
  CHECK(used == rtcp.size());
  CHECK(item.channel == 1);
  // A response cut before its body ends waits for the rest.
  CHECK(dvr::next_interleaved_item(
            reinterpret_cast<const uint8_t *>(response.data()),
            response.size() - 1, &item) == 0);
}

TEST_CASE(
    "bytes that are neither a packet nor a response are skipped up to the next packet",
    "[rtp]") {
  Bytes stream = {0x00, 0x13, 0xff};
  const Bytes packet = interleaved(2, rtp(5, 0, false, {0x41}));
  stream.insert(stream.end(), packet.begin(), packet.end());
  dvr::InterleavedItem item;
  const size_t used =
      dvr::next_interleaved_item(stream.data(), stream.size(), &item);
  CHECK(item.kind == dvr::InterleavedItem::Kind::kSkip);
  CHECK(used == 3);
  CHECK(dvr::next_interleaved_item(stream.data() + used, stream.size() - used,
                                   &item) == packet.size());
  CHECK(item.kind == dvr::InterleavedItem::Kind::kPacket);
}

TEST_CASE(
    "RTP headers with CSRCs, an extension and padding give the payload alone",
    "[rtp]") {
  Bytes p = {0xb1, 0xe0, 0x12, 0x34, 0, 0, 0x10, 0,
             1,    2,    3,    4,                    // V=2 P X CC=1, M, PT 96
             9,    9,    9,    9,                    // CSRC
             0xbe, 0xde, 0,    1,    7, 7, 7,    7,  // extension, one word
             0x65, 0x01, 0,    0,    3};  // payload, 3 bytes of padding
  dvr::RtpPacket r;
  REQUIRE(dvr::parse_rtp_packet(p.data(), p.size(), &r));
  CHECK(r.marker);
  CHECK(r.payload_type == 96);
  CHECK(r.sequence == 0x1234);
  CHECK(r.timestamp == 0x1000);
  CHECK(r.ssrc == 0x01020304);
  CHECK(Bytes(r.payload, r.payload + r.payload_size) == Bytes{0x65, 0x01});
  p[0] = 0x40;  // version 1
  CHECK_FALSE(dvr::parse_rtp_packet(p.data(), p.size(), &r));
  CHECK_FALSE(dvr::parse_rtp_packet(p.data(), 11, &r));
}

TEST_CASE(
    "H.264 single NAL units, STAP-A and FU-A make one length-prefixed access unit per picture",
    "[rtp][h264]") {
  VideoSink sink(dvr::VideoCodec::kH264);
  // STAP-A with SPS and PPS, then an IDR in three FU-A fragments (marker on the last).
  Bytes stap = {24, 0, static_cast<uint8_t>(kSps.size())};
  stap.insert(stap.end(), kSps.begin(), kSps.end());
  stap.insert(stap.end(), {0, static_cast<uint8_t>(kPps.size())});
  stap.insert(stap.end(), kPps.begin(), kPps.end());
  sink.push(rtp(10, 3600, false, stap));
  const uint8_t fu_indicator = (kIdr[0] & 0xe0) | 28;
  sink.push(rtp(11, 3600, false, {fu_indicator, 0x85, kIdr[1], kIdr[2]}));
  sink.push(rtp(12, 3600, false, {fu_indicator, 0x05, kIdr[3], kIdr[4]}));
  sink.push(rtp(13, 3600, true, {fu_indicator, 0x45, kIdr[5], kIdr[6]}));
  sink.push(rtp(14, 7200, true, kSlice));
  REQUIRE(sink.units.size() == 2);
  CHECK(sink.units[0].data == length_prefixed({kSps, kPps, kIdr}));
  CHECK(sink.units[0].keyframe);
  CHECK(sink.units[0].timestamp == 3600);
  CHECK(sink.units[1].data == length_prefixed({kSlice}));
  CHECK_FALSE(sink.units[1].keyframe);
  CHECK_FALSE(sink.units[1].discont);
}

TEST_CASE(
    "an access unit also ends when a packet of the next timestamp arrives without a marker",
    "[rtp][h264]") {
  VideoSink sink(dvr::VideoCodec::kH264);
  sink.push(rtp(1, 100, false, kSlice));
  sink.push(rtp(2, 200, false, kSlice));
  REQUIRE(sink.units.size() == 1);
  CHECK(sink.units[0].timestamp == 100);
  sink.depay.flush();
  REQUIRE(sink.units.size() == 2);
  CHECK(sink.units[1].timestamp == 200);
}

TEST_CASE(
    "a lost fragment drops that NAL unit and marks the access unit as discontinuous",
    "[rtp][h264]") {
  VideoSink sink(dvr::VideoCodec::kH264);
  const uint8_t fu_indicator = 0x60 | 28;
  sink.push(rtp(1, 100, false, kSlice));
  sink.push(rtp(2, 100, false, {fu_indicator, 0x81, 1, 2}));
  // sequence 3 lost
  sink.push(rtp(4, 100, true, {fu_indicator, 0x41, 5, 6}));
  REQUIRE(sink.units.size() == 1);
  CHECK(sink.units[0].data == length_prefixed({kSlice}));
  CHECK(sink.units[0].discont);
}

TEST_CASE(
    "what the end of the stream leaves of an access unit without its picture is not handed on",
    "[rtp][h264]") {
  VideoSink sink(dvr::VideoCodec::kH264);
  const Bytes aud = {0x09, 0xf0};
  const uint8_t fu_indicator = 0x60 | 28;
  sink.push(rtp(1, 100, false, aud));
  sink.push(rtp(2, 100, true, kSlice));
  // The next access unit: its delimiter and the first fragment of its slice,
  // then the stream ends.
  sink.push(rtp(3, 200, false, aud));
  sink.push(rtp(4, 200, false, {fu_indicator, 0x81, 1, 2}));
  sink.depay.flush();
  REQUIRE(sink.units.size() == 1);
  CHECK(sink.units[0].data == length_prefixed({aud, kSlice}));
  // A delimiter alone is dropped too, and the loss before it is still said.
  sink.push(rtp(6, 300, false, aud));
  sink.push(rtp(7, 400, true, kSlice));
  REQUIRE(sink.units.size() == 2);
  CHECK(sink.units[1].data == length_prefixed({kSlice}));
  CHECK(sink.units[1].discont);
}

TEST_CASE(
    "the SDP's parameter sets go in front of keyframes until the stream sends its own",
    "[rtp][h264]") {
  VideoSink sink(dvr::VideoCodec::kH264);
  sink.depay.set_parameter_sets({kSps, kPps});
  sink.push(rtp(1, 100, true, kIdr));
  sink.push(rtp(2, 200, true, kSlice));
  REQUIRE(sink.units.size() == 2);
  CHECK(sink.units[0].data == length_prefixed({kSps, kPps, kIdr}));
  CHECK(sink.units[1].data == length_prefixed({kSlice}));
  // In-band sets from now on: the SDP's (perhaps stale) ones are not added any more.
  Bytes stap = {24, 0, static_cast<uint8_t>(kSps.size())};
  stap.insert(stap.end(), kSps.begin(), kSps.end());
  sink.push(rtp(3, 300, false, stap));
  sink.push(rtp(4, 300, true, kIdr));
  sink.push(rtp(5, 400, true, kIdr));
  REQUIRE(sink.units.size() == 4);
  CHECK(sink.units[3].data == length_prefixed({kIdr}));
}

TEST_CASE(
    "H.265 single units, AP and FU make access units; IRAP pictures are keyframes",
    "[rtp][h265]") {
  VideoSink sink(dvr::VideoCodec::kH265);
  const Bytes vps = {0x40, 0x01, 0x0c}, sps = {0x42, 0x01, 0x01},
              pps = {0x44, 0x01, 0xc0};
  const Bytes idr = {0x26, 0x01, 0xaf, 0x10, 0x20};  // type 19 (IDR_W_RADL)
  const Bytes trail = {0x02, 0x01, 0xd0, 0x01};      // type 1
  Bytes ap = {48 << 1, 0x01};
  for (const auto *u : {&vps, &sps, &pps}) {
    ap.insert(ap.end(), {0, static_cast<uint8_t>(u->size())});
    ap.insert(ap.end(), u->begin(), u->end());
  }
  sink.push(rtp(1, 1000, false, ap));
  const uint8_t fu0 = (49 << 1), fu1 = 0x01;
  sink.push(rtp(2, 1000, false, {fu0, fu1, 0x80 | 19, idr[2], idr[3]}));
  sink.push(rtp(3, 1000, true, {fu0, fu1, 0x40 | 19, idr[4]}));
  sink.push(rtp(4, 4600, true, trail));
  REQUIRE(sink.units.size() == 2);
  CHECK(sink.units[0].data == length_prefixed({vps, sps, pps, idr}));
  CHECK(sink.units[0].keyframe);
  CHECK(sink.units[1].data == length_prefixed({trail}));
  CHECK_FALSE(sink.units[1].keyframe);
}

TEST_CASE(
    "AAC mpeg4-generic: each AU of a packet is a frame, 1024 samples apart; large frames span packets",
    "[rtp][aac]") {
  std::vector<Collected> frames;
  dvr::RtpAacDepayloader depay(dvr::AacLayout{}, [&](const dvr::AacFrame &f) {
    frames.push_back(
        {Bytes(f.data, f.data + f.size), f.timestamp, false, f.discont});
  });
  // Two AUs of 3 and 2 bytes: headers 16 bits each (13 size + 3 index).
  depay.push(parsed(rtp(
      1, 5000, true, {0x00, 0x20, 0x00, 0x18, 0x00, 0x10, 1, 2, 3, 4, 5}, 97)));
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].data == Bytes{1, 2, 3});
  CHECK(frames[0].timestamp == 5000);
  CHECK(frames[1].data == Bytes{4, 5});
  CHECK(frames[1].timestamp == 5000 + 1024);
  // One AU of 4 bytes over two packets.
  depay.push(parsed(rtp(2, 7048, false, {0x00, 0x10, 0x00, 0x20, 9, 8}, 97)));
  CHECK(frames.size() == 2);
  depay.push(parsed(rtp(3, 7048, true, {0x00, 0x10, 0x00, 0x20, 7, 6}, 97)));
  REQUIRE(frames.size() == 3);
  CHECK(frames[2].data == Bytes{9, 8, 7, 6});
  CHECK(frames[2].timestamp == 7048);
  // A header that claims more than the packet has is dropped, and the next frame is marked.
  depay.push(parsed(rtp(4, 8072, true, {0x00, 0x10, 0x01, 0x00, 1}, 97)));
  depay.push(parsed(rtp(5, 9096, true, {0x00, 0x10, 0x00, 0x08, 1}, 97)));
  REQUIRE(frames.size() == 4);
  CHECK(frames[3].discont);
}

TEST_CASE(
    "SDP rtpmap, fmtp, parameter sets, AAC config, control URLs and RTP-Info are read",
    "[sdp]") {
  dvr::RtpMap map;
  REQUIRE(dvr::parse_rtpmap("97 mpeg4-generic/16000/2", &map));
  CHECK(map.payload_type == 97);
  CHECK(map.encoding == "MPEG4-GENERIC");
  CHECK(map.clock_rate == 16000);
  CHECK(map.channels == 2);
  CHECK_FALSE(dvr::parse_rtpmap("H264/90000", &map));
  auto f = dvr::parse_fmtp(
      "96 packetization-mode=1; profile-level-id=42001f;sprop-parameter-sets=Z0IAH6o=,aM48gA==");
  CHECK(f["packetization-mode"] == "1");
  const auto sets = dvr::decode_base64_list(f["sprop-parameter-sets"]);
  REQUIRE(sets.size() == 2);
  CHECK(sets[0] == kSps);
  CHECK(sets[1] == kPps);
  CHECK(dvr::decode_hex("1408") == Bytes{0x14, 0x08});
  CHECK(dvr::decode_hex("14g8").empty());
  const auto infos = dvr::parse_rtp_info(
      "url=rtsp://h/cam/trackID=0;seq=5;rtptime=4294967295,url=rtsp://h/cam/trackID=1;seq=9");
  REQUIRE(infos.size() == 2);
  CHECK(infos[0].has_rtptime);
  CHECK(infos[0].rtptime == 4294967295u);
  CHECK_FALSE(infos[1].has_rtptime);
  CHECK(dvr::rtp_info_for(infos, "rtsp://other/cam?x=1/trackID=1", 0) ==
        &infos[1]);
  CHECK(dvr::rtp_info_for(infos, "rtsp://h/x", 0) == &infos[0]);
}

TEST_CASE(
    "a receiver report names the source, its highest sequence and the last sender report",
    "[rtcp]") {
  dvr::ReceptionStats stats;
  stats.source_ssrc = 0x11223344;
  stats.highest_sequence = 0x00010005;
  stats.last_sr = 0xaabbccdd;
  const auto rr = dvr::receiver_report(0x01020304, stats, "dvr");
  REQUIRE(rr.size() % 4 == 0);
  CHECK(rr[1] == 201);
  CHECK(Bytes(rr.begin() + 8, rr.begin() + 12) ==
        Bytes{0x11, 0x22, 0x33, 0x44});
  CHECK(Bytes(rr.begin() + 16, rr.begin() + 20) == Bytes{0, 1, 0, 5});
  CHECK(Bytes(rr.begin() + 24, rr.begin() + 28) ==
        Bytes{0xaa, 0xbb, 0xcc, 0xdd});
  CHECK(rr[33] == 202);  // SDES follows
  // Both packets' lengths add up to the whole.
  const size_t first = 4 * (1 + (rr[2] << 8 | rr[3]));
  CHECK(first + 4 * (1 + (rr[first + 2] << 8 | rr[first + 3])) == rr.size());
  dvr::SenderReport sr;
  const Bytes report = {0x80, 200, 0, 6, 1,    2, 3, 4, 0, 0, 0, 9, 0x80, 0,
                        0,    0,   0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0,    0};
  REQUIRE(dvr::find_sender_report(report.data(), report.size(), &sr));
  CHECK(sr.ntp == (uint64_t{9} << 32 | 0x80000000u));
  CHECK(sr.rtp_timestamp == 0x1000);
}

TEST_CASE("RTP timestamps unwrap across 2^32 in both directions", "[clock]") {
  dvr::RtpTimestampUnwrapper u;
  CHECK(u.unwrap(0xfffffff0u) == 0xfffffff0ll);
  CHECK(u.unwrap(0x10u) == 0x100000010ll);
  CHECK(u.unwrap(0xfffffff8u) == 0xfffffff8ll);
}

TEST_CASE(
    "PTS is the first packet's arrival plus the RTP time since, across a wrap",
    "[clock]") {
  dvr::RtpClockMapping clock(90000, std::nullopt);
  dvr::SessionZero zero;
  const int64_t s = dvr::RtpClockMapping::kSecond;
  CHECK(clock.running_time(0xffffffffu - 3599, 5 * s, &zero, nullptr) == 5 * s);
  // 40 ms later by the RTP clock, past the wrap.
  CHECK(clock.running_time(0xffffffffu - 3599 + 3600, 5 * s + 40000000, &zero,
                           nullptr) == 5 * s + 40000000);
  CHECK(clock.running_time(7200, 5 * s + 120000000, &zero, nullptr) ==
        5 * s + 120000000);
}

TEST_CASE("streams with RTP-Info share its instant, so audio and video line up",
          "[clock]") {
  dvr::SessionZero zero;
  const int64_t s = dvr::RtpClockMapping::kSecond;
  dvr::RtpClockMapping video(90000, 1000u), audio(8000, 50u);
  // The first video packet is 0.5 s of RTP time after RTP-Info, and arrives at 10 s.
  CHECK(video.running_time(1000 + 45000, 10 * s, &zero, nullptr) == 10 * s);
  // Audio 0.5 s after its RTP-Info stands for the same instant, whenever it arrives.
  CHECK(audio.running_time(50 + 4000, 10 * s + 300000000, &zero, nullptr) ==
        10 * s);
}

TEST_CASE(
    "a drifting camera clock is followed slowly: PTS stays near arrival and never runs backwards",
    "[clock]") {
  const int64_t s = dvr::RtpClockMapping::kSecond;
  for (const double ppm : {100.0, -100.0}) {
    dvr::RtpClockMapping clock(90000, std::nullopt);
    dvr::SessionZero zero;
    std::mt19937 random(7);
    std::uniform_int_distribution<int64_t> jitter(
        0, 30000000);  // up to 30 ms late
    int64_t last = INT64_MIN, worst = 0;
    // One hour of 25 fps frames from a camera whose clock runs ppm fast (or slow).
    for (int64_t frame = 0; frame < 25 * 3600; ++frame) {
      const int64_t true_time = frame * s / 25;
      const uint32_t rtp = static_cast<uint32_t>(
          static_cast<int64_t>(frame * 3600 * (1 + ppm / 1e6)));
      const int64_t arrival = 100 * s + true_time + jitter(random);
      const int64_t pts = clock.running_time(rtp, arrival, &zero, nullptr);
      REQUIRE(pts >= last);
      last = pts;
      if (frame > 25 * 10) worst = std::max(worst, std::abs(arrival - pts));
    }
    INFO("ppm " << ppm);
    // Uncorrected, 100 ppm is 360 ms after an hour.
    CHECK(worst < 60000000);
  }
}

TEST_CASE(
    "a jump of the RTP clock starts again from the arrival time, without going backwards",
    "[clock]") {
  const int64_t s = dvr::RtpClockMapping::kSecond;
  dvr::RtpClockMapping clock(90000, std::nullopt);
  dvr::SessionZero zero;
  clock.running_time(1000, 10 * s, &zero, nullptr);
  bool discont = false;
  const int64_t pts = clock.running_time(1000 + 90000 * 600, 10 * s + 40000000,
                                         &zero, &discont);
  CHECK(discont);
  CHECK(pts == 10 * s + 40000000);
  discont = false;
  CHECK(clock.running_time(1000 + 90000 * 600 + 3600, 10 * s + 80000000, &zero,
                           &discont) == 10 * s + 80000000);
  CHECK_FALSE(discont);
}
