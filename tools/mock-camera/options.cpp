#include "options.h"

#include <glib.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace mockcam {
namespace {

const char kDescription[] =
    "Serves Dahua-style RTSP URLs:\n"
    "  rtsp://ADDRESS:PORT/cam/realmonitor?channel=N&subtype=M\n"
    "  N is 1..--channels, M is 0 (main stream) or 1 (sub stream).\n"
    "  Extra query parameters (unicast=true&proto=Onvif) are accepted.\n"
    "\n"
    "At start a loop of --duration seconds is encoded once per stream type\n"
    "(rounded to whole GOPs); every client is then served from memory with\n"
    "live, rising timestamps, so many streams cost little CPU.\n"
    "\n"
    "Control commands, one per line, on standard input and on the optional\n"
    "--control-port (plain lines answered with \"ok\" or \"error: ...\", or\n"
    "HTTP: GET /drop, GET /refuse/3, ...):\n"
    "  drop        disconnect every client\n"
    "  stall       stop sending media, keep connections open\n"
    "  resume      send again (timestamps jump by the stalled time)\n"
    "  refuse N    refuse new connections for N seconds (listening socket closed)\n"
    "  restart     like a camera reboot: drop clients, restart the timeline;\n"
    "              new sessions get a new SSRC and new RTP timestamps\n"
    "  status      print clients, stall and refuse state\n"
    "  requests    print how many OPTIONS, GET_PARAMETER and TEARDOWN requests came\n"
    "  quit        exit\n"
    "Each command is acknowledged on standard output with a line\n"
    "\"dvr-mock-camera: COMMAND: ok\".\n"
    "\n"
    "When ready it prints one line:\n"
    "  dvr-mock-camera: serving rtsp://127.0.0.1:PORT/cam/realmonitor?channel=1&subtype=0\n"
    "preceded by \"dvr-mock-camera: control tcp://127.0.0.1:PORT\" when\n"
    "--control-port is set.";

struct GFreeDeleter {
  void operator()(gchar *p) const { g_free(p); }
};
using GStr = std::unique_ptr<gchar, GFreeDeleter>;

bool fail(const char *msg, int &exit_code) {
  std::fprintf(stderr, "dvr-mock-camera: %s\n", msg);
  exit_code = 2;
  return false;
}

bool in_range(int v, int lo, int hi) { return v >= lo && v <= hi; }

}  // namespace

const char *codec_name(Codec c) { return c == Codec::H265 ? "h265" : "h264"; }

const char *audio_name(AudioCodec a) {
  switch (a) {
    case AudioCodec::Pcma:
      return "pcma";
    case AudioCodec::Aac:
      return "aac";
    default:
      return "none";
  }
}

bool parse_options(int argc, char **argv, Options &opts, int &exit_code) {
  gchar *address = nullptr, *user = nullptr, *password = nullptr;
  gchar *codec = nullptr, *audio = nullptr, *speed = nullptr, *form = nullptr;
  gboolean exit_on_eof = FALSE;

  GOptionEntry entries[] = {
      {"port", 'p', 0, G_OPTION_ARG_INT, &opts.port,
       "RTSP port (default 8554; 0 picks a free port)", "PORT"},
      {"address", 'a', 0, G_OPTION_ARG_STRING, &address,
       "Address to listen on (default 127.0.0.1)", "IP"},
      {"channels", 'c', 0, G_OPTION_ARG_INT, &opts.channels,
       "Number of channels, 1..256 (default 1)", "N"},
      {"user", 'u', 0, G_OPTION_ARG_STRING, &user,
       "User name; with it, RTSP digest authentication is required", "NAME"},
      {"password", 'w', 0, G_OPTION_ARG_STRING, &password,
       "Password for --user", "PASSWORD"},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &codec,
       "Video codec: h264 (default) or h265", "CODEC"},
      {"width", 0, 0, G_OPTION_ARG_INT, &opts.width,
       "Main stream width (default 1920)", "PIXELS"},
      {"height", 0, 0, G_OPTION_ARG_INT, &opts.height,
       "Main stream height (default 1080)", "PIXELS"},
      {"framerate", 0, 0, G_OPTION_ARG_INT, &opts.framerate,
       "Frames per second of both streams (default 25)", "FPS"},
      {"bitrate", 0, 0, G_OPTION_ARG_INT, &opts.bitrate,
       "Main stream bitrate in kbit/s (default 4000)", "KBPS"},
      {"gop", 0, 0, G_OPTION_ARG_INT, &opts.gop,
       "Frames from one keyframe to the next, both streams (default 50)",
       "FRAMES"},
      {"sub-width", 0, 0, G_OPTION_ARG_INT, &opts.sub_width,
       "Sub stream (subtype=1) width (default 640)", "PIXELS"},
      {"sub-height", 0, 0, G_OPTION_ARG_INT, &opts.sub_height,
       "Sub stream height (default 360)", "PIXELS"},
      {"sub-bitrate", 0, 0, G_OPTION_ARG_INT, &opts.sub_bitrate,
       "Sub stream bitrate in kbit/s (default 512)", "KBPS"},
      {"audio", 0, 0, G_OPTION_ARG_STRING, &audio,
       "Audio: none (default), pcma (G.711 A-law 8000 Hz mono, payload type "
       "8) or aac (16000 Hz mono, mpeg4-generic)",
       "CODEC"},
      {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &opts.duration,
       "Seconds of the pre-encoded loop, rounded to whole GOPs (default 10)",
       "SECONDS"},
      {"speed-preset", 0, 0, G_OPTION_ARG_STRING, &speed,
       "Encoder speed preset used once at start (default superfast)", "PRESET"},
      {"control-port", 0, 0, G_OPTION_ARG_INT, &opts.control_port,
       "Also take control commands on this TCP port of 127.0.0.1 (0 picks a "
       "free port; default: none)",
       "PORT"},
      {"session-timeout", 0, 0, G_OPTION_ARG_INT, &opts.session_timeout,
       "Seconds a session lives without a request from its client (default "
       "60); expired sessions are closed within a second",
       "SECONDS"},
      {"control-form", 0, 0, G_OPTION_ARG_STRING, &form,
       "How DESCRIBE names control URLs: dahua (default), content-base (a "
       "Content-Base unlike the request URL), session (a session-level "
       "a=control) or absolute (absolute URLs, no Content-Base); all but "
       "dahua refuse aggregate requests at any other URL with 404",
       "FORM"},
      {"exit-on-stdin-eof", 0, 0, G_OPTION_ARG_NONE, &exit_on_eof,
       "Exit when standard input is closed (for test harnesses)", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
  };

  GOptionContext *ctx =
      g_option_context_new("- a mock Dahua IP camera serving RTSP");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_set_description(ctx, kDescription);
  GError *err = nullptr;
  gboolean ok = g_option_context_parse(ctx, &argc, &argv, &err);
  g_option_context_free(ctx);

  GStr a(address), u(user), pw(password), c(codec), au(audio), sp(speed),
      cf(form);
  if (!ok) {
    std::fprintf(stderr, "dvr-mock-camera: %s (see --help)\n", err->message);
    g_error_free(err);
    exit_code = 2;
    return false;
  }
  if (argc > 1) return fail("unexpected argument (see --help)", exit_code);

  if (a) opts.address = a.get();
  if (u) opts.user = u.get();
  if (pw) opts.password = pw.get();
  if (sp) opts.speed_preset = sp.get();
  exit_code = 0;
  opts.exit_on_stdin_eof = exit_on_eof;

  if (c) {
    if (std::strcmp(c.get(), "h264") == 0)
      opts.codec = Codec::H264;
    else if (std::strcmp(c.get(), "h265") == 0)
      opts.codec = Codec::H265;
    else
      return fail("--codec must be h264 or h265", exit_code);
  }
  if (au) {
    if (std::strcmp(au.get(), "none") == 0)
      opts.audio = AudioCodec::None;
    else if (std::strcmp(au.get(), "pcma") == 0)
      opts.audio = AudioCodec::Pcma;
    else if (std::strcmp(au.get(), "aac") == 0)
      opts.audio = AudioCodec::Aac;
    else
      return fail("--audio must be none, pcma or aac", exit_code);
  }
  if (cf && !parse_control_form(cf.get(), &opts.control_form))
    return fail(
        "--control-form must be dahua, content-base, session or absolute",
        exit_code);
  if (!in_range(opts.port, 0, 65535))
    return fail("--port must be 0..65535", exit_code);
  if (!in_range(opts.control_port, -1, 65535))
    return fail("--control-port must be 0..65535", exit_code);
  if (!in_range(opts.channels, 1, 256))
    return fail("--channels must be 1..256", exit_code);
  if (!in_range(opts.width, 16, 7680) || !in_range(opts.height, 16, 4320) ||
      !in_range(opts.sub_width, 16, 7680) ||
      !in_range(opts.sub_height, 16, 4320) || opts.width % 2 ||
      opts.height % 2 || opts.sub_width % 2 || opts.sub_height % 2)
    return fail("sizes must be even numbers of pixels, 16..7680 x 16..4320",
                exit_code);
  if (!in_range(opts.framerate, 1, 120))
    return fail("--framerate must be 1..120", exit_code);
  if (!in_range(opts.bitrate, 16, 200000) ||
      !in_range(opts.sub_bitrate, 16, 200000))
    return fail("bitrates must be 16..200000 kbit/s", exit_code);
  if (!in_range(opts.gop, 1, 3000))
    return fail("--gop must be 1..3000", exit_code);
  if (!(opts.duration > 0.0 && opts.duration <= 600.0))
    return fail("--duration must be more than 0 and at most 600 s", exit_code);
  if (opts.user.empty() && !opts.password.empty())
    return fail("--password needs --user", exit_code);
  if (opts.user.find_first_of(":\r\n\"") != std::string::npos)
    return fail("--user must not contain ':', quotes or line breaks",
                exit_code);
  return true;
}

}  // namespace mockcam
