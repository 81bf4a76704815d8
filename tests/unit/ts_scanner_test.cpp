// The MPEG-TS scanner behind dvrsink's TS input, on crafted packets.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "ts_muxer.h"
#include "ts_scanner.h"

using dvr::kTsPacketSize;

namespace {

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x100;
constexpr uint16_t kAudioPid = 0x101;

struct Stream {
  std::vector<uint8_t> bytes;
  uint8_t cc[8192] = {};

  uint8_t *packet(uint16_t pid, bool unit_start, int control = 1) {
    bytes.resize(bytes.size() + kTsPacketSize, 0xff);
    uint8_t *p = bytes.data() + bytes.size() - kTsPacketSize;
    p[0] = 0x47;
    p[1] = static_cast<uint8_t>((unit_start ? 0x40 : 0) | (pid >> 8));
    p[2] = static_cast<uint8_t>(pid);
    p[3] = static_cast<uint8_t>((control << 4) | (cc[pid] & 0x0f));
    if (control & 1) cc[pid]++;
    return p;
  }

  void section(uint16_t pid, std::vector<uint8_t> s) {
    const size_t length = s.size() - 3 + 4;
    s[1] = static_cast<uint8_t>(0xb0 | (length >> 8));
    s[2] = static_cast<uint8_t>(length);
    const uint32_t crc = dvr::ts_crc32(s.data(), s.size());
    for (int shift = 24; shift >= 0; shift -= 8)
      s.push_back(static_cast<uint8_t>(crc >> shift));
    uint8_t *p = packet(pid, true);
    p[4] = 0;
    std::memcpy(p + 5, s.data(), s.size());
  }

  void pat() {
    section(0, {0x00, 0, 0, 0, 1, 0xc1, 0, 0, 0, 1, 0xe0 | (kPmtPid >> 8),
                kPmtPid & 0xff});
  }

  // Streams as (type, pid) pairs; the PCR on the first.
  void pmt(std::vector<std::pair<uint8_t, uint16_t>> streams,
           uint8_t version = 0) {
    std::vector<uint8_t> s = {
        0x02,
        0,
        0,
        0,
        1,
        static_cast<uint8_t>(0xc1 | (version << 1)),
        0,
        0,
        static_cast<uint8_t>(0xe0 | (streams[0].second >> 8)),
        static_cast<uint8_t>(streams[0].second),
        0xf0,
        0};
    for (auto [type, pid] : streams) {
      s.insert(s.end(), {type, static_cast<uint8_t>(0xe0 | (pid >> 8)),
                         static_cast<uint8_t>(pid), 0xf0, 0});
    }
    section(kPmtPid, s);
  }

  void tables(uint8_t video_type = 0x1b) {
    pat(), pmt({{video_type, kVideoPid}, {0x0f, kAudioPid}});
  }

  // A PES of es on pid (pts/dts -1: absent), over as many packets as it takes;
  // the first packet gets an adaptation field of af_size bytes (with the
  // random_access_indicator if asked for).
  void pes(uint16_t pid, const std::vector<uint8_t> &es, int64_t pts,
           int64_t dts = -1, bool random_access = false, size_t af_size = 0) {
    std::vector<uint8_t> data = {0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0};
    auto put = [&](uint8_t marker, int64_t t) {
      data.push_back(
          static_cast<uint8_t>((marker << 4) | ((t >> 29) & 0x0e) | 1));
      data.push_back(static_cast<uint8_t>(t >> 22));
      data.push_back(static_cast<uint8_t>(((t >> 14) & 0xfe) | 1));
      data.push_back(static_cast<uint8_t>(t >> 7));
      data.push_back(static_cast<uint8_t>(((t << 1) & 0xfe) | 1));
    };
    if (pts >= 0) {
      data[7] = dts >= 0 ? 0xc0 : 0x80;
      put(dts >= 0 ? 3 : 2, pts);
      if (dts >= 0) put(1, dts);
    }
    data[8] = static_cast<uint8_t>(data.size() - 9);
    data.insert(data.end(), es.begin(), es.end());
    size_t at = 0;
    bool first = true;
    if (random_access && af_size < 2) af_size = 2;
    while (at < data.size()) {
      size_t af = first ? af_size : 0;
      const size_t room = 184 - af;
      if (data.size() - at < room) af = 184 - (data.size() - at);
      uint8_t *p = packet(pid, first, af > 0 ? 3 : 1);
      if (af > 0) {
        p[4] = static_cast<uint8_t>(af - 1);
        if (af > 1) p[5] = first && random_access ? 0x40 : 0x00;
      }
      const size_t take = 184 - af;
      std::memcpy(p + 4 + af, data.data() + at, take);
      at += take;
      first = false;
    }
  }
};

std::vector<uint8_t> nal(uint8_t header, size_t size) {
  std::vector<uint8_t> n = {0, 0, 0, 1, header};
  n.resize(4 + size, 0x55);
  return n;
}

std::vector<uint8_t> operator+(std::vector<uint8_t> a,
                               const std::vector<uint8_t> &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Recorder : dvr::TsScanListener {
  std::vector<dvr::TsProgram> programs;
  std::vector<dvr::TsAccessUnit> units;
  void on_program(const dvr::TsProgram &p) override { programs.push_back(p); }
  void on_access_unit(const dvr::TsAccessUnit &u) override {
    units.push_back(u);
  }
};

// Scans bytes in pieces of `piece` bytes (all at once for 0).
Recorder scan_all(const std::vector<uint8_t> &bytes, size_t piece = 0) {
  Recorder r;
  dvr::TsScanner scanner(r);
  if (piece == 0) piece = bytes.size();
  for (size_t at = 0; at < bytes.size(); at += piece)
    scanner.scan(bytes.data() + at, std::min(piece, bytes.size() - at));
  scanner.finish();
  return r;
}

const std::vector<uint8_t> kIdr =
    nal(0x09, 2) + nal(0x67, 20) + nal(0x68, 4) + nal(0x65, 3000);
const std::vector<uint8_t> kP = nal(0x09, 2) + nal(0x41, 900);

}  // namespace

TEST_CASE(
    "access units run from one video PES start to the next, with the other streams' packets between") {
  Stream s;
  s.tables();
  const size_t first = s.bytes.size();
  s.pes(kVideoPid, kIdr, 900000, 896400, true);
  s.pes(kAudioPid, std::vector<uint8_t>(300, 0xaa), 900000);
  const size_t second = s.bytes.size();
  s.pes(kVideoPid, kP, 903600, 900000);
  Recorder r = scan_all(s.bytes);
  REQUIRE(r.programs.size() == 1);
  CHECK(r.programs[0].video_pid == kVideoPid);
  CHECK(r.programs[0].pmt_pid == kPmtPid);
  CHECK(r.programs[0].video_codec == dvr::VideoCodec::kH264);
  CHECK(r.programs[0].pat_packets.size() == kTsPacketSize);
  CHECK(r.programs[0].pmt_packets.size() == kTsPacketSize);
  REQUIRE(r.units.size() == 2);
  CHECK(r.units[0].begin == first);
  CHECK(r.units[0].end == second);
  CHECK(r.units[0].keyframe);
  CHECK(r.units[0].pts == 900000);
  CHECK(r.units[0].dts == 896400);
  CHECK(r.units[1].begin == second);
  CHECK(r.units[1].end == s.bytes.size());
  CHECK_FALSE(r.units[1].keyframe);
  CHECK(r.units[1].pts == 903600);
}

TEST_CASE(
    "a keyframe is told by its first slice, even several packets into the PES") {
  // A large SEI (as x264 writes into its first frame) pushes the IDR slice
  // into the fifth packet, and no random_access_indicator says so.
  Stream s;
  s.tables();
  s.pes(kVideoPid,
        nal(0x09, 2) + nal(0x06, 700) + nal(0x67, 20) + nal(0x68, 4) +
            nal(0x65, 500),
        0);
  s.pes(kVideoPid, kP, 3000);
  // The indicator alone does not make a keyframe of a P-slice.
  s.pes(kVideoPid, kP, 6000, -1, true);
  Recorder r = scan_all(s.bytes);
  REQUIRE(r.units.size() == 3);
  CHECK(r.units[0].keyframe);
  CHECK_FALSE(r.units[0].random_access);
  CHECK_FALSE(r.units[1].keyframe);
  CHECK_FALSE(r.units[2].keyframe);
  CHECK(r.units[2].random_access);
}

TEST_CASE(
    "an I-slice with an SPS and a recovery point SEI is a keyframe; without the SEI it is not") {
  Stream s;
  s.tables();
  s.pes(kVideoPid,
        nal(0x67, 20) + nal(0x68, 4) +
            std::vector<uint8_t>{0, 0, 1, 0x06, 0x06, 0x01, 0x84, 0x80} +
            nal(0x21, 300),
        0);
  s.pes(kVideoPid, nal(0x67, 20) + nal(0x68, 4) + nal(0x21, 300), 3000);
  Recorder r = scan_all(s.bytes);
  REQUIRE(r.units.size() == 2);
  CHECK(r.units[0].keyframe);
  CHECK_FALSE(r.units[1].keyframe);
}

TEST_CASE("H.265 keyframes are IRAP pictures") {
  Stream s;
  s.tables(0x24);
  auto h265 = [](int type, size_t size) {
    return nal(static_cast<uint8_t>(type << 1), size) + std::vector<uint8_t>{1};
  };
  s.pes(kVideoPid,
        h265(35, 2) + h265(32, 20) + h265(33, 30) + h265(34, 5) + h265(19, 400),
        0);                                            // IDR_W_RADL
  s.pes(kVideoPid, h265(35, 2) + h265(1, 400), 3000);  // TRAIL_R
  s.pes(kVideoPid, h265(21, 400), 6000);               // CRA
  Recorder r = scan_all(s.bytes);
  REQUIRE(r.programs.size() == 1);
  CHECK(r.programs[0].video_codec == dvr::VideoCodec::kH265);
  REQUIRE(r.units.size() == 3);
  CHECK(r.units[0].keyframe);
  CHECK_FALSE(r.units[1].keyframe);
  CHECK(r.units[2].keyframe);
}

TEST_CASE("a start code split between two packets is still found") {
  for (size_t cut = 1; cut <= 4; cut++) {
    INFO("start code bytes in the first packet: " << cut);
    Stream s;
    s.tables();
    // PES header of 14 bytes in the first packet's 184: padding puts the IDR's
    // start code across the boundary.
    const size_t filler = 184 - 14 - cut - 5;
    std::vector<uint8_t> es = nal(0x09, 2);
    es.resize(es.size() + filler - 1, 0x44);
    s.pes(kVideoPid, es + nal(0x65, 300), 0);
    s.pes(kVideoPid, kP, 3000);
    Recorder r = scan_all(s.bytes);
    REQUIRE(r.units.size() == 2);
    CHECK(r.units[0].keyframe);
  }
}

TEST_CASE(
    "adaptation-field-only packets and PCR-only PIDs stay inside the unit and are not read as payload") {
  Stream s;
  s.tables();
  const size_t start = s.bytes.size();
  // A big adaptation field leaves the PES header to the next packet.
  s.pes(kVideoPid, kIdr, 9000, -1, true, 180);
  uint8_t *af_only = s.packet(kVideoPid, false, 2);
  af_only[4] = 183;
  af_only[5] = 0x10;  // a PCR, no payload
  uint8_t *pcr = s.packet(0x1ff, false, 2);
  pcr[4] = 183;
  pcr[5] = 0x10;
  const size_t next = s.bytes.size();
  s.pes(kVideoPid, kP, 12000);
  Recorder r = scan_all(s.bytes);
  REQUIRE(r.units.size() == 2);
  CHECK(r.units[0].begin == start);
  CHECK(r.units[0].end == next);
  CHECK(r.units[0].keyframe);
  CHECK(r.units[0].pts == 9000);
  CHECK(r.units[1].pts == 12000);
}

TEST_CASE("a PES without PTS gives a unit without timestamps") {
  Stream s;
  s.tables();
  s.pes(kVideoPid, kIdr, 0);
  s.pes(kVideoPid, kP, -1);
  Recorder r = scan_all(s.bytes);
  REQUIRE(r.units.size() == 2);
  CHECK(r.units[0].pts == 0);
  CHECK(r.units[0].dts == -1);
  CHECK(r.units[1].pts == -1);
  CHECK(r.units[1].dts == -1);
  CHECK_FALSE(r.units[1].keyframe);
}

TEST_CASE(
    "the program's PAT and PMT packets inside a unit are listed for the writer to leave out") {
  Stream s;
  s.tables();
  s.pes(kVideoPid, kIdr, 0);
  const uint64_t pat_at = s.bytes.size();
  s.pat();
  const uint64_t pmt_at = s.bytes.size();
  s.pmt({{0x1b, kVideoPid}, {0x0f, kAudioPid}});
  s.pes(kVideoPid, kP, 3000);
  Recorder r = scan_all(s.bytes);
  REQUIRE(r.units.size() == 2);
  CHECK(r.units[0].table_packets == std::vector<uint64_t>{pat_at, pmt_at});
  CHECK(r.units[1].table_packets.empty());
  // Tables repeated unchanged are no new program.
  CHECK(r.programs.size() == 1);
}

TEST_CASE("a changed PMT is reported before the first unit after it") {
  Stream s;
  s.tables();
  s.pes(kVideoPid, kIdr, 0);
  s.pmt({{0x1b, kVideoPid}}, 1);
  s.pes(kVideoPid, kP, 3000);
  Recorder r = scan_all(s.bytes);
  CHECK(r.programs.size() == 2);
  CHECK(r.units.size() == 2);
}

TEST_CASE(
    "continuity counters that skip on the video PID are counted; a repeated packet is not") {
  Stream s;
  s.tables();
  s.pes(kVideoPid, kIdr, 0);
  s.cc[kVideoPid] += 3;  // three packets lost
  s.pes(kVideoPid, kP, 3000);
  // The last packet again, as a duplicate.
  std::vector<uint8_t> last(s.bytes.end() - kTsPacketSize, s.bytes.end());
  s.bytes.insert(s.bytes.end(), last.begin(), last.end());
  Recorder r;
  dvr::TsScanner counted(r);
  counted.scan(s.bytes.data(), s.bytes.size());
  CHECK(counted.continuity_errors() == 1);
}

TEST_CASE("units are the same however the stream is split into buffers") {
  Stream s;
  s.tables();
  for (int i = 0; i < 6; i++) {
    s.pes(kVideoPid, i % 3 ? kP : kIdr, 3000 * i);
    s.pes(kAudioPid, std::vector<uint8_t>(200, 0xaa), 3000 * i);
  }
  const Recorder whole = scan_all(s.bytes);
  REQUIRE(whole.units.size() == 6);
  for (size_t piece : {1, 7, 100, 188, 1000, 4096}) {
    INFO("pieces of " << piece);
    const Recorder r = scan_all(s.bytes, piece);
    REQUIRE(r.units.size() == whole.units.size());
    for (size_t i = 0; i < r.units.size(); i++) {
      CHECK(r.units[i].begin == whole.units[i].begin);
      CHECK(r.units[i].end == whole.units[i].end);
      CHECK(r.units[i].keyframe == whole.units[i].keyframe);
      CHECK(r.units[i].pts == whole.units[i].pts);
    }
  }
}

TEST_CASE(
    "bytes that are no packets are skipped and counted, and the unit after them marked") {
  Stream s;
  s.tables();
  s.pes(kVideoPid, kIdr, 0);
  const size_t garbage_at = s.bytes.size();
  s.bytes.insert(s.bytes.end(), 1000, 0x12);
  s.pes(kVideoPid, kP, 3000);
  s.pes(kVideoPid, kP, 6000);
  Recorder r;
  dvr::TsScanner scanner(r);
  REQUIRE(scanner.scan(s.bytes.data(), s.bytes.size()));
  scanner.finish();
  CHECK(scanner.sync_losses() == 1);
  CHECK(scanner.skipped_bytes() == 1000);
  REQUIRE(r.units.size() == 3);
  CHECK(r.units[0].end == garbage_at);
  CHECK(r.units[0].cut_short);
  CHECK_FALSE(r.units[1].cut_short);
  CHECK(r.units[1].begin == garbage_at + 1000);
  CHECK(r.units[1].after_lost_sync);
  CHECK_FALSE(r.units[2].after_lost_sync);
}

TEST_CASE("a stream cut inside a packet ends with the last whole packet") {
  Stream s;
  s.tables();
  s.pes(kVideoPid, kIdr, 0);
  const size_t whole = s.bytes.size();
  s.pes(kVideoPid, kP, 3000);
  s.bytes.resize(whole + 300);
  Recorder r;
  dvr::TsScanner scanner(r);
  scanner.scan(s.bytes.data(), s.bytes.size());
  scanner.finish();
  CHECK(scanner.truncated_bytes() == 300 - kTsPacketSize);
  REQUIRE(r.units.size() == 2);
  CHECK(r.units[1].end == whole + kTsPacketSize);
}

TEST_CASE(
    "streams that cannot be recorded stop the scan with an error that names the reason") {
  SECTION("192-byte packets") {
    Stream s;
    s.tables();
    s.pes(kVideoPid, kIdr, 0);
    std::vector<uint8_t> m2ts;
    for (size_t at = 0; at < s.bytes.size(); at += kTsPacketSize) {
      m2ts.insert(m2ts.end(), {0, 0, 0, 0});
      m2ts.insert(m2ts.end(), s.bytes.begin() + at,
                  s.bytes.begin() + at + kTsPacketSize);
    }
    Recorder r;
    dvr::TsScanner scanner(r);
    CHECK_FALSE(scanner.scan(m2ts.data(), m2ts.size()));
    CHECK(scanner.error() == dvr::TsScanError::kPacketSize192);
    CHECK(scanner.error_text().find("192-byte") != std::string::npos);
  }
  SECTION("no video in the program") {
    Stream s;
    s.pat();
    s.pmt({{0x0f, kAudioPid}, {0x06, 0x102}});
    Recorder r;
    dvr::TsScanner scanner(r);
    CHECK_FALSE(scanner.scan(s.bytes.data(), s.bytes.size()));
    CHECK(scanner.error() == dvr::TsScanError::kNoVideo);
    CHECK(scanner.error_text().find("0x0f, 0x06") != std::string::npos);
  }
  SECTION("scrambled packets") {
    Stream s;
    s.tables();
    s.pes(kVideoPid, kIdr, 0);
    s.bytes[s.bytes.size() - kTsPacketSize + 3] |= 0x80;
    Recorder r;
    dvr::TsScanner scanner(r);
    CHECK_FALSE(scanner.scan(s.bytes.data(), s.bytes.size()));
    CHECK(scanner.error() == dvr::TsScanError::kScrambled);
  }
  SECTION("no sync at all") {
    std::vector<uint8_t> noise(dvr::TsScanner::kMaxSyncSearch + 4096);
    uint32_t x = 12345;
    for (auto &b : noise) {
      x = x * 1103515245 + 12345;
      b = static_cast<uint8_t>(x >> 24);
    }
    Recorder r;
    dvr::TsScanner scanner(r);
    bool ok = true;
    for (size_t at = 0; at < noise.size() && ok; at += 4096)
      ok = scanner.scan(noise.data() + at, 4096);
    CHECK_FALSE(ok);
    CHECK(scanner.error() == dvr::TsScanError::kNoSync);
    CHECK(r.units.empty());
  }
  SECTION("no tables before the end") {
    Stream s;
    s.pes(kVideoPid, kIdr, 0);
    Recorder r;
    dvr::TsScanner scanner(r);
    CHECK(scanner.scan(s.bytes.data(), s.bytes.size()));
    scanner.finish();
    CHECK(scanner.error() == dvr::TsScanError::kNoProgram);
  }
}
