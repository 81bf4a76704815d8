#include "camera.h"

#include <gst/app/gstappsrc.h>

#include <cstdio>

#include "dahua_path.h"
#include "dahua_rtsp.h"
#include "feeder.h"

namespace mockcam {
namespace {

const char kRole[] = "user";
const char kFeederKey[] = "dvr-mock-camera-feeder";

struct FactoryContext {
  TrackPtr video;
  TrackPtr audio;
};

void configure_src(GstElement *src, const EncodedTrack &track) {
  g_object_set(src, "caps", track.caps, "is-live", TRUE, "format",
               GST_FORMAT_TIME, "do-timestamp", FALSE, "block", FALSE,
               "max-buffers", static_cast<guint64>(0), "max-bytes",
               static_cast<guint64>(64) << 20, nullptr);
}

void on_unprepared(GstRTSPMedia *media, gpointer) {
  auto *feeder =
      static_cast<Feeder *>(g_object_get_data(G_OBJECT(media), kFeederKey));
  if (feeder) feeder->stop();
}

void on_new_state(GstRTSPMedia *media, gint state, gpointer) {
  auto *feeder =
      static_cast<Feeder *>(g_object_get_data(G_OBJECT(media), kFeederKey));
  if (feeder) feeder->set_playing(state == GST_STATE_PLAYING);
}

void on_media_configure(GstRTSPMediaFactory *, GstRTSPMedia *media,
                        gpointer data) {
  auto *ctx = static_cast<FactoryContext *>(data);
  GstElement *bin = gst_rtsp_media_get_element(media);
  GstElement *vsrc = gst_bin_get_by_name_recurse_up(GST_BIN(bin), "videosrc");
  GstElement *asrc = gst_bin_get_by_name_recurse_up(GST_BIN(bin), "audiosrc");
  if (vsrc) configure_src(vsrc, *ctx->video);
  if (asrc && ctx->audio) configure_src(asrc, *ctx->audio);

  // Stream controls as a Dahua camera names them.
  for (guint i = 0; i < gst_rtsp_media_n_streams(media); i++) {
    gchar *control = g_strdup_printf("trackID=%u", i);
    gst_rtsp_stream_set_control(gst_rtsp_media_get_stream(media, i), control);
    g_free(control);
  }

  auto *feeder = new Feeder(vsrc, ctx->video, asrc, ctx->audio);
  g_object_set_data_full(G_OBJECT(media), kFeederKey, feeder,
                         [](gpointer p) { delete static_cast<Feeder *>(p); });
  g_signal_connect(media, "unprepared", G_CALLBACK(on_unprepared), nullptr);
  g_signal_connect(media, "new-state", G_CALLBACK(on_new_state), nullptr);
  feeder->start();

  if (vsrc) gst_object_unref(vsrc);
  if (asrc) gst_object_unref(asrc);
  gst_object_unref(bin);
}

std::string launch_line(const Options &opts, bool with_audio) {
  std::string s = "( appsrc name=videosrc ! ";
  s += opts.codec == Codec::H265 ? "rtph265pay" : "rtph264pay";
  s += " name=pay0 pt=96";
  if (with_audio) {
    if (opts.audio == AudioCodec::Pcma)
      s += " appsrc name=audiosrc ! rtppcmapay name=pay1 pt=8";
    else
      s += " appsrc name=audiosrc ! rtpmp4gpay name=pay1 pt=97";
  }
  return s + " )";
}

GstRTSPFilterResult remove_client(GstRTSPServer *, GstRTSPClient *, gpointer) {
  return GST_RTSP_FILTER_REMOVE;
}

GstRTSPFilterResult remove_session(GstRTSPSessionPool *, GstRTSPSession *,
                                   gpointer) {
  return GST_RTSP_FILTER_REMOVE;
}

GstRTSPFilterResult count_client(GstRTSPServer *, GstRTSPClient *,
                                 gpointer count) {
  (*static_cast<int *>(count))++;
  return GST_RTSP_FILTER_KEEP;
}

}  // namespace

Camera::Camera(const Options &opts, Loops loops)
    : opts_(opts),
      loops_(std::move(loops)),
      listener_([this](GSocket *s) { accept(s); }) {
  server_ = dahua_server_new(opts_.control_form);
  GstRTSPMountPoints *mounts = dahua_mount_points_new();
  gst_rtsp_server_set_mount_points(server_, mounts);
  g_object_unref(mounts);

  if (!opts_.user.empty()) {
    GstRTSPAuth *auth = gst_rtsp_auth_new();
    gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
    gst_rtsp_auth_set_realm(auth, "Login to DVRMOCK0000001");
    GstRTSPToken *token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
                                             G_TYPE_STRING, kRole, nullptr);
    gst_rtsp_auth_add_digest(auth, opts_.user.c_str(), opts_.password.c_str(),
                             token);
    gst_rtsp_token_unref(token);
    gst_rtsp_server_set_auth(server_, auth);
    g_object_unref(auth);
  }

  for (int ch = 1; ch <= opts_.channels; ch++) {
    add_factory(ch, 0);
    add_factory(ch, 1);
  }
  g_signal_connect(server_, "client-connected", G_CALLBACK(on_client_connected),
                   this);
  // gst-rtsp-server expires sessions only when asked to.
  if (opts_.session_timeout > 0)
    cleanup_timer_ = g_timeout_add(500, cleanup_cb, this);
}

void Camera::on_client_connected(GstRTSPServer *, GstRTSPClient *client,
                                 gpointer data) {
  auto *self = static_cast<Camera *>(data);
  g_signal_connect(
      client, "options-request",
      G_CALLBACK(+[](GstRTSPClient *, GstRTSPContext *, gpointer d) {
        static_cast<Camera *>(d)->options_++;
      }),
      self);
  g_signal_connect(
      client, "get-parameter-request",
      G_CALLBACK(+[](GstRTSPClient *, GstRTSPContext *, gpointer d) {
        static_cast<Camera *>(d)->get_parameters_++;
      }),
      self);
  g_signal_connect(
      client, "teardown-request",
      G_CALLBACK(+[](GstRTSPClient *, GstRTSPContext *, gpointer d) {
        static_cast<Camera *>(d)->teardowns_++;
      }),
      self);
  if (self->opts_.session_timeout > 0)
    g_signal_connect(
        client, "new-session",
        G_CALLBACK(+[](GstRTSPClient *, GstRTSPSession *session, gpointer d) {
          gst_rtsp_session_set_timeout(
              session, static_cast<Camera *>(d)->opts_.session_timeout);
        }),
        self);
}

std::string Camera::request_counts() const {
  return "options=" + std::to_string(options_) +
         " get-parameter=" + std::to_string(get_parameters_) +
         " teardown=" + std::to_string(teardowns_);
}

gboolean Camera::cleanup_cb(gpointer data) {
  auto *self = static_cast<Camera *>(data);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(self->server_);
  if (pool) {
    gst_rtsp_session_pool_cleanup(pool);
    g_object_unref(pool);
  }
  return G_SOURCE_CONTINUE;
}

Camera::~Camera() {
  if (reopen_timer_) g_source_remove(reopen_timer_);
  if (cleanup_timer_) g_source_remove(cleanup_timer_);
  listener_.close();
  drop_all();
  g_object_unref(server_);
}

void Camera::add_factory(int channel, int subtype) {
  GstRTSPMediaFactory *f = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(
      f, launch_line(opts_, loops_.audio != nullptr).c_str());
  gst_rtsp_media_factory_set_shared(f, TRUE);
  if (!opts_.user.empty())
    gst_rtsp_media_factory_add_role(
        f, kRole, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
        GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);

  auto *ctx = new FactoryContext{
      subtype == 0 ? loops_.main_video : loops_.sub_video, loops_.audio};
  g_signal_connect_data(
      f, "media-configure", G_CALLBACK(on_media_configure), ctx,
      [](gpointer p, GClosure *) { delete static_cast<FactoryContext *>(p); },
      GConnectFlags(0));

  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server_);
  gst_rtsp_mount_points_add_factory(
      mounts, dahua_mount_path(channel, subtype).c_str(), f);
  g_object_unref(mounts);
}

bool Camera::start(std::string &error) {
  return listener_.open(opts_.address, opts_.port, error);
}

void Camera::accept(GSocket *socket) {
  std::string ip = "0.0.0.0";
  int port = 0;
  GSocketAddress *remote = g_socket_get_remote_address(socket, nullptr);
  if (remote) {
    auto *inet = G_INET_SOCKET_ADDRESS(remote);
    gchar *s =
        g_inet_address_to_string(g_inet_socket_address_get_address(inet));
    ip = s;
    g_free(s);
    port = g_inet_socket_address_get_port(inet);
    g_object_unref(remote);
  }
  // Takes the socket.
  gst_rtsp_server_transfer_connection(server_, socket, ip.c_str(), port,
                                      nullptr);
}

void Camera::drop_all() {
  gst_rtsp_server_client_filter(server_, remove_client, nullptr);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  if (pool) {
    GList *l = gst_rtsp_session_pool_filter(pool, remove_session, nullptr);
    g_list_free_full(l, g_object_unref);
    g_object_unref(pool);
  }
}

void Camera::refuse(double seconds) {
  listener_.close();
  if (reopen_timer_) g_source_remove(reopen_timer_);
  reopen_timer_ =
      g_timeout_add(static_cast<guint>(seconds * 1000 + 0.5), reopen_cb, this);
}

gboolean Camera::reopen_cb(gpointer data) {
  auto *self = static_cast<Camera *>(data);
  self->reopen_timer_ = 0;
  std::string error;
  if (!self->listener_.reopen(error)) {
    std::fprintf(stderr, "dvr-mock-camera: %s; trying again in 1 s\n",
                 error.c_str());
    self->reopen_timer_ = g_timeout_add(1000, reopen_cb, self);
  }
  return G_SOURCE_REMOVE;
}

int Camera::client_count() {
  int n = 0;
  GList *l = gst_rtsp_server_client_filter(server_, count_client, &n);
  g_list_free_full(l, g_object_unref);
  return n;
}

}  // namespace mockcam
