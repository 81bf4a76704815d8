// Command-line options of dvr-mock-camera.
#pragma once

#include <string>

#include "control_form.h"

namespace mockcam {

enum class Codec { H264, H265 };
enum class AudioCodec { None, Pcma, Aac };

struct Options {
  int port = 8554;  // 0: pick a free port
  std::string address = "127.0.0.1";
  int channels = 1;
  std::string user;
  std::string password;
  Codec codec = Codec::H264;
  int width = 1920;
  int height = 1080;
  int framerate = 25;
  int bitrate = 4000;  // kbit/s
  int gop = 50;        // frames
  int sub_width = 640;
  int sub_height = 360;
  int sub_bitrate = 512;  // kbit/s
  AudioCodec audio = AudioCodec::None;
  double duration = 10.0;  // seconds of the pre-encoded loop
  std::string speed_preset = "superfast";
  int control_port = -1;  // -1: none, 0: pick a free port
  int session_timeout =
      0;  // seconds an idle session lives; 0: gst-rtsp-server's 60
  bool exit_on_stdin_eof = false;
  ControlForm control_form = ControlForm::Dahua;
};

const char *codec_name(Codec c);
const char *audio_name(AudioCodec a);

// Parses argv into opts. Returns true when the program should go on; otherwise
// exit_code tells how to exit (0 after --help, 2 after a bad option).
bool parse_options(int argc, char **argv, Options &opts, int &exit_code);

}  // namespace mockcam
