#include "rtp_video_depay.h"

#include <algorithm>

namespace dvr {
namespace {

constexpr unsigned kH264StapA = 24;
constexpr unsigned kH264FuA = 28;
constexpr unsigned kH265Ap = 48;
constexpr unsigned kH265Fu = 49;

void put_length(uint8_t *at, size_t size) {
  at[0] = static_cast<uint8_t>(size >> 24);
  at[1] = static_cast<uint8_t>(size >> 16);
  at[2] = static_cast<uint8_t>(size >> 8);
  at[3] = static_cast<uint8_t>(size);
}

}  // namespace

unsigned RtpVideoDepayloader::nal_type(const uint8_t *nal) const {
  return codec_ == VideoCodec::kH264 ? (nal[0] & 0x1fu)
                                     : ((nal[0] >> 1) & 0x3fu);
}

void RtpVideoDepayloader::note_type(unsigned type) {
  if (codec_ == VideoCodec::kH264) {
    if (type == 5) keyframe_ = true;
    if (type == 7) has_parameter_sets_ = true;
  } else {
    if (type >= 16 && type <= 21) keyframe_ = true;
    if (type == 33) has_parameter_sets_ = true;
  }
}

bool RtpVideoDepayloader::has_picture() const {
  size_t at = 0;
  while (at + 4 < au_.size()) {
    const size_t size = (size_t{au_[at]} << 24) | (size_t{au_[at + 1]} << 16) |
                        (size_t{au_[at + 2]} << 8) | au_[at + 3];
    at += 4;
    if (size == 0 || size > au_.size() - at) return false;
    const unsigned type = nal_type(au_.data() + at);
    // Slices: H.264 types 1 to 5, H.265 types 0 to 31.
    if (codec_ == VideoCodec::kH264 ? (type >= 1 && type <= 5) : type <= 31)
      return true;
    at += size;
  }
  return false;
}

void RtpVideoDepayloader::add_nal(const uint8_t *nal, size_t size) {
  if (size == 0) return;
  note_type(nal_type(nal));
  const size_t at = au_.size();
  au_.resize(at + 4 + size);
  put_length(au_.data() + at, size);
  std::copy(nal, nal + size, au_.data() + at + 4);
}

void RtpVideoDepayloader::fragment(const uint8_t *header, size_t header_size,
                                   const uint8_t *data, size_t size, bool start,
                                   bool end) {
  if (start) {
    if (in_fragment_) {
      // The previous fragmented unit never ended: drop what there is of it.
      au_.resize(fragment_at_);
      discont_ = true;
    }
    in_fragment_ = true;
    fragment_at_ = au_.size();
    au_.resize(fragment_at_ + 4);
    au_.insert(au_.end(), header, header + header_size);
    note_type(nal_type(header));
  } else if (!in_fragment_) {
    discont_ = true;  // its start was lost
    return;
  }
  au_.insert(au_.end(), data, data + size);
  if (end) {
    put_length(au_.data() + fragment_at_, au_.size() - fragment_at_ - 4);
    in_fragment_ = false;
  }
}

void RtpVideoDepayloader::push(const RtpPacket &packet) {
  if (have_sequence_ && packet.sequence != next_sequence_) {
    discont_ = true;
    if (in_fragment_) {
      au_.resize(fragment_at_);
      in_fragment_ = false;
    }
  }
  have_sequence_ = true;
  next_sequence_ = static_cast<uint16_t>(packet.sequence + 1);
  if (!au_.empty() && packet.timestamp != timestamp_) finish();
  timestamp_ = packet.timestamp;

  const uint8_t *p = packet.payload;
  const size_t n = packet.payload_size;
  const size_t header_size = codec_ == VideoCodec::kH264 ? 1 : 2;
  if (n > header_size) {
    const unsigned type = nal_type(p);
    const bool aggregate =
        codec_ == VideoCodec::kH264 ? type == kH264StapA : type == kH265Ap;
    const bool fragmented =
        codec_ == VideoCodec::kH264 ? type == kH264FuA : type == kH265Fu;
    if (aggregate) {
      // Units behind 16-bit sizes (no DONL: sprop-max-don-diff is not used).
      size_t i = header_size;
      while (i + 2 <= n) {
        const size_t size = static_cast<size_t>(p[i] << 8 | p[i + 1]);
        i += 2;
        if (size > n - i) {
          discont_ = true;
          break;
        }
        add_nal(p + i, size);
        i += size;
      }
    } else if (fragmented && n > header_size + 1) {
      const uint8_t fu = p[header_size];
      const bool start = (fu & 0x80) != 0, end = (fu & 0x40) != 0;
      uint8_t header[2];
      if (codec_ == VideoCodec::kH264) {
        header[0] = static_cast<uint8_t>((p[0] & 0xe0) | (fu & 0x1f));
      } else {
        header[0] = static_cast<uint8_t>((p[0] & 0x81) | ((fu & 0x3f) << 1));
        header[1] = p[1];
      }
      fragment(header, header_size, p + header_size + 1, n - header_size - 1,
               start, end);
    } else if (!fragmented &&
               (codec_ == VideoCodec::kH264 ? type >= 1 && type <= 23
                                            : type < 48)) {
      add_nal(p, n);
    }
    // STAP-B, MTAP, FU-B and PACI are not used by cameras: skipped.
  }
  if (packet.marker) finish();
}

void RtpVideoDepayloader::finish() {
  if (in_fragment_) {
    au_.resize(fragment_at_);
    in_fragment_ = false;
    discont_ = true;
  }
  if (has_parameter_sets_) stream_sends_parameter_sets_ = true;
  // What is left without a picture (a delimiter or SEI whose slice was cut
  // off by the end of the stream or by loss) decodes to nothing and makes a
  // decoder complain: it is dropped, and its discontinuity passes on.
  if (!au_.empty() && (has_picture() || has_parameter_sets_)) {
    AccessUnit unit{au_.data(), au_.size(), timestamp_,
                    keyframe_,  discont_,   &au_};
    if (keyframe_ && !has_parameter_sets_ && !stream_sends_parameter_sets_ &&
        !sdp_sets_.empty()) {
      joined_.clear();
      for (const auto &set : sdp_sets_) {
        const size_t at = joined_.size();
        joined_.resize(at + 4);
        put_length(joined_.data() + at, set.size());
        joined_.insert(joined_.end(), set.begin(), set.end());
      }
      joined_.insert(joined_.end(), au_.begin(), au_.end());
      unit.data = joined_.data();
      unit.size = joined_.size();
      unit.storage = &joined_;
    }
    const size_t capacity = au_.capacity();
    emit_(unit);
    discont_ = false;
    // Taken by the callback: the next unit of about the same size gets room at once.
    if (au_.capacity() == 0) au_.reserve(capacity);
  }
  au_.clear();
  keyframe_ = false;
  has_parameter_sets_ = false;
}

void RtpVideoDepayloader::flush() { finish(); }

}  // namespace dvr
