// dvr-mock-camera: a mock Dahua IP camera for tests and demos.
// Run with --help for the options and control commands.

#include <glib-unix.h>
#include <gst/gst.h>

#include <cstdio>
#include <future>
#include <memory>

#include "camera.h"
#include "control.h"
#include "encoder.h"
#include "options.h"

using namespace mockcam;

namespace {

struct EncodeResult {
  TrackPtr track;
  std::string error;
};

void describe(const char *what, const TrackPtr &t) {
  const double seconds = static_cast<double>(t->loop_duration) / GST_SECOND;
  std::fprintf(
      stderr, "dvr-mock-camera: %s loop: %zu buffers, %.2f s, %.1f kbit/s\n",
      what, t->buffers.size(), seconds, t->bytes() * 8.0 / seconds / 1000.0);
}

gboolean on_signal(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop *>(loop));
  return G_SOURCE_CONTINUE;
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);

  Options opts;
  int exit_code = 0;
  if (!parse_options(argc, argv, opts, exit_code)) return exit_code;

  // Encode every loop once, in parallel.
  const int frames = loop_frames(opts.duration, opts.framerate, opts.gop);
  VideoSpec main_spec;
  main_spec.codec = opts.codec;
  main_spec.width = opts.width;
  main_spec.height = opts.height;
  main_spec.framerate = opts.framerate;
  main_spec.bitrate = opts.bitrate;
  main_spec.gop = opts.gop;
  main_spec.frames = frames;
  main_spec.speed_preset = opts.speed_preset;
  VideoSpec sub_spec = main_spec;
  sub_spec.width = opts.sub_width;
  sub_spec.height = opts.sub_height;
  sub_spec.bitrate = opts.sub_bitrate;
  const GstClockTime loop_duration =
      gst_util_uint64_scale(frames, GST_SECOND, opts.framerate);

  const gint64 t0 = g_get_monotonic_time();
  auto video_job = [](VideoSpec spec) {
    EncodeResult r;
    r.track = encode_video(spec, r.error);
    return r;
  };
  auto main_f = std::async(std::launch::async, video_job, main_spec);
  auto sub_f = std::async(std::launch::async, video_job, sub_spec);
  std::future<EncodeResult> audio_f;
  if (opts.audio != AudioCodec::None)
    audio_f = std::async(std::launch::async, [&opts, loop_duration] {
      EncodeResult r;
      r.track = encode_audio(opts.audio, loop_duration, r.error);
      return r;
    });

  Loops loops;
  EncodeResult main_r = main_f.get(), sub_r = sub_f.get();
  for (EncodeResult *r : {&main_r, &sub_r}) {
    if (!r->track) {
      std::fprintf(stderr, "dvr-mock-camera: %s\n", r->error.c_str());
      return 1;
    }
  }
  loops.main_video = main_r.track;
  loops.sub_video = sub_r.track;
  describe("main stream", loops.main_video);
  describe("sub stream", loops.sub_video);
  if (audio_f.valid()) {
    EncodeResult a = audio_f.get();
    if (!a.track) {
      std::fprintf(stderr, "dvr-mock-camera: %s\n", a.error.c_str());
      return 1;
    }
    loops.audio = a.track;
    describe("audio", loops.audio);
  }
  std::fprintf(stderr, "dvr-mock-camera: loops encoded in %.1f s\n",
               (g_get_monotonic_time() - t0) / 1e6);

  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  int status = 0;
  {
    Camera camera(opts, loops);
    Control control(camera, loop, opts.exit_on_stdin_eof);
    std::string error;
    if (!camera.start(error) ||
        (opts.control_port >= 0 &&
         !control.listen_tcp(opts.control_port, error))) {
      std::fprintf(stderr, "dvr-mock-camera: %s\n", error.c_str());
      status = 1;
    } else {
      control.watch_stdin();
      g_unix_signal_add(SIGINT, on_signal, loop);
      g_unix_signal_add(SIGTERM, on_signal, loop);

      std::string host = opts.address;
      if (host == "0.0.0.0") host = "127.0.0.1";
      if (host == "::") host = "::1";
      if (host.find(':') != std::string::npos) host = "[" + host + "]";
      if (control.tcp_port() >= 0)
        std::printf("dvr-mock-camera: control tcp://127.0.0.1:%d\n",
                    control.tcp_port());
      std::printf(
          "dvr-mock-camera: serving rtsp://%s:%d/cam/realmonitor?channel=1&subtype=0\n",
          host.c_str(), camera.port());
      std::fflush(stdout);

      g_main_loop_run(loop);
    }
  }
  g_main_loop_unref(loop);
  return status;
}
