// What the launcher does with each stream an RTSP camera announces: video is
// only depayloaded, audio follows the preset's `audio`, and everything else
// is drained so that it cannot stop the camera.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "supervise/pipeline_description.h"
#include "config/preset.h"

using namespace dvr;

namespace {

CameraConfig camera(AudioMode audio = AudioMode::Off,
                    std::optional<VideoCodec> codec = std::nullopt) {
  CameraConfig cam;
  cam.name = "door";
  cam.source = SourceKind::Rtsp;
  cam.rtsp.url = "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0";
  cam.rtsp.codec = codec;
  cam.dvr.audio = audio;
  return cam;
}

std::string chain(const StreamPlan &plan) {
  return chain_description(plan.chain);
}

}  // namespace

TEST_CASE("H.264 and H.265 video are depayloaded and nothing more", "[plan]") {
  for (auto audio : {AudioMode::Off, AudioMode::Copy, AudioMode::Aac}) {
    auto p = plan_rtsp_stream(camera(audio), {"video", "H264"}, "avenc_aac");
    CHECK(p.route == Route::Video);
    CHECK(chain(p) == "rtph264depay");
    p = plan_rtsp_stream(camera(audio), {"video", "H265"}, "avenc_aac");
    CHECK(p.route == Route::Video);
    CHECK(chain(p) == "rtph265depay");
  }
  CHECK(plan_rtsp_stream(camera(AudioMode::Off, VideoCodec::kH264),
                         {"video", "H264"}, "")
            .route == Route::Video);
  CHECK(plan_rtsp_stream(camera(AudioMode::Off, VideoCodec::kH265),
                         {"video", "H265"}, "")
            .route == Route::Video);
}

TEST_CASE(
    "video the preset does not expect, or that cannot be recorded, is an error in plain words",
    "[plan]") {
  auto p = plan_rtsp_stream(camera(AudioMode::Off, VideoCodec::kH264),
                            {"video", "H265"}, "");
  CHECK(p.route == Route::Unsupported);
  CHECK(
      p.why ==
      "the camera sends H.265 video but the preset says codec = h264 (set codec = auto, or change the "
      "camera's encoding)");
  p = plan_rtsp_stream(camera(), {"video", "JPEG"}, "");
  CHECK(p.route == Route::Unsupported);
  CHECK_THAT(p.why, Catch::Contains(
                        "JPEG video; only H.264 and H.265 can be recorded"));
}

TEST_CASE(
    "G.711 audio becomes AAC with audio = aac, and is left out with copy or off",
    "[plan]") {
  auto p =
      plan_rtsp_stream(camera(AudioMode::Aac), {"audio", "PCMA"}, "avenc_aac");
  CHECK(p.route == Route::Audio);
  CHECK(
      chain(p) ==
      "rtppcmadepay ! alawdec ! audioconvert ! audioresample ! avenc_aac bitrate=32000 ! aacparse");
  p = plan_rtsp_stream(camera(AudioMode::Aac), {"audio", "PCMU"}, "voaacenc");
  CHECK(
      chain(p) ==
      "rtppcmudepay ! mulawdec ! audioconvert ! audioresample ! voaacenc bitrate=32000 ! aacparse");

  p = plan_rtsp_stream(camera(AudioMode::Copy), {"audio", "PCMA"}, "avenc_aac");
  CHECK(p.route == Route::Discard);
  CHECK(
      p.why ==
      "G.711 audio cannot be copied into MPEG-TS; set audio = aac to record it as AAC");
  p = plan_rtsp_stream(camera(AudioMode::Off), {"audio", "PCMA"}, "avenc_aac");
  CHECK(p.route == Route::Discard);
  CHECK(p.why == "audio is not recorded (audio = off)");
}

TEST_CASE("AAC audio is copied with audio = copy or aac, never re-encoded",
          "[plan]") {
  for (auto audio : {AudioMode::Copy, AudioMode::Aac}) {
    auto p = plan_rtsp_stream(camera(audio), {"audio", "MPEG4-GENERIC"},
                              "avenc_aac");
    CHECK(p.route == Route::Audio);
    CHECK(chain(p) == "rtpmp4gdepay ! aacparse");
    p = plan_rtsp_stream(camera(audio), {"audio", "MP4A-LATM"}, "avenc_aac");
    CHECK(chain(p) == "rtpmp4adepay ! aacparse");
  }
  CHECK(plan_rtsp_stream(camera(AudioMode::Off), {"audio", "MPEG4-GENERIC"}, "")
            .route == Route::Discard);
}

TEST_CASE("ONVIF metadata and unknown streams are drained, not left unlinked",
          "[plan]") {
  auto p = plan_rtsp_stream(camera(AudioMode::Aac),
                            {"application", "VND.ONVIF.METADATA"}, "avenc_aac");
  CHECK(p.route == Route::Discard);
  CHECK(p.why == "a application stream (VND.ONVIF.METADATA) is not recorded");
  p = plan_rtsp_stream(camera(AudioMode::Aac), {"audio", "G726-32"},
                       "avenc_aac");
  CHECK(p.route == Route::Discard);
  CHECK(p.why == "G726-32 audio is not recorded (only AAC and G.711 are)");
  CHECK(plan_rtsp_stream(camera(), {"", ""}, "").route == Route::Discard);
}

TEST_CASE(
    "the --check line of an rtsp camera links each expected stream by its caps",
    "[plan][check]") {
  PipelineOptions opts;
  opts.location = "/rec/door";
  auto cam = camera(AudioMode::Aac, VideoCodec::kH265);
  cam.rtsp.ingest = Ingest::Rtspsrc;
  cam.rtsp.user = "admin";
  cam.rtsp.password = "s3cr3t";
  const std::string line = gst_launch_command(cam, opts);
  CHECK_THAT(
      line,
      Catch::Contains(
          "src. ! application/x-rtp,media=video,encoding-name=H265 ! rtph265depay ! dvrsink "
          "name=sink location=/rec/door"));
  CHECK_THAT(
      line,
      Catch::Contains(
          "send-keyframe-requests=false src. ! application/x-rtp,media=audio,encoding-name=PCMA "
          "! rtppcmadepay ! alawdec ! audioconvert ! audioresample ! avenc_aac bitrate=32000 ! "
          "aacparse ! sink.audio"));
  CHECK_THAT(line, !Catch::Contains("s3cr3t"));
  cam.dvr.audio = AudioMode::Copy;
  CHECK_THAT(
      gst_launch_command(cam, opts),
      Catch::Contains("encoding-name=MPEG4-GENERIC ! rtpmp4gdepay ! aacparse ! "
                      "sink.audio"));
  cam.dvr.audio = AudioMode::Off;
  CHECK_THAT(gst_launch_command(cam, opts), !Catch::Contains("media=audio"));
  // What the launcher parses: source and sink only, no secret, no stream yet.
  CHECK(
      pipeline_description(cam, opts, Secrets::Omit) ==
      "rtspsrc name=src user-id=admin protocols=tcp latency=200 dvrsink name=sink location=/rec/door "
      "segment-duration=2 window=120 max-bytes=0 endlist=false send-keyframe-requests=false");
}

TEST_CASE(
    "with wall-clock = camera rtspsrc adds the sender reports' time to each buffer and dvrsink labels by it",
    "[plan][check]") {
  PipelineOptions opts;
  opts.location = "/rec/door";
  auto cam = camera();
  cam.rtsp.ingest = Ingest::Rtspsrc;
  cam.rtsp.wall_clock = WallClock::Camera;
  CHECK(
      pipeline_description(cam, opts, Secrets::Omit) ==
      "rtspsrc name=src protocols=tcp latency=200 add-reference-timestamp-meta=true dvrsink name=sink "
      "location=/rec/door segment-duration=2 window=120 max-bytes=0 endlist=false "
      "send-keyframe-requests=false wall-clock=camera");
  CHECK_THAT(gst_launch_command(cam, opts),
             Catch::Contains("add-reference-timestamp-meta=true"));
  cam.rtsp.wall_clock = WallClock::Local;
  CHECK_THAT(pipeline_description(cam, opts, Secrets::Omit),
             !Catch::Contains("reference") && !Catch::Contains("wall-clock"));
}

TEST_CASE(
    "with the lean ingest the --check line takes dvrrtspsrc's pads by name, video straight into dvrsink",
    "[plan][check]") {
  PipelineOptions opts;
  opts.location = "/rec/door";
  auto cam = camera(AudioMode::Aac);
  cam.rtsp.user = "admin";
  cam.rtsp.password = "s3cr3t";
  const std::string line = gst_launch_command(cam, opts);
  CHECK_THAT(line, Catch::StartsWith("gst-launch-1.0 -e dvrrtspsrc name=src "));
  CHECK_THAT(
      line,
      Catch::Contains(
          "user-id=admin 'user-pw=***' src.video ! dvrsink name=sink location=/rec/door"));
  CHECK_THAT(
      line,
      Catch::EndsWith(
          "send-keyframe-requests=false src.audio ! alawdec ! audioconvert ! audioresample ! "
          "avenc_aac bitrate=32000 ! aacparse ! sink.audio"));
  CHECK_THAT(line, !Catch::Contains("s3cr3t"));
  CHECK_THAT(line, !Catch::Contains("depay"));
  CHECK_THAT(line, !Catch::Contains("protocols="));
  cam.dvr.audio = AudioMode::Copy;
  CHECK_THAT(
      gst_launch_command(cam, opts),
      Catch::EndsWith("send-keyframe-requests=false src.audio ! sink.audio"));
  CHECK(
      pipeline_description(cam, opts, Secrets::Omit) ==
      "dvrrtspsrc name=src user-id=admin dvrsink name=sink location=/rec/door "
      "segment-duration=2 window=120 max-bytes=0 endlist=false send-keyframe-requests=false");
}

TEST_CASE(
    "dvrrtspsrc's depayloaded streams need no depayloader: AAC goes straight in, G.711 is encoded",
    "[plan]") {
  StreamPlan p =
      plan_rtsp_stream(camera(), {"video", "H264", true}, "avenc_aac");
  CHECK(p.route == Route::Video);
  CHECK(p.chain.empty());
  p = plan_rtsp_stream(camera(AudioMode::Copy),
                       {"audio", "MPEG4-GENERIC", true}, "avenc_aac");
  CHECK(p.route == Route::Audio);
  CHECK(p.chain.empty());
  p = plan_rtsp_stream(camera(AudioMode::Aac), {"audio", "PCMU", true},
                       "avenc_aac");
  CHECK(p.route == Route::Audio);
  CHECK(
      chain(p) ==
      "mulawdec ! audioconvert ! audioresample ! avenc_aac bitrate=32000 ! aacparse");
  CHECK(plan_rtsp_stream(camera(AudioMode::Copy), {"audio", "PCMA", true},
                         "avenc_aac")
            .route == Route::Discard);
}

TEST_CASE("url_host names the camera without its user info", "[plan]") {
  CHECK(url_host("rtsp://admin:pw@10.0.0.2:554/cam?x=1") == "10.0.0.2:554");
  CHECK(url_host("rtsp://10.0.0.2/live") == "10.0.0.2");
  CHECK(url_host("rtsp://[::1]:8554/a") == "[::1]:8554");
}

TEST_CASE("a camera's elements are the ones its pipeline can be built from",
          "[plan]") {
  using List = std::vector<std::string>;
  // dvrrtspsrc depayloads itself: no rtspsrc, no depayloader.
  CHECK(camera_elements(camera(), "avenc_aac") ==
        List{"dvrsink", "h264parse", "dvrrtspsrc", "fakesink", "h265parse"});
  auto cam = camera(AudioMode::Copy, VideoCodec::kH264);
  cam.rtsp.ingest = Ingest::Rtspsrc;
  CHECK(camera_elements(cam, "avenc_aac") ==
        List{"dvrsink", "h264parse", "rtspsrc", "fakesink", "rtph264depay",
             "rtpmp4gdepay", "aacparse", "rtpmp4adepay"});
  cam = camera(AudioMode::Aac, VideoCodec::kH265);
  CHECK(camera_elements(cam, "fdkaacenc") ==
        List{"dvrsink", "h264parse", "dvrrtspsrc", "fakesink", "h265parse",
             "alawdec", "audioconvert", "audioresample", "fdkaacenc",
             "aacparse", "mulawdec"});
  CameraConfig test;
  test.source = SourceKind::Test;
  test.dvr.audio = AudioMode::Aac;
  CHECK(camera_elements(test, "avenc_aac") ==
        List{"dvrsink", "h264parse", "videotestsrc", "x264enc", "audiotestsrc",
             "audioconvert", "audioresample", "avenc_aac", "aacparse"});
}
