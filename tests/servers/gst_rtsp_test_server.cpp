// A camera served by gst-rtsp-server in its default configuration, for the
// conformance tests: the RTSP answers (Content-Base, control attributes,
// Digest challenges, transports) are gst-rtsp-server's own, not ours.
//
//   dvr-gst-rtsp-server [--port N] [--path /cam/realmonitor] [--user U --password P]
//                       [--udp-only] [--tls-cert PEM --tls-key PEM]
//
// Serves H.264 and PCMA at the path (a query such as ?channel=1&subtype=0 is
// ignored, as gst-rtsp-server ignores it). Prints "serving rtsp://…" once
// listening and "TEARDOWN <url>" for each TEARDOWN it receives.
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <glib-unix.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace {

gchar *opt_path = nullptr;
gchar *opt_user = nullptr;
gchar *opt_password = nullptr;
gchar *opt_cert = nullptr;
gchar *opt_key = nullptr;
gint opt_port = 0;
gboolean opt_udp_only = FALSE;

const GOptionEntry kEntries[] = {
    {"port", 0, 0, G_OPTION_ARG_INT, &opt_port,
     "Port to listen on (0: any free one)", "N"},
    {"path", 0, 0, G_OPTION_ARG_STRING, &opt_path,
     "Mount path (default /cam/realmonitor)", "PATH"},
    {"user", 0, 0, G_OPTION_ARG_STRING, &opt_user,
     "Require Digest authentication as this user", "USER"},
    {"password", 0, 0, G_OPTION_ARG_STRING, &opt_password,
     "The user's password", "PW"},
    {"udp-only", 0, 0, G_OPTION_ARG_NONE, &opt_udp_only,
     "Offer RTP over UDP only", nullptr},
    {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_cert,
     "Serve rtsps:// with this PEM certificate", "PEM"},
    {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_key,
     "The certificate's PEM private key", "PEM"},
    {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
};

void on_teardown(GstRTSPClient *, GstRTSPContext *ctx, gpointer) {
  g_autofree gchar *uri =
      ctx && ctx->uri ? gst_rtsp_url_get_request_uri(ctx->uri) : g_strdup("?");
  std::printf("TEARDOWN %s\n", uri);
  std::fflush(stdout);
}

void on_client(GstRTSPServer *, GstRTSPClient *client, gpointer) {
  g_signal_connect(client, "teardown-request", G_CALLBACK(on_teardown),
                   nullptr);
}

gboolean on_signal(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop *>(loop));
  return G_SOURCE_REMOVE;
}

}  // namespace

int main(int argc, char **argv) {
  g_autoptr(GOptionContext) options =
      g_option_context_new("- a gst-rtsp-server camera for tests");
  g_option_context_add_main_entries(options, kEntries, nullptr);
  g_option_context_add_group(options, gst_init_get_option_group());
  g_autoptr(GError) error = nullptr;
  if (!g_option_context_parse(options, &argc, &argv, &error)) {
    std::fprintf(stderr, "%s\n", error->message);
    return 2;
  }
  const std::string path = opt_path ? opt_path : "/cam/realmonitor";

  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  g_autoptr(GstRTSPServer) server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, "127.0.0.1");
  gst_rtsp_server_set_service(server, std::to_string(opt_port).c_str());

  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  // Small and cheap: 320x240 at 25 fps, a keyframe a second, 8 kHz A-law.
  gst_rtsp_media_factory_set_launch(
      factory,
      "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
      "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=400 "
      "! rtph264pay name=pay0 pt=96 config-interval=-1 "
      "audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=8000,channels=1 ! alawenc "
      "! rtppcmapay name=pay1 pt=8 )");
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  if (opt_udp_only)
    gst_rtsp_media_factory_set_protocols(factory, GST_RTSP_LOWER_TRANS_UDP);

  if (opt_user || opt_cert) {
    g_autoptr(GstRTSPAuth) auth = gst_rtsp_auth_new();
    if (opt_user) {
      gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
      g_autoptr(GstRTSPToken) token = gst_rtsp_token_new(
          GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", NULL);
      gst_rtsp_auth_add_digest(auth, opt_user, opt_password ? opt_password : "",
                               token);
      gst_rtsp_media_factory_add_role(
          factory, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN,
          TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE,
          NULL);
    } else {
      // TLS without a login: everyone may play.
      g_autoptr(GstRTSPToken) anyone = gst_rtsp_token_new(
          GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "anonymous", NULL);
      gst_rtsp_auth_set_default_token(auth, anyone);
      gst_rtsp_media_factory_add_role(
          factory, "anonymous", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
          G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
          G_TYPE_BOOLEAN, TRUE, NULL);
    }
    if (opt_cert) {
      g_autoptr(GTlsCertificate) cert =
          g_tls_certificate_new_from_files(opt_cert, opt_key, &error);
      if (!cert) {
        std::fprintf(stderr, "%s: %s\n", opt_cert, error->message);
        return 2;
      }
      gst_rtsp_auth_set_tls_certificate(auth, cert);
    }
    gst_rtsp_server_set_auth(server, auth);
  }

  g_autoptr(GstRTSPMountPoints) mounts =
      gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, path.c_str(), factory);
  g_signal_connect(server, "client-connected", G_CALLBACK(on_client), nullptr);

  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    std::fprintf(stderr, "cannot listen on port %d\n", opt_port);
    return 1;
  }
  std::printf("serving %s://127.0.0.1:%d%s\n", opt_cert ? "rtsps" : "rtsp",
              gst_rtsp_server_get_bound_port(server), path.c_str());
  std::fflush(stdout);
  g_unix_signal_add(SIGTERM, on_signal, loop);
  g_unix_signal_add(SIGINT, on_signal, loop);
  g_main_loop_run(loop);
  return 0;
}
