#include "pipeline_runner.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

BusLog::~BusLog() {
  for (GstStructure *s : segments_added) gst_structure_free(s);
}

static void collect(GstMessage *msg, BusLog *log) {
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure(msg);
      if (s && gst_structure_has_name(s, "dvr-segment-added"))
        log->segments_added.push_back(gst_structure_copy(s));
      break;
    }
    case GST_MESSAGE_WARNING: {
      g_autoptr(GError) err = nullptr;
      g_autofree gchar *dbg = nullptr;
      gst_message_parse_warning(msg, &err, &dbg);
      log->warnings.push_back(std::string(err->message) + " | " +
                              (dbg ? dbg : ""));
      break;
    }
    case GST_MESSAGE_ERROR: {
      g_autoptr(GError) err = nullptr;
      g_autofree gchar *dbg = nullptr;
      gst_message_parse_error(msg, &err, &dbg);
      log->errors.push_back(std::string(err->message) + " | " +
                            (dbg ? dbg : ""));
      break;
    }
    case GST_MESSAGE_EOS:
      log->eos = true;
      break;
    default:
      break;
  }
}

const char *test_writer() {
  const char *writer = g_getenv("DVR_TEST_WRITER");
  return writer && *writer ? writer : nullptr;
}

std::string with_test_writer(const std::string &desc) {
  const char *writer = test_writer();
  if (!writer) return desc;
  std::string out = desc;
  const std::string token = "dvrsink ";
  for (size_t at = out.find(token); at != std::string::npos;
       at = out.find(token, at + token.size())) {
    if (at > 0 && out[at - 1] != ' ' && out[at - 1] != '!') continue;
    out.insert(at + token.size(), std::string("writer=") + writer + " ");
  }
  return out;
}

void run_pipeline(const std::string &desc, double seconds, BusLog *log,
                  const std::function<void(GstElement *)> &setup) {
  g_autoptr(GError) error = nullptr;
  GstElement *pipeline =
      gst_parse_launch(with_test_writer(desc).c_str(), &error);
  if (!pipeline) {
    log->errors.push_back(std::string("parse: ") + error->message);
    return;
  }
  GstBus *bus = gst_element_get_bus(pipeline);
  if (setup) setup(pipeline);
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    // The error message says why.
    while (GstMessage *msg = gst_bus_pop(bus)) {
      collect(msg, log);
      gst_message_unref(msg);
    }
    if (log->errors.empty())
      log->errors.push_back("state change to PLAYING failed");
  } else {
    const gint64 stop_at =
        g_get_monotonic_time() + static_cast<gint64>(seconds * G_USEC_PER_SEC);
    bool eos_sent = false;
    const gint64 give_up = stop_at + 20 * G_USEC_PER_SEC;
    while (!log->eos && log->errors.empty() &&
           g_get_monotonic_time() < give_up) {
      GstMessage *msg = gst_bus_timed_pop(bus, 50 * GST_MSECOND);
      if (msg) {
        collect(msg, log);
        gst_message_unref(msg);
      }
      if (!eos_sent && g_get_monotonic_time() >= stop_at) {
        gst_element_send_event(pipeline, gst_event_new_eos());
        eos_sent = true;
      }
    }
    if (!log->eos && log->errors.empty())
      log->errors.push_back("no EOS within 20 s of asking");
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  while (GstMessage *msg = gst_bus_pop(bus)) {
    collect(msg, log);
    gst_message_unref(msg);
  }
  gst_object_unref(bus);
  gst_object_unref(pipeline);
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/dvr-element-test-XXXXXX";
  path = mkdtemp(tmpl);
}

TempDir::~TempDir() {
  std::string cmd = "rm -rf '" + path + "'";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "could not remove %s\n", path.c_str());
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool file_exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string &path) {
  std::vector<std::string> names;
  if (DIR *dir = ::opendir(path.c_str())) {
    while (struct dirent *e = ::readdir(dir)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(dir);
  }
  return names;
}

std::string run_command(const std::string &command, int *status) {
  std::string out;
  FILE *p = ::popen(command.c_str(), "r");
  if (!p) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

long long parse_program_date_time(const std::string &text) {
  struct tm tm_utc = {};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm_utc.tm_year,
                  &tm_utc.tm_mon, &tm_utc.tm_mday, &tm_utc.tm_hour,
                  &tm_utc.tm_min, &tm_utc.tm_sec, &ms) != 7 ||
      text.size() != 24)
    return -1;
  tm_utc.tm_year -= 1900;
  tm_utc.tm_mon -= 1;
  return static_cast<long long>(timegm(&tm_utc)) * 1000 + ms;
}

ParsedPlaylist parse_playlist(const std::string &text) {
  ParsedPlaylist pl;
  std::istringstream in(text);
  std::string line;
  ListedSegment next;
  auto value = [&](const char *tag) {
    return line.substr(std::string(tag).size());
  };
  while (std::getline(in, line)) {
    if (line.rfind("#EXT-X-TARGETDURATION:", 0) == 0)
      pl.target_duration = std::stoul(value("#EXT-X-TARGETDURATION:"));
    else if (line.rfind("#EXT-X-MEDIA-SEQUENCE:", 0) == 0)
      pl.media_sequence = std::stoll(value("#EXT-X-MEDIA-SEQUENCE:"));
    else if (line.rfind("#EXT-X-DISCONTINUITY-SEQUENCE:", 0) == 0)
      pl.discontinuity_sequence =
          std::stoll(value("#EXT-X-DISCONTINUITY-SEQUENCE:"));
    else if (line == "#EXT-X-DISCONTINUITY")
      next.discontinuity = true;
    else if (line.rfind("#EXT-X-PROGRAM-DATE-TIME:", 0) == 0)
      next.program_date_time = value("#EXT-X-PROGRAM-DATE-TIME:");
    else if (line.rfind("#EXTINF:", 0) == 0)
      next.duration = std::stod(value("#EXTINF:"));
    else if (line == "#EXT-X-ENDLIST")
      pl.endlist = true;
    else if (!line.empty() && line[0] != '#') {
      next.uri = line;
      pl.segments.push_back(next);
      next = ListedSegment();
    }
  }
  return pl;
}

GstBuffer *with_camera_clock(GstBuffer *buf, gint64 unix_us) {
  static GstCaps *ntp = gst_caps_new_empty_simple("timestamp/x-ntp");
  buf = gst_buffer_make_writable(buf);
  const guint64 ntp_ns =
      static_cast<guint64>(unix_us +
                           G_GINT64_CONSTANT(2208988800) * G_USEC_PER_SEC) *
      1000;
  gst_buffer_add_reference_timestamp_meta(buf, ntp, ntp_ns,
                                          GST_CLOCK_TIME_NONE);
  return buf;
}
