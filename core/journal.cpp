#include "journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "files.h"

namespace dvr {

namespace {

constexpr char kMagic[] = "dvr-journal 1";

// The words of a record, pointing into its line: no allocation per field.
struct Words {
  std::string_view w[7];
  size_t n = 0;
  size_t size() const { return n; }
  bool empty() const { return n == 0; }
  const std::string_view &operator[](size_t i) const { return w[i]; }
};

// Splits "a b c" into at most 7 words; false if there are more.
bool split_words(const char *text, size_t size, Words *words) {
  words->n = 0;
  size_t i = 0;
  while (i < size) {
    if (text[i] == ' ') return false;  // double or leading space: not ours
    size_t j = i;
    while (j < size && text[j] != ' ') j++;
    if (words->n == 7) return false;
    words->w[words->n++] = std::string_view(text + i, j - i);
    i = j + (j < size ? 1 : 0);
    if (j < size && i == size) return false;  // trailing space
  }
  return true;
}

bool parse_u64(std::string_view s, uint64_t *out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool parse_i64(std::string_view s, int64_t *out) {
  bool negative = !s.empty() && s[0] == '-';
  uint64_t v = 0;
  if (!parse_u64(negative ? s.substr(1) : s, &v) ||
      v > static_cast<uint64_t>(INT64_MAX))
    return false;
  *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

std::string with_crc(const std::string &payload) {
  char tail[16];
  std::snprintf(tail, sizeof tail, " *%08x\n",
                crc32(payload.data(), payload.size()));
  return payload + tail;
}

}  // namespace

namespace {

// Eight tables for CRC-32 eight bytes at a time ("slicing by 8"): an hour
// page parses about 150 KiB of journal lines, each with its CRC, and a byte
// at a time that was half of the page's time.
struct CrcTables {
  uint32_t t[8][256];
  CrcTables() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
      for (int s = 1; s < 8; s++)
        t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};

const CrcTables &crc_tables() {
  static const CrcTables tables;
  return tables;
}

}  // namespace

uint32_t crc32(const char *data, size_t size) {
  const auto &t = crc_tables().t;
  const unsigned char *p = reinterpret_cast<const unsigned char *>(data);
  uint32_t crc = 0xFFFFFFFFu;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; size >= 8; p += 8, size -= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= crc;
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^
          t[4][lo >> 24] ^ t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^
          t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
#endif
  for (; size > 0; p++, size--) crc = t[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string journal_magic_line() { return std::string(kMagic) + "\n"; }

std::string journal_header_record(uint64_t next_sequence,
                                  uint64_t discontinuity_sequence) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "H %" PRIu64 " %" PRIu64, next_sequence,
                discontinuity_sequence);
  return with_crc(buf);
}

std::string journal_segment_record(const Segment &s) {
  char buf[160];
  std::snprintf(
      buf, sizeof buf, "S %" PRIu64 " %" PRId64 " %" PRId64 " %" PRIu64 " %d ",
      s.sequence, s.start_us, s.duration_us, s.bytes, s.discontinuity ? 1 : 0);
  return with_crc(buf + s.filename);
}

std::string journal_expired_record(uint64_t sequence, int64_t due_us) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "X %" PRIu64 " %" PRId64, sequence, due_us);
  return with_crc(buf);
}

std::string journal_deleted_record(uint64_t sequence) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "D %" PRIu64, sequence);
  return with_crc(buf);
}

std::string journal_retired_record(uint64_t sequence) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "R %" PRIu64, sequence);
  return with_crc(buf);
}

std::string journal_ended_record() { return with_crc("E"); }

std::string journal_snapshot(const JournalState &state) {
  std::string out = journal_magic_line();
  // Pending deletions come first, as segments that already left in order.
  uint64_t first = state.next_sequence;
  if (!state.pending.empty())
    first = state.pending.front().sequence;
  else if (!state.listed.empty())
    first = state.listed.front().sequence;
  out += journal_header_record(first, state.discontinuity_sequence);
  for (const PendingDeletion &p : state.pending) {
    Segment s;
    s.sequence = p.sequence;
    s.filename = p.filename;
    s.bytes = p.bytes;
    out += journal_segment_record(s);
    out += journal_expired_record(p.sequence, p.due_us);
  }
  for (const Segment &s : state.listed) out += journal_segment_record(s);
  if (state.ended) out += journal_ended_record();
  return out;
}

void JournalParser::feed(const char *data, size_t size) {
  size_t start = 0;
  while (start < size) {
    const void *nl = std::memchr(data + start, '\n', size - start);
    if (!nl) break;
    const size_t i = static_cast<size_t>(static_cast<const char *>(nl) - data);
    if (overlong_ || partial_.size() + (i - start) > kMaxLine) {
      reject_overlong();
    } else if (partial_.empty()) {
      line(data + start, i - start);
    } else {
      partial_.append(data + start, i - start);
      line(partial_.data(), partial_.size());
    }
    partial_.clear();
    overlong_ = false;
    start = i + 1;
  }
  if (start < size && !overlong_) {
    if (partial_.size() + (size - start) > kMaxLine) {
      overlong_ = true;
      partial_.clear();
    } else {
      partial_.append(data + start, size - start);
    }
  }
}

JournalState JournalParser::finish() {
  if (!overlong_ && !partial_.empty())
    line(partial_.data(), partial_.size());
  else if (overlong_)
    reject_overlong();
  partial_.clear();
  overlong_ = false;
  state_.untrusted = bad_magic_;
  return std::move(state_);
}

void JournalParser::reject_overlong() {
  // An overlong first line is not the magic line either: trust nothing after it.
  if (!saw_magic_) saw_magic_ = bad_magic_ = true;
  state_.rejected++;
}

void JournalParser::line(const char *text, size_t size) {
  if (!saw_magic_) {
    saw_magic_ = true;
    if (size == std::strlen(kMagic) && std::memcmp(text, kMagic, size) == 0)
      return;
    bad_magic_ = true;  // another version or not a journal: trust none of it
  }
  if (bad_magic_) {
    state_.rejected++;
    return;
  }
  // "<payload> *xxxxxxxx"
  if (size < 11 || text[size - 10] != ' ' || text[size - 9] != '*') {
    state_.rejected++;
    return;
  }
  uint32_t expected = 0;
  for (size_t i = size - 8; i < size; i++) {
    char c = text[i];
    uint32_t v;
    if (c >= '0' && c <= '9')
      v = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v = static_cast<uint32_t>(c - 'a' + 10);
    else {
      state_.rejected++;
      return;
    }
    expected = expected << 4 | v;
  }
  const size_t payload_size = size - 10;
  if (crc32(text, payload_size) != expected) {
    state_.rejected++;
    return;
  }
  Words w;
  if (!split_words(text, payload_size, &w) || w.empty() || w[0].size() != 1) {
    state_.rejected++;
    return;
  }
  JournalState &st = state_;
  bool ok = false;
  switch (w[0][0]) {
    case 'H': {
      uint64_t next = 0, disc = 0;
      if (w.size() == 3 && st.records == 0 && parse_u64(w[1], &next) &&
          parse_u64(w[2], &disc)) {
        st.next_sequence = next;
        st.discontinuity_sequence = disc;
        ok = true;
      }
      break;
    }
    case 'S': {
      Segment s;
      uint64_t disc = 0;
      if (w.size() == 7 && parse_u64(w[1], &s.sequence) &&
          parse_i64(w[2], &s.start_us) && parse_i64(w[3], &s.duration_us) &&
          parse_u64(w[4], &s.bytes) && parse_u64(w[5], &disc) && disc <= 1 &&
          s.duration_us >= 0 && s.sequence >= st.next_sequence &&
          s.sequence < UINT64_MAX &&
          (s.filename.assign(w[6].data(), w[6].size()),
           is_safe_filename(s.filename) || is_segment_path(s.filename))) {
        s.discontinuity = disc == 1;
        st.next_sequence = s.sequence + 1;
        st.ended = false;
        st.listed.push_back(std::move(s));
        ok = true;
      }
      break;
    }
    case 'X': {
      uint64_t seq = 0;
      int64_t due = 0;
      if (w.size() == 3 && parse_u64(w[1], &seq) && parse_i64(w[2], &due) &&
          !st.listed.empty() && st.listed.front().sequence == seq) {
        const Segment &s = st.listed.front();
        if (s.discontinuity) st.discontinuity_sequence++;
        st.pending.push_back(
            PendingDeletion{s.sequence, s.filename, s.bytes, due});
        st.listed.pop_front();
        ok = true;
      }
      break;
    }
    case 'R': {
      uint64_t seq = 0;
      // Left the live playlist but stays on disk, reached through its hour journal.
      if (w.size() == 2 && parse_u64(w[1], &seq) && !st.listed.empty() &&
          st.listed.front().sequence == seq) {
        if (st.listed.front().discontinuity) st.discontinuity_sequence++;
        st.listed.pop_front();
        ok = true;
      }
      break;
    }
    case 'D': {
      uint64_t seq = 0;
      // Files leave in due order, as they left the playlist: only the oldest pending.
      if (w.size() == 2 && parse_u64(w[1], &seq) && !st.pending.empty() &&
          st.pending.front().sequence == seq) {
        st.pending.pop_front();
        ok = true;
      }
      break;
    }
    case 'E':
      if (w.size() == 1) {
        st.ended = true;
        ok = true;
      }
      break;
    default:
      break;
  }
  if (ok)
    st.records++;
  else
    st.rejected++;
}

bool read_journal_file(const std::string &path, JournalState *state,
                       std::string *error) {
  JournalParser parser;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) {
      *state = parser.finish();
      return true;
    }
    if (error) *error = "cannot read " + path + ": " + errno_text(errno);
    return false;
  }
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      if (error) *error = "cannot read " + path + ": " + errno_text(err);
      return false;
    }
    if (n == 0) break;
    parser.feed(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  *state = parser.finish();
  return true;
}

}  // namespace dvr
