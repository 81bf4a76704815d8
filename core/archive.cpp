#include "archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "files.h"
#include "journal.h"

namespace dvr {

namespace {

constexpr char kSummaryMagic[] = "dvr-archive 1";

bool parse_number(const char *&p, const char *end, int64_t *out) {
  bool negative = false;
  if (p < end && *p == '-') {
    negative = true;
    p++;
  }
  if (p >= end || *p < '0' || *p > '9') return false;
  uint64_t v = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    if (v > (static_cast<uint64_t>(INT64_MAX) - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(*p - '0');
    p++;
  }
  *out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  if (p < end) {
    if (*p != ' ') return false;
    p++;
  }
  return true;
}

bool parse_summary_line(const char *text, size_t size, HourSummary *h) {
  // "<payload> *xxxxxxxx"
  if (size < 12 || text[size - 10] != ' ' || text[size - 9] != '*')
    return false;
  char *hex_end = nullptr;
  const std::string hex(text + size - 8, 8);
  const unsigned long expected = std::strtoul(hex.c_str(), &hex_end, 16);
  if (hex_end != hex.c_str() + 8 || crc32(text, size - 10) != expected)
    return false;
  const char *p = text;
  const char *end = text + size - 10;
  if (*p != 'h' || p[1] != ' ') return false;
  p += 2;
  int64_t fields[6];
  for (int64_t &f : fields) {
    if (!parse_number(p, end, &f)) return false;
  }
  if (fields[1] < 0 || fields[2] < fields[1] || fields[3] <= 0 ||
      fields[4] < 0 || fields[5] < 0 || fields[0] != hour_start_us(fields[0]))
    return false;
  h->hour_start_us = fields[0];
  h->first_sequence = static_cast<uint64_t>(fields[1]);
  h->last_sequence = static_cast<uint64_t>(fields[2]);
  h->count = static_cast<uint64_t>(fields[3]);
  h->bytes = static_cast<uint64_t>(fields[4]);
  h->spans.clear();
  for (int64_t i = 0; i < fields[5]; i++) {
    Span s;
    if (!parse_number(p, end, &s.start_us) ||
        !parse_number(p, end, &s.end_us) || s.end_us < s.start_us)
      return false;
    h->spans.push_back(s);
  }
  return p == end;
}

}  // namespace

void extend_spans(std::vector<Span> *spans, int64_t start_us, int64_t end_us) {
  if (!spans->empty()) {
    Span &last = spans->back();
    if (start_us >= last.start_us && start_us <= last.end_us + kSpanJoinUs) {
      last.end_us = std::max(last.end_us, end_us);
      return;
    }
  }
  spans->push_back(Span{start_us, end_us});
}

std::vector<Span> merge_spans(std::vector<Span> spans, int64_t resolution_us) {
  std::sort(spans.begin(), spans.end(), [](const Span &a, const Span &b) {
    return a.start_us < b.start_us;
  });
  std::vector<Span> out;
  const int64_t join = std::max(resolution_us, kSpanJoinUs);
  for (const Span &s : spans) {
    if (!out.empty() && s.start_us <= out.back().end_us + join) {
      out.back().end_us = std::max(out.back().end_us, s.end_us);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

std::vector<Span> clip_spans(const std::vector<Span> &spans, int64_t from_us,
                             int64_t to_us) {
  std::vector<Span> out;
  for (const Span &s : spans) {
    if (s.end_us <= from_us || s.start_us >= to_us) continue;
    out.push_back(
        Span{std::max(s.start_us, from_us), std::min(s.end_us, to_us)});
  }
  return out;
}

void add_to_summary(HourSummary *h, const Segment &s) {
  if (h->count == 0) h->first_sequence = s.sequence;
  h->last_sequence = std::max(h->last_sequence, s.sequence);
  h->count++;
  h->bytes += s.bytes;
  extend_spans(&h->spans, s.start_us, s.end_us());
}

HourSummary summarize_hour(int64_t hour_start,
                           const std::deque<Segment> &segments) {
  HourSummary h;
  h.hour_start_us = hour_start;
  for (const Segment &s : segments) add_to_summary(&h, s);
  return h;
}

std::string hour_journal_path(const std::string &folder, int64_t hour_start) {
  return folder + "/" + hour_folder(hour_start) + "/" + kHourJournalName;
}

bool read_small_file(const std::string &path, std::string *out, size_t limit) {
  out->clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || out->size() + static_cast<size_t>(n) > limit) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

bool read_hour_journal(const std::string &path, std::deque<Segment> *segments,
                       std::string *error) {
  segments->clear();
  JournalState state;
  if (!read_journal_file(path, &state, error)) return false;
  *segments = std::move(state.listed);
  return true;
}

std::string archive_summary_text(const std::map<int64_t, HourSummary> &hours) {
  std::string out = std::string(kSummaryMagic) + "\n";
  for (const auto &[start, h] : hours) {
    if (h.count == 0) continue;
    char head[160];
    std::snprintf(head, sizeof head,
                  "h %" PRId64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
                  " %zu",
                  start, h.first_sequence, h.last_sequence, h.count, h.bytes,
                  h.spans.size());
    std::string line = head;
    for (const Span &s : h.spans) {
      char span[48];
      std::snprintf(span, sizeof span, " %" PRId64 " %" PRId64, s.start_us,
                    s.end_us);
      line += span;
    }
    char tail[16];
    std::snprintf(tail, sizeof tail, " *%08x\n",
                  crc32(line.data(), line.size()));
    out += line + tail;
  }
  return out;
}

std::map<int64_t, HourSummary> parse_archive_summary(const std::string &text) {
  std::map<int64_t, HourSummary> hours;
  size_t at = 0;
  bool first = true;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) break;  // a torn last line is not trusted
    const char *line = text.data() + at;
    const size_t size = nl - at;
    at = nl + 1;
    if (first) {
      first = false;
      if (size != std::strlen(kSummaryMagic) ||
          std::memcmp(line, kSummaryMagic, size) != 0)
        return {};
      continue;
    }
    HourSummary h;
    if (parse_summary_line(line, size, &h))
      hours[h.hour_start_us] = std::move(h);
  }
  return hours;
}

bool read_archive_summary(const std::string &folder,
                          std::map<int64_t, HourSummary> *hours) {
  std::string text;
  hours->clear();
  if (!read_small_file(folder + "/" + kArchiveSummaryName, &text, 64u << 20))
    return false;
  *hours = parse_archive_summary(text);
  return true;
}

std::vector<int64_t> list_hour_folders(const std::string &folder) {
  std::vector<int64_t> hours;
  for (const std::string &day : list_folder(folder)) {
    if (day.size() != 10 || day[4] != '-' || day[7] != '-') continue;
    for (const std::string &hour : list_folder(folder + "/" + day)) {
      int64_t start = 0;
      if (parse_hour_folder(day + "/" + hour, &start)) hours.push_back(start);
    }
  }
  std::sort(hours.begin(), hours.end());
  return hours;
}

}  // namespace dvr
