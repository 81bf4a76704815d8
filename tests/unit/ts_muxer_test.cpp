// The MPEG-TS packetizer behind dvrsink's lean writer, read back packet by packet.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "adts.h"
#include "parameter_sets.h"
#include "segment_file.h"
#include "ts_muxer.h"

using dvr::kTsPacketSize;

namespace {

struct Memory : dvr::TsPacketSink {
  std::vector<uint8_t> bytes;
  uint8_t *next_packet() override {
    bytes.resize(bytes.size() + kTsPacketSize);
    return bytes.data() + bytes.size() - kTsPacketSize;
  }
  size_t packets() const { return bytes.size() / kTsPacketSize; }
  const uint8_t *packet(size_t i) const {
    return bytes.data() + i * kTsPacketSize;
  }
};

int pid_of(const uint8_t *p) { return ((p[1] & 0x1f) << 8) | p[2]; }
bool has_adaptation(const uint8_t *p) { return (p[3] & 0x20) != 0; }
const uint8_t *payload_of(const uint8_t *p) {
  return p + 4 + (has_adaptation(p) ? 1 + p[4] : 0);
}
size_t payload_size(const uint8_t *p) {
  return kTsPacketSize - static_cast<size_t>(payload_of(p) - p);
}

int64_t read_timestamp(const uint8_t *b) {
  return (int64_t{(b[0] >> 1) & 7} << 30) | (int64_t{b[1]} << 22) |
         (int64_t{b[2] >> 1} << 15) | (int64_t{b[3]} << 7) | (b[4] >> 1);
}

// One PES reassembled from the packets of a PID.
struct Pes {
  std::vector<uint8_t> data;  // the elementary stream bytes
  int64_t pts = -1, dts = -1;
  bool random_access = false;
  int64_t pcr = -1;
  size_t declared_length = 0;
};

std::vector<Pes> read_pes(const Memory &m, int pid) {
  std::vector<Pes> out;
  std::vector<uint8_t> raw;
  auto finish = [&]() {
    if (raw.empty()) return;
    Pes &p = out.back();
    REQUIRE(raw.size() >= 9);
    REQUIRE(raw[0] == 0);
    REQUIRE(raw[1] == 0);
    REQUIRE(raw[2] == 1);
    p.declared_length = (size_t{raw[4]} << 8) | raw[5];
    const int flags = raw[7] >> 6;
    if (flags & 2) p.pts = read_timestamp(&raw[9]);
    if (flags == 3) p.dts = read_timestamp(&raw[14]);
    p.data.assign(raw.begin() + 9 + raw[8], raw.end());
    if (p.declared_length) CHECK(p.declared_length == raw.size() - 6);
    raw.clear();
  };
  for (size_t i = 0; i < m.packets(); i++) {
    const uint8_t *p = m.packet(i);
    REQUIRE(p[0] == 0x47);
    if (pid_of(p) != pid) continue;
    if (p[1] & 0x40) {
      bool rai = false;
      int64_t pcr = -1;
      if (has_adaptation(p) && p[4] > 0) {
        rai = (p[5] & 0x40) != 0;
        if (p[5] & 0x10)
          pcr = (int64_t{p[6]} << 25) | (int64_t{p[7]} << 17) |
                (int64_t{p[8]} << 9) | (int64_t{p[9]} << 1) | (p[10] >> 7);
      }
      finish();
      out.emplace_back();
      out.back().random_access = rai;
      out.back().pcr = pcr;
      raw.assign(payload_of(p), payload_of(p) + payload_size(p));
    } else {
      raw.insert(raw.end(), payload_of(p), payload_of(p) + payload_size(p));
    }
  }
  finish();
  return out;
}

std::vector<uint8_t> pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> v(size);
  for (size_t i = 0; i < size; i++) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

void write_frame(dvr::TsMuxer &mux, Memory &m, const std::vector<uint8_t> &data,
                 int64_t pts, int64_t dts, bool keyframe, bool audio = false) {
  dvr::TsChunk chunk{data.data(), data.size()};
  dvr::TsFrame f;
  f.chunks = &chunk;
  f.chunk_count = 1;
  f.pts = pts;
  f.dts = dts;
  f.keyframe = keyframe;
  if (audio)
    mux.write_audio(m, f);
  else
    mux.write_video(m, f);
}

}  // namespace

TEST_CASE(
    "every frame size comes back whole from exactly filled 188-byte packets") {
  dvr::TsMuxer mux;
  mux.set_streams(dvr::TsStreamType::kH264, dvr::TsStreamType::kNone);
  Memory m;
  std::vector<std::vector<uint8_t>> frames;
  // Around every packet boundary, with and without the PCR's adaptation field.
  for (size_t size = 1; size < 600; size += (size < 400 ? 1 : 37))
    frames.push_back(pattern(size, uint8_t(size)));
  frames.push_back(pattern(70000, 3));  // beyond a 16-bit PES length
  int64_t t = 1000;
  for (size_t i = 0; i < frames.size(); i++, t += 3000)
    write_frame(mux, m, frames[i], t, t, i % 5 == 0);
  REQUIRE(m.bytes.size() % kTsPacketSize == 0);
  std::vector<Pes> pes = read_pes(m, dvr::kTsVideoPid);
  REQUIRE(pes.size() == frames.size());
  for (size_t i = 0; i < frames.size(); i++) {
    INFO("frame " << i << " of " << frames[i].size() << " bytes");
    CHECK(pes[i].data == frames[i]);
    CHECK(pes[i].random_access == (i % 5 == 0));
  }
  CHECK(pes.back().declared_length == 0);
}

TEST_CASE("PTS and DTS are written in 33 bits, DTS only where it differs") {
  dvr::TsMuxer mux;
  mux.set_streams(dvr::TsStreamType::kH265, dvr::TsStreamType::kAacAdts);
  Memory m;
  const int64_t wrap = int64_t{1} << 33;
  write_frame(mux, m, pattern(500, 1), wrap + 7200, wrap + 3600, true);
  write_frame(mux, m, pattern(500, 2), 9000, 9000, false);
  write_frame(mux, m, pattern(300, 3), 4500, 4500, false, true);
  std::vector<Pes> video = read_pes(m, dvr::kTsVideoPid);
  REQUIRE(video.size() == 2);
  CHECK(video[0].pts == 7200);
  CHECK(video[0].dts == 3600);
  CHECK(video[1].pts == 9000);
  CHECK(video[1].dts == -1);
  std::vector<Pes> audio = read_pes(m, dvr::kTsAudioPid);
  REQUIRE(audio.size() == 1);
  CHECK(audio[0].pts == 4500);
  CHECK(audio[0].pcr == -1);
}

TEST_CASE(
    "video carries a PCR behind its DTS on keyframes and at least every 40 ms") {
  dvr::TsMuxer mux;
  mux.set_streams(dvr::TsStreamType::kH264, dvr::TsStreamType::kNone);
  Memory m;
  for (int i = 0; i < 10; i++)
    write_frame(mux, m, pattern(200, 1), 90000 + i * 1800, 90000 + i * 1800,
                i == 0);
  std::vector<Pes> pes = read_pes(m, dvr::kTsVideoPid);
  REQUIRE(pes.size() == 10);
  int64_t last = -1;
  for (size_t i = 0; i < pes.size(); i++) {
    if (pes[i].pcr < 0) continue;
    CHECK(pes[i].pcr < pes[i].pts);  // DTS equals PTS here
    if (last >= 0) CHECK(pes[i].pcr - last <= 3600);
    last = pes[i].pcr;
  }
  CHECK(pes[0].pcr >= 0);
  CHECK(pes[2].pcr >= 0);
}

TEST_CASE("PAT and PMT describe the program and pass their CRC") {
  dvr::TsMuxer mux;
  mux.set_streams(dvr::TsStreamType::kH264, dvr::TsStreamType::kAacAdts);
  Memory m;
  mux.write_tables(m);
  REQUIRE(m.packets() == 2);
  const uint8_t *pat = m.packet(0);
  CHECK(pid_of(pat) == 0);
  const uint8_t *section = pat + 5;
  size_t length = ((section[1] & 0x0f) << 8) | section[2];
  CHECK(dvr::ts_crc32(section, 3 + length) ==
        0);  // a section with its CRC sums to zero
  CHECK((((section[10] & 0x1f) << 8) | section[11]) == dvr::kTsPmtPid);

  const uint8_t *pmt = m.packet(1);
  CHECK(pid_of(pmt) == dvr::kTsPmtPid);
  section = pmt + 5;
  length = ((section[1] & 0x0f) << 8) | section[2];
  CHECK(dvr::ts_crc32(section, 3 + length) == 0);
  CHECK(section[12] == 0x1b);
  CHECK(section[17] == 0x0f);
  const int version = (section[5] >> 1) & 0x1f;

  // A change of codec is a new PMT version, so that a demuxer reads it again.
  mux.set_streams(dvr::TsStreamType::kH265, dvr::TsStreamType::kAacAdts);
  mux.write_tables(m);
  section = m.packet(3) + 5;
  CHECK(section[12] == 0x24);
  CHECK(((section[5] >> 1) & 0x1f) == version + 1);
}

TEST_CASE("continuity counters run on across segments for every PID") {
  dvr::TsMuxer mux;
  mux.set_streams(dvr::TsStreamType::kH264, dvr::TsStreamType::kAacAdts);
  Memory m;
  for (int segment = 0; segment < 20; segment++) {
    mux.write_tables(m);
    write_frame(mux, m, pattern(3000, 1), segment * 9000, segment * 9000, true);
    write_frame(mux, m, pattern(400, 2), segment * 9000, segment * 9000, false,
                true);
  }
  std::map<int, int> last;
  for (size_t i = 0; i < m.packets(); i++) {
    const uint8_t *p = m.packet(i);
    REQUIRE((p[3] & 0x10) != 0);  // every packet here has payload
    const int cc = p[3] & 0x0f;
    auto it = last.find(pid_of(p));
    if (it != last.end()) CHECK(cc == ((it->second + 1) & 0x0f));
    last[pid_of(p)] = cc;
  }
  CHECK(last.size() == 4);
}

TEST_CASE(
    "a keyframe that lacks the parameter sets gets the last ones seen, after its delimiter") {
  const std::vector<uint8_t> first = {
      0, 0, 0, 1,    0x09, 0xf0,                     // AUD
      0, 0, 0, 1,    0x67, 0x42, 0x00, 0x1e, 0x00,   // SPS (trailing zero)
      0, 0, 1, 0x68, 0xce, 0x3c, 0x80,               // PPS
      0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x00, 0x01};  // IDR slice
  const std::vector<uint8_t> later = {0, 0, 0, 1,    0x09, 0xf0,
                                      0, 0, 1, 0x65, 0x88, 0x80};
  dvr::ParameterSetCache cache(dvr::VideoCodec::kH264);
  size_t at = 99;
  CHECK(cache.missing_from(first.data(), first.size(), &at).empty());
  const std::vector<uint8_t> expected = {0, 0, 0, 1, 0x67, 0x42, 0x00, 0x1e,
                                         0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};
  CHECK(cache.missing_from(later.data(), later.size(), &at) == expected);
  CHECK(at == 6);  // after the AUD

  dvr::ParameterSetCache hevc(dvr::VideoCodec::kH265);
  const std::vector<uint8_t> h265_first = {
      0, 0, 1, 0x40, 0x01, 0xaa, 0, 0, 1, 0x42, 0x01, 0xbb,
      0, 0, 1, 0x44, 0x01, 0xcc, 0, 0, 1, 0x26, 0x01, 0xdd};
  const std::vector<uint8_t> h265_later = {0, 0, 1, 0x26, 0x01, 0xee};
  CHECK(hevc.missing_from(h265_first.data(), h265_first.size(), &at).empty());
  CHECK(at == 0);
  CHECK(hevc.missing_from(h265_later.data(), h265_later.size(), &at).size() ==
        3 * 7);
}

TEST_CASE(
    "a segment file is written in whole packets and never replaces an existing file") {
  char tmpl[] = "/tmp/dvr-segment-file-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  const std::string path = std::string(tmpl) + "/seg.ts";
  {
    dvr::SegmentFile file(1000);  // 5 packets
    REQUIRE(file.capacity() == 5 * kTsPacketSize);
    REQUIRE(file.open(path) == 0);
    CHECK(dvr::SegmentFile(1000).open(path) == EEXIST);  // never overwrites
    for (int i = 0; i < 12; i++)
      file.next_packet()[0] = static_cast<uint8_t>(i);
    CHECK(file.finish() == 0);
    CHECK(file.bytes() == 12 * kTsPacketSize);
  }
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  REQUIRE(content.size() == 12 * kTsPacketSize);
  CHECK(content[11 * kTsPacketSize] == 11);
  unlink(path.c_str());
  rmdir(tmpl);
}

TEST_CASE(
    "an ADTS header gives a decoder the profile, rate, channels and frame length") {
  uint8_t h[dvr::kAdtsHeaderSize];
  dvr::write_adts_header(h, 1, 3, 2, 371);  // AAC LC, 48 kHz, stereo
  CHECK(h[0] == 0xff);
  CHECK((h[1] & 0xf6) == 0xf0);  // sync, MPEG-4, layer 0
  CHECK((h[2] >> 6) == 1);
  CHECK(((h[2] >> 2) & 0xf) == 3);
  CHECK((((h[2] & 1) << 2) | (h[3] >> 6)) == 2);
  CHECK((((h[3] & 3) << 11) | (h[4] << 3) | (h[5] >> 5)) == 371);
}
