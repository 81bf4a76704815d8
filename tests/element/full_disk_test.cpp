// A full disk on a small tmpfs the test mounts itself: the newest footage
// wins, every loss is said, and an unwritable folder is not called full.
#include <catch2/catch.hpp>
#include <gst/gst.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "recording_checks.h"

namespace {

// About 40 KB per one-second segment.
std::string camera(const std::string &pattern = "ball") {
  return "videotestsrc is-live=true pattern=" + pattern +
         " ! video/x-raw,width=320,height=240,framerate=30/1 ! "
         "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! ";
}

// The same camera, not live: `seconds` of frames as fast as they encode. The
// disk's moves are made from the bus's sync handler, in step with the
// segments, so that they need no wall-clock time.
std::string recorded_camera(int seconds, const std::string &pattern = "ball") {
  return "videotestsrc is-live=false num-buffers=" +
         std::to_string(seconds * 30) + " pattern=" + pattern +
         " ! video/x-raw,width=320,height=240,framerate=30/1 ! "
         "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! ";
}

// A generous limit for a pipeline that ends by itself.
constexpr double kUntilEos = 60.0;

// A tmpfs of `size` mounted under a temporary folder, unmounted when this goes.
struct SmallDisk {
  TempDir dir;
  std::string path;
  std::string why_not;  // empty when mounted
  explicit SmallDisk(const char *size, const char *extra = nullptr) {
    path = dir.file("disk");
    mkdir(path.c_str(), 0755);
    const std::string options =
        std::string("size=") + size + (extra ? std::string(",") + extra : "");
    if (mount("tmpfs", path.c_str(), "tmpfs",
              extra && std::strstr(extra, "ro") ? MS_RDONLY : 0,
              options.c_str()) != 0)
      why_not = std::string("cannot mount a tmpfs (") + std::strerror(errno) +
                "): these tests need root, or CAP_SYS_ADMIN in a container";
  }
  ~SmallDisk() {
    if (why_not.empty()) umount2(path.c_str(), MNT_DETACH);
  }
};

#define SKIP_UNLESS_MOUNTED(disk)        \
  if (!(disk).why_not.empty()) {         \
    WARN("skipped: " << (disk).why_not); \
    return;                              \
  }

// Fills the disk but for about `leave` bytes.
void fill(const SmallDisk &disk, const std::string &name, long long leave) {
  int status = -1;
  const std::string filler = disk.path + "/" + name;
  run_command("head -c $(( $(stat -f -c '%a*%S' " + disk.path + ") - " +
                  std::to_string(leave) + " )) /dev/zero > " + filler,
              &status);
  REQUIRE(status == 0);
}

// What the recorder told the application, collected in the streaming threads.
struct Said {
  std::mutex lock;
  std::vector<GstStructure *> storage;          // dvr-storage messages
  std::vector<std::string> warnings;            // texts
  std::vector<GstStructure *> warning_details;  // of the no-space warnings
  std::vector<std::string> added;  // location of each dvr-segment-added
  std::vector<std::string> errors;
  std::function<void(Said &)> on_message;  // called with the lock held
  ~Said() {
    for (GstStructure *s : storage) gst_structure_free(s);
    for (GstStructure *s : warning_details) gst_structure_free(s);
  }
  size_t count_storage(const std::string &state) {
    size_t n = 0;
    for (GstStructure *s : storage)
      n += state == gst_structure_get_string(s, "state") ? 1 : 0;
    return n;
  }
  GstStructure *first_storage(const std::string &state) {
    for (GstStructure *s : storage)
      if (state == gst_structure_get_string(s, "state")) return s;
    return nullptr;
  }
};

GstBusSyncReply listen(GstBus *, GstMessage *msg, gpointer data) {
  auto *said = static_cast<Said *>(data);
  std::lock_guard<std::mutex> lock(said->lock);
  const GstStructure *s = gst_message_get_structure(msg);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name(s, "dvr-storage"))
        said->storage.push_back(gst_structure_copy(s));
      if (gst_structure_has_name(s, "dvr-segment-added"))
        said->added.push_back(gst_structure_get_string(s, "location"));
      break;
    case GST_MESSAGE_WARNING: {
      g_autoptr(GError) err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      said->warnings.push_back(err->message);
      const GstStructure *details = nullptr;
      gst_message_parse_warning_details(msg, &details);
      const GValue *inner =
          details ? gst_structure_get_value(details, "details") : nullptr;
      if (inner && G_VALUE_HOLDS(inner, GST_TYPE_STRUCTURE))
        said->warning_details.push_back(
            gst_structure_copy(gst_value_get_structure(inner)));
      break;
    }
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      said->errors.push_back(err->message);
      break;
    }
    default:
      break;
  }
  if (said->on_message) said->on_message(*said);
  return GST_BUS_PASS;
}

std::function<void(GstElement *)> listen_to(Said *said) {
  return [said](GstElement *pipeline) {
    GstBus *bus = gst_element_get_bus(pipeline);
    gst_bus_set_sync_handler(bus, listen, said, nullptr);
    gst_object_unref(bus);
  };
}

// Holes in a playlist: a segment starting more than 0.5 s after the one before ended.
size_t gaps_in(const ParsedPlaylist &pl) {
  size_t gaps = 0;
  for (size_t i = 1; i < pl.segments.size(); i++) {
    const long long prev =
        parse_program_date_time(pl.segments[i - 1].program_date_time);
    const long long start =
        parse_program_date_time(pl.segments[i].program_date_time);
    if (start - (prev +
                 static_cast<long long>(pl.segments[i - 1].duration * 1000)) >
        500)
      gaps++;
  }
  return gaps;
}

// Segment numbers listed, which rise by one unless a segment was lost.
size_t numbering_holes(const ParsedPlaylist &pl) {
  size_t holes = 0;
  for (size_t i = 1; i < pl.segments.size(); i++)
    if (uri_name(pl.segments[i].uri) !=
        segment_name(pl.media_sequence + static_cast<long long>(i)))
      holes++;
  return holes;
}

}  // namespace

TEST_CASE(
    "on a full disk the oldest footage goes with room to spare: no segment lost, said once, and space back is said",
    "[full-disk]") {
  SmallDisk disk("2m");
  SKIP_UNLESS_MOUNTED(disk);
  const std::string folder = disk.path + "/cam";
  // Room for about a dozen segments, then the disk is full.
  fill(disk, "filler", 500 * 1000);
  Said said;
  size_t added_at_full = 0;
  bool freed_filler = false;
  // Eight segments at a full disk, then space comes back.
  said.on_message = [&](Said &s) {
    if (s.count_storage("full") == 0 || freed_filler) return;
    if (added_at_full == 0) added_at_full = s.added.size() + 1;
    if (s.added.size() + 1 >= added_at_full + 8) {
      freed_filler = true;
      unlink((disk.path + "/filler").c_str());
    }
  };
  BusLog log;
  run_pipeline(recorded_camera(30) + "dvrsink location=" + folder +
                   " segment-duration=1 window=600",
               kUntilEos, &log, listen_to(&said));
  const ParsedPlaylist pl = parse_playlist(read_file(folder + "/live.m3u8"));
  require_segments_valid(folder, pl);
  CHECK(said.errors.empty());

  // Said once, with what was freed and from when footage now starts.
  REQUIRE(said.count_storage("full") == 1);
  GstStructure *full = said.first_storage("full");
  guint64 freed_segments = 0, freed_bytes = 0;
  gint64 oldest = 0;
  gst_structure_get_uint64(full, "freed-segments", &freed_segments);
  gst_structure_get_uint64(full, "freed-bytes", &freed_bytes);
  gst_structure_get_int64(full, "oldest", &oldest);
  CHECK(freed_segments > 0);
  CHECK(freed_bytes > 0);
  CHECK(oldest > 0);
  CHECK(std::string(gst_structure_get_string(full, "folder")) == folder);
  // The warning an application reads carries the same facts.
  REQUIRE(said.warning_details.size() == 1);
  CHECK(std::string(gst_structure_get_string(said.warning_details[0],
                                             "state")) == "full");
  CHECK(said.warnings.size() == 1);
  CHECK(said.warnings[0].find(folder) != std::string::npos);
  // Space back is said, after the full disk.
  CHECK(freed_filler);
  CHECK(said.count_storage("ok") >= 1);
  CHECK(said.storage.back() != nullptr);
  CHECK(std::string(gst_structure_get_string(said.storage.back(), "state")) ==
        "ok");

  // The newest footage won: every segment written was listed, none lost at
  // the full disk, and the playlist has no hole.
  CHECK(numbering_holes(pl) == 0);
  CHECK(gaps_in(pl) <= 1);
  CHECK(log.segments_added.size() >= 25);
  REQUIRE_FALSE(pl.segments.empty());
  CHECK(uri_name(pl.segments.back().uri) ==
        segment_name(static_cast<long long>(log.segments_added.size()) - 1));
}

TEST_CASE(
    "two recordings in one storage group: the oldest footage of either goes, and both keep recording",
    "[full-disk]") {
  SmallDisk disk("3m");
  SKIP_UNLESS_MOUNTED(disk);
  const std::string a = disk.path + "/a", b = disk.path + "/b";
  fill(disk, "filler", 800 * 1000);
  Said said;
  BusLog log;
  run_pipeline(recorded_camera(20) + "dvrsink location=" + a +
                   " segment-duration=1 storage-group=test " +
                   recorded_camera(20) + "dvrsink location=" + b +
                   " segment-duration=1 storage-group=test",
               kUntilEos, &log, listen_to(&said));
  CHECK(said.errors.empty());
  for (const std::string &folder : {a, b}) {
    INFO(folder);
    const ParsedPlaylist pl = parse_playlist(read_file(folder + "/live.m3u8"));
    require_segments_valid(folder, pl);
    size_t added = 0;
    for (const auto &location : said.added)
      added += location.rfind(folder + "/", 0) == 0 ? 1 : 0;
    // Recorded all along, and nothing lost once the disk was full.
    CHECK(added >= 15);
    CHECK(numbering_holes(pl) == 0);
    CHECK(gaps_in(pl) <= 1);
    REQUIRE_FALSE(pl.segments.empty());
    CHECK(uri_name(pl.segments.back().uri) ==
          segment_name(static_cast<long long>(added) - 1));
  }
  // The disk was full, and said so.
  CHECK(said.count_storage("full") >= 1);
}

TEST_CASE(
    "a read-only filesystem or a removed folder is said as such, not as a full disk",
    "[full-disk]") {
  SECTION("read-only") {
    SmallDisk disk("1m", "ro");
    SKIP_UNLESS_MOUNTED(disk);
    Said said;
    BusLog log;
    run_pipeline(
        camera() + "dvrsink location=" + disk.path + " segment-duration=1", 2.0,
        &log, listen_to(&said));
    REQUIRE_FALSE(said.errors.empty());
    CHECK(said.errors[0].find("read-only") != std::string::npos);
    CHECK(said.count_storage("read-only") == 1);
    CHECK(said.count_storage("full") == 0);
  }
  SECTION("folder removed while recording") {
    SmallDisk disk("4m");
    SKIP_UNLESS_MOUNTED(disk);
    const std::string folder = disk.path + "/cam";
    Said said;
    said.on_message = [&](Said &s) {
      if (s.added.size() == 2 && s.storage.size() < 100) {
        int status;
        run_command("rm -rf " + folder, &status);
      }
    };
    BusLog log;
    run_pipeline(recorded_camera(6) + "dvrsink location=" + folder +
                     " segment-duration=1",
                 kUntilEos, &log, listen_to(&said));
    REQUIRE_FALSE(said.errors.empty());
    CHECK(said.errors[0].find("folder is missing") != std::string::npos);
    CHECK(said.count_storage("folder-missing") >= 1);
    CHECK(said.count_storage("full") == 0);
  }
}

TEST_CASE(
    "a disk filled at once by another program: room is made and at most the segment being written is lost",
    "[full-disk]") {
  SmallDisk disk("3m");
  SKIP_UNLESS_MOUNTED(disk);
  const std::string folder = disk.path + "/cam";
  Said said;
  // Half way into the seventh segment, so that its own write finds the disk
  // full: filled from the source's streaming thread, in step with the frames.
  struct Filler {
    const SmallDisk *disk;
    bool filled = false;
  } filler{&disk};
  BusLog log;
  run_pipeline(
      "videotestsrc name=src is-live=false num-buffers=" +
          std::to_string(14 * 30) +
          " pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
          "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse ! dvrsink location=" +
          folder + " segment-duration=1",
      kUntilEos, &log, [&](GstElement *pipeline) {
        listen_to (&said)(pipeline);
        GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
        GstPad *pad = gst_element_get_static_pad(src, "src");
        gst_pad_add_probe(
            pad, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad *, GstPadProbeInfo *info, gpointer data) {
              auto *f = static_cast<Filler *>(data);
              if (!f->filled && GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(
                                    info)) >= 6500 * GST_MSECOND) {
                f->filled = true;
                fill(*f->disk, "filler", 0);
              }
              return GST_PAD_PROBE_OK;
            },
            &filler, nullptr);
        gst_object_unref(pad);
        gst_object_unref(src);
      });
  const bool filled = filler.filled;
  const ParsedPlaylist pl = parse_playlist(read_file(folder + "/live.m3u8"));
  require_segments_valid(folder, pl);
  CHECK(said.errors.empty());
  REQUIRE(filled);
  CHECK(said.count_storage("full") == 1);
  // Recording went on: about a segment a second after the disk filled.
  CHECK(log.segments_added.size() >= 11);
  CHECK(gaps_in(pl) <= 1);
}
