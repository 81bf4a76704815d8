#include "ts_scanner.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace dvr {

namespace {

constexpr uint8_t kSyncByte = 0x47;
constexpr uint16_t kNullPid = 0x1fff;
// A section longer than this is not a PAT or PMT a recorder needs to follow.
constexpr size_t kMaxSectionSize = 1024;

int64_t read_timestamp(const uint8_t *b) {
  return (int64_t{(b[0] >> 1) & 7} << 30) | (int64_t{b[1]} << 22) |
         (int64_t{b[2] >> 1} << 15) | (int64_t{b[3]} << 7) | (b[4] >> 1);
}

std::string hex(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", value);
  return text;
}

}  // namespace

TsScanner::TsScanner(TsScanListener &listener) : listener_(listener) {}

void TsScanner::fail(TsScanError error, std::string text) {
  if (error_ != TsScanError::kNone) return;
  error_ = error;
  error_text_ = std::move(text);
}

uint64_t TsScanner::retained_from() const {
  if (unit_open_) return unit_.begin;
  return partial_size_ > 0 ? partial_at_ : offset_;
}

// A sync byte followed by at least one more a packet apart (two where this
// buffer shows them), so that a 0x47 inside a payload is not taken for a
// packet start. A stream that starts with a sync byte is taken at its word.
size_t TsScanner::find_sync(const uint8_t *data, size_t size,
                            size_t from) const {
  if (offset_ == 0 && from == 0 && size > 0 && data[0] == kSyncByte) return 0;
  while (from < size) {
    const void *hit = std::memchr(data + from, kSyncByte, size - from);
    if (!hit) return size;
    const size_t i =
        static_cast<size_t>(static_cast<const uint8_t *>(hit) - data);
    if (i + kTsPacketSize < size && data[i + kTsPacketSize] == kSyncByte &&
        (i + 2 * kTsPacketSize >= size ||
         data[i + 2 * kTsPacketSize] == kSyncByte))
      return i;
    from = i + 1;
  }
  return size;
}

// 192- and 204-byte packets look like a transport stream that keeps losing
// sync; told apart at the start, they get an error that names them.
void TsScanner::sniff_packet_size(const uint8_t *data, size_t size) {
  if (size < 3 * 204) return;
  sniffed_ = true;
  for (size_t p = 0; p < 204; p++) {
    if (data[p] != kSyncByte) continue;
    if (data[p + 188] == kSyncByte && data[p + 376] == kSyncByte) return;
    if (data[p + 192] == kSyncByte && data[p + 384] == kSyncByte) {
      fail(
          TsScanError::kPacketSize192,
          "192-byte packets (M2TS/BDAV, a 4-byte timecode before every packet); dvrsink records "
          "188-byte MPEG-TS: remux it first (ffmpeg -c copy -f mpegts)");
      return;
    }
    if (data[p + 204] == kSyncByte && data[p + 408] == kSyncByte) {
      fail(
          TsScanError::kPacketSize204,
          "204-byte packets (16 bytes of Reed-Solomon parity after every packet); dvrsink records "
          "188-byte MPEG-TS: remux it first (ffmpeg -c copy -f mpegts)");
      return;
    }
  }
}

bool TsScanner::scan(const uint8_t *data, size_t size) {
  if (error_ != TsScanError::kNone) return false;
  if (!sniffed_ && !ever_synced_) sniff_packet_size(data, size);
  size_t pos = 0;
  while (pos < size && error_ == TsScanError::kNone) {
    if (partial_size_ > 0) {
      // A packet begun in the previous buffer: copied whole to be read (one
      // per buffer at most), while the access unit refers to the original bytes.
      const size_t take = std::min(kTsPacketSize - partial_size_, size - pos);
      std::memcpy(partial_ + partial_size_, data + pos, take);
      partial_size_ += take;
      pos += take;
      if (partial_size_ == kTsPacketSize) {
        partial_size_ = 0;
        packet(partial_, partial_at_);
      }
      continue;
    }
    if (!synced_) {
      const size_t at = find_sync(data, size, pos);
      skipped_bytes_ += at - pos;
      if (at == size) {
        if (offset_ + size - searching_since_ > kMaxSyncSearch)
          fail(
              TsScanError::kNoSync,
              ever_synced_
                  ? "lost sync and found none in 1 MiB: the stream is no longer MPEG-TS"
                  : "no MPEG-TS sync bytes (0x47 every 188 bytes) in the first 1 MiB");
        break;
      }
      pos = at;
      synced_ = true;
      ever_synced_ = true;
    }
    if (data[pos] != kSyncByte) {
      synced_ = false;
      sync_losses_++;
      if (packets_in_sync_ >= kPacketsToHoldSync)
        searching_since_ = offset_ + pos;
      packets_in_sync_ = 0;
      lost_sync_ = true;
      // What follows up to the next video PES start is damaged: no unit holds it.
      if (unit_open_) unit_.cut_short = true;
      close_unit(offset_ + pos);
      continue;
    }
    if (size - pos >= kTsPacketSize) {
      packet(data + pos, offset_ + pos);
      pos += kTsPacketSize;
    } else {
      partial_at_ = offset_ + pos;
      partial_size_ = size - pos;
      std::memcpy(partial_, data + pos, partial_size_);
      pos = size;
    }
  }
  offset_ += size;
  return error_ == TsScanError::kNone;
}

void TsScanner::finish() {
  if (error_ != TsScanError::kNone) return;
  uint64_t end = offset_;
  if (partial_size_ > 0) {
    truncated_bytes_ = partial_size_;
    end = partial_at_;
    partial_size_ = 0;
  }
  close_unit(end);
  if (offset_ > 0 && !ever_synced_)
    fail(TsScanError::kNoSync,
         "no MPEG-TS sync bytes (0x47 every 188 bytes) in the whole stream");
  else if (offset_ > 0 && !have_program_)
    fail(TsScanError::kNoProgram,
         have_pat_ ? "the stream ended before the PMT of its first program"
                   : "the stream ended before its PAT");
}

void TsScanner::packet(const uint8_t *p, uint64_t at) {
  packets_in_sync_++;
  const uint16_t pid = static_cast<uint16_t>(((p[1] & 0x1f) << 8) | p[2]);
  if (pid == kNullPid) return;
  const int control = (p[3] >> 4) & 3;
  bool has_payload = (control & 1) != 0;
  size_t payload_at = 4;
  bool random_access = false;
  if (control & 2) {
    payload_at = 5 + size_t{p[4]};
    random_access = p[4] > 0 && (p[5] & 0x40);
    if (payload_at > kTsPacketSize) has_payload = false;
  }
  if (has_payload && (p[3] & 0xc0) && have_program_ &&
      std::find(program_pids_.begin(), program_pids_.end(), pid) !=
          program_pids_.end()) {
    fail(TsScanError::kScrambled,
         "packets of PID " + std::to_string(pid) +
             " are scrambled (encrypted): dvrsink records clear streams only");
    return;
  }
  if (!have_program_ && at > kMaxBytesWithoutProgram) {
    fail(TsScanError::kNoProgram,
         have_pat_ ? "no PMT for the first program in the first 4 MiB"
                   : "no PAT (program table) in the first 4 MiB");
    return;
  }
  const uint8_t *payload = p + payload_at;
  const size_t size = has_payload ? kTsPacketSize - payload_at : 0;
  const bool unit_start = (p[1] & 0x40) != 0;
  if (pid == 0) {
    if (unit_open_) unit_.table_packets.push_back(at);
    if (unit_start || pat_.collecting) table_packet(p, payload, size, pat_, at);
  } else if (have_pat_ && pid == program_.pmt_pid) {
    if (unit_open_) unit_.table_packets.push_back(at);
    if (unit_start || pmt_.collecting) table_packet(p, payload, size, pmt_, at);
  } else if (have_program_ && pid == program_.video_pid) {
    if (has_payload) {
      const int8_t cc = static_cast<int8_t>(p[3] & 0x0f);
      // A repeated counter is a duplicate packet, allowed once.
      if (last_cc_ >= 0 && cc != ((last_cc_ + 1) & 0x0f) && cc != last_cc_)
        continuity_errors_++;
      last_cc_ = cc;
    }
    if (unit_start) {
      close_unit(at);
      if (program_pending_) {
        program_pending_ = false;
        listener_.on_program(program_);
      }
      unit_open_ = true;
      unit_.begin = at;
      unit_.end = at;
      unit_.table_packets.clear();
      unit_.pts = unit_.dts = -1;
      unit_.keyframe = false;
      unit_.random_access = random_access;
      unit_.after_lost_sync = lost_sync_;
      unit_.cut_short = false;
      lost_sync_ = false;
      pes_seen_ = pes_head_size_ = 0;
      scanned_packets_ = 0;
      decided_ = false;
      zeros_ = 0;
      want_nal_header_ = want_sei_type_ = saw_sps_ = saw_recovery_point_ =
          false;
    }
    if (!unit_open_ || decided_ || size == 0) return;
    if (++scanned_packets_ > kMaxScannedPackets) {
      decided_ = true;
      unit_.keyframe = unit_.random_access;
      return;
    }
    scan_pes(payload, size);
  }
}

void TsScanner::table_packet(const uint8_t *p, const uint8_t *payload,
                             size_t size, Section &section, uint64_t) {
  if (size == 0) return;
  if (p[1] & 0x40) {
    const size_t pointer = payload[0];
    if (1 + pointer >= size) {
      section.collecting = false;
      return;
    }
    section.bytes.assign(payload + 1 + pointer, payload + size);
    section.packets.assign(p, p + kTsPacketSize);
    section.collecting = true;
  } else {
    section.bytes.insert(section.bytes.end(), payload, payload + size);
    section.packets.insert(section.packets.end(), p, p + kTsPacketSize);
  }
  if (section.bytes.size() < 3) return;
  section.expected =
      3 + ((size_t{section.bytes[1]} & 0x0f) << 8 | section.bytes[2]);
  if (section.expected > kMaxSectionSize || section.expected < 12) {
    section.collecting = false;
    return;
  }
  if (section.bytes.size() < section.expected) return;
  section.collecting = false;
  section.bytes.resize(section.expected);
  // The CRC over a section with its own CRC at the end leaves nothing.
  if (ts_crc32(section.bytes.data(), section.bytes.size()) != 0) return;
  if (&section == &pat_) {
    if (section.bytes[0] == 0x00 && section.bytes != last_pat_)
      parse_pat(section.bytes);
  } else if (section.bytes[0] == 0x02 && section.bytes != last_pmt_) {
    parse_pmt(section.bytes);
  }
}

void TsScanner::parse_pat(const std::vector<uint8_t> &s) {
  for (size_t i = 8; i + 4 <= s.size() - 4; i += 4) {
    const unsigned number = (unsigned{s[i]} << 8) | s[i + 1];
    if (number == 0) continue;  // the network PID, not a program
    const uint16_t pid =
        static_cast<uint16_t>(((s[i + 2] & 0x1f) << 8) | s[i + 3]);
    last_pat_ = s;
    program_.pat_packets = pat_.packets;
    if (!have_pat_ || pid != program_.pmt_pid) {
      program_.pmt_pid = pid;
      pmt_.collecting = false;
      last_pmt_.clear();
      have_program_ = false;
    } else {
      program_pending_ = have_program_;
    }
    have_pat_ = true;
    return;
  }
}

void TsScanner::parse_pmt(const std::vector<uint8_t> &s) {
  const size_t end = s.size() - 4;
  if (end < 12) return;
  const size_t info = ((size_t{s[10]} & 0x0f) << 8) | s[11];
  TsProgram found = program_;
  found.pcr_pid = static_cast<uint16_t>(((s[8] & 0x1f) << 8) | s[9]);
  found.video_pid = kNullPid;
  program_pids_.clear();
  std::string types;
  for (size_t i = 12 + info; i + 5 <= end;) {
    const uint8_t type = s[i];
    const uint16_t pid =
        static_cast<uint16_t>(((s[i + 1] & 0x1f) << 8) | s[i + 2]);
    const size_t es_info = ((size_t{s[i + 3]} & 0x0f) << 8) | s[i + 4];
    types += (types.empty() ? "" : ", ") + hex(type);
    program_pids_.push_back(pid);
    if (found.video_pid == kNullPid &&
        (type == static_cast<uint8_t>(TsStreamType::kH264) ||
         type == static_cast<uint8_t>(TsStreamType::kH265))) {
      found.video_pid = pid;
      found.video_codec = type == static_cast<uint8_t>(TsStreamType::kH264)
                              ? VideoCodec::kH264
                              : VideoCodec::kH265;
    }
    i += 5 + es_info;
  }
  if (found.video_pid == kNullPid) {
    fail(
        TsScanError::kNoVideo,
        "the first program has no H.264 (stream type 0x1b) or H.265 (0x24) video; "
        "its stream types: " +
            (types.empty() ? std::string("none") : types));
    return;
  }
  if (!have_program_ || found.video_pid != program_.video_pid) last_cc_ = -1;
  found.pmt_packets = pmt_.packets;
  program_ = std::move(found);
  last_pmt_ = s;
  have_program_ = true;
  program_pending_ = true;
}

void TsScanner::scan_pes(const uint8_t *data, size_t size) {
  size_t i = 0;
  // The PES header: its first 19 bytes kept (up to the DTS), the rest skipped.
  while (i < size && (pes_head_size_ == 0 || pes_seen_ < pes_head_size_)) {
    if (pes_seen_ < sizeof pes_head_) pes_head_[pes_seen_] = data[i];
    pes_seen_++;
    i++;
    if (pes_seen_ == 9) {
      if (pes_head_[0] != 0 || pes_head_[1] != 0 || pes_head_[2] != 1) {
        decided_ = true;  // not a PES start: nothing to read in it
        unit_.keyframe = unit_.random_access;
        return;
      }
      pes_head_size_ = 9 + size_t{pes_head_[8]};
    }
    if (pes_head_size_ != 0 && pes_seen_ == pes_head_size_) {
      const int flags = pes_head_[7] >> 6;
      if ((flags & 2) && pes_head_size_ >= 14)
        unit_.pts = read_timestamp(pes_head_ + 9);
      if (flags == 3 && pes_head_size_ >= 19)
        unit_.dts = read_timestamp(pes_head_ + 14);
    }
  }
  if (i < size) scan_elementary(data + i, size - i);
}

// Start codes are followed byte by byte, across packets, up to the first slice.
void TsScanner::scan_elementary(const uint8_t *data, size_t size) {
  for (size_t i = 0; i < size && !decided_; i++) {
    const uint8_t b = data[i];
    if (want_nal_header_) {
      want_nal_header_ = false;
      zeros_ = 0;
      nal_header(b);
      continue;
    }
    if (want_sei_type_) {
      want_sei_type_ = false;
      if (b == 6)
        saw_recovery_point_ = true;  // SEI payload type 6: recovery point
    }
    if (b == 0) {
      zeros_++;
    } else {
      if (b == 1 && zeros_ >= 2) want_nal_header_ = true;
      zeros_ = 0;
    }
  }
}

void TsScanner::nal_header(uint8_t header) {
  if (program_.video_codec == VideoCodec::kH264) {
    const int type = header & 0x1f;
    if (type >= 1 && type <= 5) {
      decided_ = true;
      // An IDR, or an I-frame that says decoding may start here and brings the
      // SPS to do it with (as cameras without IDRs send).
      unit_.keyframe = type == 5 || (saw_sps_ && saw_recovery_point_);
    } else if (type == 7) {
      saw_sps_ = true;
    } else if (type == 6) {
      want_sei_type_ = true;
    }
    return;
  }
  const int type = (header >> 1) & 0x3f;
  if (type < 32) {
    decided_ = true;
    unit_.keyframe = type >= 16 && type <= 23;  // IRAP: BLA, IDR, CRA
  }
}

void TsScanner::close_unit(uint64_t at) {
  if (!unit_open_) return;
  unit_open_ = false;
  unit_.end = at;
  if (!decided_) unit_.keyframe = unit_.random_access;
  listener_.on_access_unit(unit_);
}

}  // namespace dvr
