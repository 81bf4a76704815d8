// The on-disk journal: what survives a torn write, a flipped byte or a foreign file.
#include <catch2/catch.hpp>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "journal.h"

using dvr::JournalParser;
using dvr::JournalState;
using dvr::Segment;

namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = 1700000000LL * kSecond;

Segment make_segment(uint64_t sequence, bool discontinuity = false) {
  Segment s;
  s.sequence = sequence;
  s.filename = dvr::segment_filename(sequence);
  s.start_us = kT0 + static_cast<int64_t>(sequence) * 2 * kSecond;
  s.duration_us = 2 * kSecond - static_cast<int64_t>(sequence);
  s.bytes = 100000 + sequence;
  s.discontinuity = discontinuity;
  return s;
}

JournalState parse(const std::string &text) {
  JournalParser parser;
  parser.feed(text.data(), text.size());
  return parser.finish();
}

JournalState parse_bytewise(const std::string &text) {
  JournalParser parser;
  for (char c : text) parser.feed(&c, 1);
  return parser.finish();
}

std::vector<std::string> describe_listed(const JournalState &st) {
  std::vector<std::string> out;
  for (const Segment &s : st.listed) {
    std::ostringstream line;
    line << s.sequence << ' ' << s.start_us << ' ' << s.duration_us << ' '
         << s.bytes << ' ' << s.discontinuity << ' ' << s.filename;
    out.push_back(line.str());
  }
  return out;
}

std::vector<std::string> describe_pending(const JournalState &st) {
  std::vector<std::string> out;
  for (const auto &p : st.pending) {
    std::ostringstream line;
    line << p.sequence << ' ' << p.bytes << ' ' << p.due_us << ' '
         << p.filename;
    out.push_back(line.str());
  }
  return out;
}

void check_same_recording(const JournalState &a, const JournalState &b) {
  CHECK(describe_listed(a) == describe_listed(b));
  CHECK(describe_pending(a) == describe_pending(b));
  CHECK(a.next_sequence == b.next_sequence);
  CHECK(a.discontinuity_sequence == b.discontinuity_sequence);
  CHECK(a.ended == b.ended);
}

std::vector<uint64_t> listed_sequences(const JournalState &st) {
  std::vector<uint64_t> out;
  for (const Segment &s : st.listed) out.push_back(s.sequence);
  return out;
}

// A journal of every record kind: 10..13 written, 10 and 11 left, 10 deleted, ended.
std::string full_journal() {
  return dvr::journal_magic_line() + dvr::journal_header_record(10, 2) +
         dvr::journal_segment_record(make_segment(10)) +
         dvr::journal_segment_record(make_segment(11, true)) +
         dvr::journal_segment_record(make_segment(12)) +
         dvr::journal_segment_record(make_segment(13, true)) +
         dvr::journal_expired_record(10, kT0 + 100 * kSecond) +
         dvr::journal_expired_record(11, kT0 + 102 * kSecond) +
         dvr::journal_deleted_record(10) + dvr::journal_ended_record();
}

std::vector<std::string> split_lines(const std::string &text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos;
       nl = text.find('\n', start)) {
    lines.push_back(text.substr(start, nl + 1 - start));
    start = nl + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

}  // namespace

TEST_CASE("CRC-32 eight bytes at a time is CRC-32 at any length and alignment",
          "[journal]") {
  // The definition, a bit at a time.
  const auto reference = [](const char *data, size_t size) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
      crc ^= static_cast<uint8_t>(data[i]);
      for (int k = 0; k < 8; k++)
        crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
  };
  std::string bytes;
  for (int i = 0; i < 300; i++) bytes += static_cast<char>(i * 37 + 11);
  for (size_t offset = 0; offset < 8; offset++)
    for (size_t size = 0; size + offset <= bytes.size(); size++) {
      INFO(offset << " " << size);
      CHECK(dvr::crc32(bytes.data() + offset, size) ==
            reference(bytes.data() + offset, size));
    }
  CHECK(dvr::crc32("", 0) == 0);
}

TEST_CASE("journal records are text lines with a CRC-32 of their payload",
          "[journal]") {
  CHECK(dvr::crc32("123456789", 9) == 0xCBF43926u);
  CHECK(dvr::journal_magic_line() == "dvr-journal 1\n");
  CHECK(dvr::journal_header_record(5, 1) == "H 5 1 *" + [] {
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", dvr::crc32("H 5 1", 5));
    return std::string(crc);
  }() + "\n");
  const std::string s = dvr::journal_segment_record(make_segment(3, true));
  CHECK(s.compare(0, 2, "S ") == 0);
  CHECK(s.find(" 1 seg-0000000003.ts *") != std::string::npos);
  CHECK(dvr::journal_deleted_record(7).compare(0, 4, "D 7 ") == 0);
  CHECK(dvr::journal_ended_record().compare(0, 3, "E *") == 0);
}

TEST_CASE("every record kind survives a write and a read", "[journal]") {
  const JournalState st = parse(full_journal());
  CHECK(st.rejected == 0);
  CHECK(st.records == 9);
  CHECK(listed_sequences(st) == std::vector<uint64_t>{12, 13});
  REQUIRE(st.listed.size() == 2);
  const Segment &twelve = st.listed[0];
  CHECK(twelve.start_us == kT0 + 24 * kSecond);
  CHECK(twelve.duration_us == 2 * kSecond - 12);
  CHECK(twelve.bytes == 100012);
  CHECK_FALSE(twelve.discontinuity);
  CHECK(twelve.filename == "seg-0000000012.ts");
  CHECK(st.listed[1].discontinuity);
  // 11 left the window: only it is still waiting on disk, with its due time.
  REQUIRE(st.pending.size() == 1);
  CHECK(st.pending[0].sequence == 11);
  CHECK(st.pending[0].filename == "seg-0000000011.ts");
  CHECK(st.pending[0].bytes == 100011);
  CHECK(st.pending[0].due_us == kT0 + 102 * kSecond);
  CHECK(st.next_sequence == 14);
  // 11 was marked and has left: one more discontinuity behind the window.
  CHECK(st.discontinuity_sequence == 3);
  CHECK(st.ended);
}

TEST_CASE("a segment record after ENDLIST means the recording goes on",
          "[journal]") {
  const JournalState st =
      parse(full_journal() + dvr::journal_segment_record(make_segment(14)));
  CHECK_FALSE(st.ended);
  CHECK(st.next_sequence == 15);
}

TEST_CASE("negative wall-clock times and large numbers survive a read",
          "[journal]") {
  Segment s = make_segment(0);
  s.sequence = 12345678901234ULL;
  s.start_us = -123456789;
  s.duration_us = INT64_MAX;
  s.bytes = 1ULL << 62;
  s.filename = std::string(200, 'a');
  const JournalState st =
      parse(dvr::journal_magic_line() + dvr::journal_segment_record(s));
  CHECK(st.rejected == 0);
  REQUIRE(st.listed.size() == 1);
  CHECK(st.listed[0].sequence == 12345678901234ULL);
  CHECK(st.listed[0].start_us == -123456789);
  CHECK(st.listed[0].duration_us == INT64_MAX);
  CHECK(st.listed[0].bytes == 1ULL << 62);
  CHECK(st.listed[0].filename == s.filename);
  CHECK(st.next_sequence == 12345678901235ULL);
}

TEST_CASE("a torn last line is skipped, a complete one without newline is kept",
          "[journal]") {
  const std::string base =
      dvr::journal_magic_line() + dvr::journal_segment_record(make_segment(0));
  const std::string next = dvr::journal_segment_record(make_segment(1));
  // Torn at every possible point, the last line never counts.
  for (size_t cut = 1; cut + 1 < next.size(); cut++) {
    INFO("cut at " << cut);
    const JournalState st = parse(base + next.substr(0, cut));
    CHECK(listed_sequences(st) == std::vector<uint64_t>{0});
    CHECK(st.rejected == 1);
    CHECK(st.next_sequence == 1);
  }
  // Only the newline lost: the CRC still vouches for it.
  const JournalState st = parse(base + next.substr(0, next.size() - 1));
  CHECK(listed_sequences(st) == std::vector<uint64_t>{0, 1});
  CHECK(st.rejected == 0);
}

TEST_CASE("a flipped byte in a middle line skips only that line", "[journal]") {
  const std::vector<std::string> lines = split_lines(full_journal());
  REQUIRE(lines[4].compare(0, 5, "S 12 ") == 0);
  for (size_t byte = 0; byte + 1 < lines[4].size(); byte++) {
    std::vector<std::string> broken = lines;
    broken[4][byte] ^= 0x04;
    std::string text;
    for (const auto &l : broken) text += l;
    INFO("byte " << byte << ": " << broken[4]);
    const JournalState st = parse(text);
    CHECK(st.rejected == 1);
    CHECK(listed_sequences(st) == std::vector<uint64_t>{13});
    REQUIRE(st.pending.size() == 1);
    CHECK(st.pending[0].sequence == 11);
    CHECK(st.next_sequence == 14);
    CHECK(st.discontinuity_sequence == 3);
    CHECK(st.ended);
  }
}

TEST_CASE("a journal of another version or no journal at all is not trusted",
          "[journal]") {
  const std::string body =
      full_journal().substr(dvr::journal_magic_line().size());
  const size_t body_lines = split_lines(body).size();
  for (const std::string &first :
       {std::string("dvr-journal 0\n"), std::string("dvr-journal 2\n"),
        std::string("dvr-journal 1 \n"), std::string("\n"), std::string("")}) {
    INFO("first line: " << first);
    const JournalState st = parse(first + body);
    CHECK(st.listed.empty());
    CHECK(st.pending.empty());
    CHECK(st.next_sequence == 0);
    CHECK(st.records == 0);
    CHECK(st.rejected == body_lines + (first.size() > 1 ? 1 : first.size()));
    // The index sets such a journal aside instead of compacting it away.
    CHECK(st.untrusted);
  }
  CHECK_FALSE(parse(full_journal()).untrusted);
  CHECK_FALSE(parse("").untrusted);
}

TEST_CASE("a journal whose first line is overlong is not trusted",
          "[journal]") {
  // Not the magic line, so nothing after it is ours, however valid its CRCs.
  const JournalState st = parse(std::string(2000, 'x') + "\n" + full_journal());
  CHECK(st.listed.empty());
  CHECK(st.records == 0);
  CHECK(st.untrusted);
}

TEST_CASE(
    "an overlong line is skipped and bounded, the lines around it are kept",
    "[journal]") {
  const std::string head =
      dvr::journal_magic_line() + dvr::journal_segment_record(make_segment(0));
  const std::string tail = dvr::journal_segment_record(make_segment(1));
  for (size_t length :
       {JournalParser::kMaxLine + 1, size_t{4096}, size_t{1} << 20}) {
    INFO("length " << length);
    const std::string text = head + std::string(length, 'S') + "\n" + tail;
    const JournalState whole = parse(text);
    CHECK(listed_sequences(whole) == std::vector<uint64_t>{0, 1});
    CHECK(whole.rejected == 1);
    const JournalState bytewise = parse_bytewise(text);
    CHECK(listed_sequences(bytewise) == std::vector<uint64_t>{0, 1});
    CHECK(bytewise.rejected == 1);
  }
  // An overlong torn last line is one rejected line too.
  const JournalState torn = parse(head + std::string(100000, 'x'));
  CHECK(listed_sequences(torn) == std::vector<uint64_t>{0});
  CHECK(torn.rejected == 1);
  // A line of exactly kMaxLine bytes is still read (and here fails only its CRC).
  const JournalState edge =
      parse(head + std::string(JournalParser::kMaxLine, 'y') + "\n" + tail);
  CHECK(edge.rejected == 1);
  CHECK(listed_sequences(edge) == std::vector<uint64_t>{0, 1});
}

TEST_CASE("a longest valid segment record fits in a journal line",
          "[journal]") {
  Segment s = make_segment(0);
  // 20 digits each, the longest numbers the reader takes.
  s.sequence = 18446744073709551608ULL;
  s.start_us = INT64_MIN + 1;
  s.duration_us = INT64_MAX;
  s.bytes = 18446744073709551609ULL;
  s.filename = std::string(200, 'z');
  const std::string record = dvr::journal_segment_record(s);
  CHECK(record.size() <= JournalParser::kMaxLine + 1);
  CHECK(parse(dvr::journal_magic_line() + record).listed.size() == 1);
}

TEST_CASE("segment records out of order are rejected", "[journal]") {
  const std::string magic = dvr::journal_magic_line();
  const auto S = [](uint64_t seq) {
    return dvr::journal_segment_record(make_segment(seq));
  };
  JournalState st = parse(magic + S(5) + S(3) + S(5) + S(6));
  CHECK(listed_sequences(st) == std::vector<uint64_t>{5, 6});
  CHECK(st.rejected == 2);
  // Gaps are allowed: a number may be skipped, never reused.
  st = parse(magic + S(5) + S(9));
  CHECK(listed_sequences(st) == std::vector<uint64_t>{5, 9});
  CHECK(st.next_sequence == 10);
  // The header sets the floor.
  st = parse(magic + dvr::journal_header_record(10, 0) + S(9) + S(10));
  CHECK(listed_sequences(st) == std::vector<uint64_t>{10});
  CHECK(st.rejected == 1);
  // A header anywhere but first is not trusted.
  st = parse(magic + S(1) + dvr::journal_header_record(100, 7));
  CHECK(st.next_sequence == 2);
  CHECK(st.discontinuity_sequence == 0);
  CHECK(st.rejected == 1);
}

TEST_CASE("expiry records out of order are rejected", "[journal]") {
  const std::string magic = dvr::journal_magic_line();
  const auto S = [](uint64_t seq) {
    return dvr::journal_segment_record(make_segment(seq));
  };
  // Only the oldest listed segment can leave.
  JournalState st =
      parse(magic + S(1) + S(2) + S(3) + dvr::journal_expired_record(2, kT0) +
            dvr::journal_expired_record(1, kT0) +
            dvr::journal_expired_record(1, kT0));
  CHECK(listed_sequences(st) == std::vector<uint64_t>{2, 3});
  REQUIRE(st.pending.size() == 1);
  CHECK(st.pending[0].sequence == 1);
  CHECK(st.rejected == 2);
  // Nothing listed: nothing can leave.
  st = parse(magic + dvr::journal_expired_record(0, kT0));
  CHECK(st.rejected == 1);
  // A deletion of a file that is not pending is not trusted.
  st = parse(magic + S(1) + dvr::journal_deleted_record(1) +
             dvr::journal_deleted_record(7));
  CHECK(listed_sequences(st) == std::vector<uint64_t>{1});
  CHECK(st.rejected == 2);
}

TEST_CASE(
    "feeding a journal a byte at a time gives the same recording as feeding it whole",
    "[journal]") {
  std::string text = full_journal();
  text.insert(text.find("S 12"),
              std::string(3000, '#') + "\n");                  // overlong line
  text.insert(text.find("S 13"), "garbage line *00000000\n");  // bad CRC
  text.insert(text.find("X 10"), "\n");                        // empty line
  text += dvr::journal_segment_record(make_segment(14))
              .substr(0, 20);  // torn last line
  const JournalState whole = parse(text);
  const JournalState bytewise = parse_bytewise(text);
  check_same_recording(whole, bytewise);
  CHECK(whole.records == bytewise.records);
  CHECK(whole.rejected == bytewise.rejected);
  CHECK(whole.rejected == 4);
  CHECK(listed_sequences(whole) == std::vector<uint64_t>{12, 13});
  // And in every two-way split.
  for (size_t cut = 0; cut <= text.size(); cut += 7) {
    JournalParser parser;
    parser.feed(text.data(), cut);
    parser.feed(text.data() + cut, text.size() - cut);
    const JournalState split = parser.finish();
    INFO("split at " << cut);
    check_same_recording(whole, split);
    CHECK(whole.rejected == split.rejected);
  }
}

TEST_CASE("a compacted journal describes the same recording", "[journal]") {
  const JournalState st = parse(full_journal());
  const std::string snapshot = dvr::journal_snapshot(st);
  const JournalState again = parse(snapshot);
  CHECK(again.rejected == 0);
  check_same_recording(st, again);
  // Compacting twice changes nothing.
  CHECK(dvr::journal_snapshot(again) == snapshot);
  // Nothing recorded yet but a sequence floor.
  const JournalState empty =
      parse(dvr::journal_magic_line() + dvr::journal_header_record(42, 3));
  check_same_recording(empty, parse(dvr::journal_snapshot(empty)));
  // Everything left and was deleted: the numbers must still go on.
  const std::string gone =
      dvr::journal_magic_line() + dvr::journal_segment_record(make_segment(0)) +
      dvr::journal_segment_record(make_segment(1, true)) +
      dvr::journal_expired_record(0, kT0) +
      dvr::journal_expired_record(1, kT0) + dvr::journal_deleted_record(0) +
      dvr::journal_deleted_record(1);
  const JournalState all_gone = parse(gone);
  CHECK(all_gone.next_sequence == 2);
  CHECK(all_gone.discontinuity_sequence == 1);
  check_same_recording(all_gone, parse(dvr::journal_snapshot(all_gone)));
}

TEST_CASE(
    "a compacted journal keeps the next sequence number when a newer file was deleted first",
    "[journal]") {
  // The deletion record of 0 was garbled on disk, the one of 1 was not: 0 is still
  // pending, 1 is gone, and 2 is the next number. A snapshot must not hand out 1 again.
  const std::string text =
      dvr::journal_magic_line() + dvr::journal_segment_record(make_segment(0)) +
      dvr::journal_segment_record(make_segment(1)) +
      dvr::journal_expired_record(0, kT0) +
      dvr::journal_expired_record(1, kT0) + dvr::journal_deleted_record(1);
  const JournalState st = parse(text);
  CHECK(st.next_sequence == 2);
  const JournalState again = parse(dvr::journal_snapshot(st));
  check_same_recording(st, again);
  CHECK(again.next_sequence == 2);
}
