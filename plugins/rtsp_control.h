/* The RTSP control exchange of dvrrtspsrc, over GstRTSPConnection: OPTIONS,
 * DESCRIBE (following redirects, answering Basic or Digest challenges),
 * SETUP of each recorded stream with interleaved channels, PLAY, keep-alives
 * and TEARDOWN to the session's aggregate control URL. After PLAY the
 * element reads the connection itself; the keep-alives' responses come back
 * among the media and are skipped there.
 *
 * Nothing here logs a header: an Authorization header is the password (Basic
 * is only base64), and the URL in messages never has user info. */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/rtsp/rtsp.h>

#include <cstdint>
#include <optional>
#include <string>

#include "rtsp_auth.h"

struct RtspFailure
{
  enum class Kind
  {
    kNone,
    kConnect,      /* no connection to the camera */
    kUnauthorized, /* 401 with the credentials tried, or none given */
    kNotFound,     /* 404 */
    kRefused,      /* another error status */
    kProtocol,     /* an answer the lean source cannot use: rtspsrc may */
    kIo,           /* the connection broke or timed out mid-exchange */
    kCancelled,    /* the element is stopping */
  };
  Kind kind = Kind::kNone;
  std::string detail; /* for the debug text: never holds a secret */
};

/* How an rtsps:// camera's certificate is checked. */
struct TlsPolicy
{
  bool validate = true;    /* false: any certificate is taken */
  std::string fingerprint; /* SHA-256 of the DER, hex; a match is taken */
};

class RtspControl
{
public:
  /* location may hold user info (percent-encoded); user and password, when
   * set, win over it. */
  RtspControl (const std::string &location, const std::string &user,
      const std::string &password, guint64 timeout_us,
      const TlsPolicy &tls = TlsPolicy ());
  ~RtspControl ();
  RtspControl (const RtspControl &) = delete;
  RtspControl &operator= (const RtspControl &) = delete;

  bool valid () const { return conn_ != nullptr; }
  /* The URL without user info: the one to show and to request. */
  const std::string &url () const { return url_; }

  bool connect (RtspFailure *failure);
  bool options (RtspFailure *failure);
  /* sdp: the body; base: the URL that control attributes are relative to. */
  bool describe (std::string *sdp, std::string *base, RtspFailure *failure);
  /* PLAY, keep-alives and TEARDOWN go here; the base until set. */
  void set_aggregate_url (const std::string &url) { aggregate_ = url; }
  const std::string &aggregate_url () const { return aggregate_; }
  /* channel: the first of the two interleaved channels to ask for; the
   * camera may pick others, returned in rtp_channel and rtcp_channel. */
  bool setup (const std::string &url, int channel, int *rtp_channel,
      int *rtcp_channel, RtspFailure *failure);
  bool play (std::string *rtp_info, RtspFailure *failure);

  /* Sent without waiting for the answer, which comes among the media. */
  bool send_keep_alive ();
  bool send_interleaved (guint8 channel, const guint8 *data, gsize size);
  /* Says goodbye, waiting at most timeout_us for the request to go out (not
   * for the answer): stopping never waits long for a camera. */
  void teardown (guint64 timeout_us);

  /* From another thread: makes a blocking exchange return at once. */
  void interrupt ();

  GSocket *socket () const;
  /* rtsps://: the media is read a message at a time through the
   * connection (which owns the TLS stream), not from the socket. */
  bool secure () const { return secure_; }
  /* One message within timeout_us: GST_RTSP_OK, ETIMEOUT, EINTR (interrupted), or an error. */
  GstRTSPResult receive (GstRTSPMessage *message, guint64 timeout_us);
  /* Undoes interrupt (), so that TEARDOWN can still go out. */
  void resume ();
  /* Seconds the camera keeps an idle session (Session: ...;timeout=), 60 if unsaid. */
  guint session_timeout () const { return session_timeout_; }

private:
  bool open (const std::string &url);
  void close ();
  bool request (GstRTSPMethod method, const std::string &uri,
      GstRTSPMessage *response, RtspFailure *failure,
      const char *transport = nullptr);
  bool send_request (GstRTSPMethod method, const std::string &uri,
      GstRTSPMessage *response, RtspFailure *failure, const char *transport);
  void add_common_headers (
      GstRTSPMessage *msg, GstRTSPMethod method, const std::string &uri);
  bool take_challenge (GstRTSPMessage *response, bool *stale);
  bool follow_redirect (GstRTSPMessage *response, RtspFailure *failure);
  void fail_status (
      GstRTSPMethod method, GstRTSPMessage *response, RtspFailure *failure);
  static gboolean accept_certificate (GTlsConnection *conn,
      GTlsCertificate *peer_cert, GTlsCertificateFlags errors,
      gpointer user_data);

  GstRTSPConnection *conn_ = nullptr;
  std::string url_;
  std::string aggregate_;
  std::string host_;
  std::string user_;
  std::string password_;
  guint64 timeout_us_;
  TlsPolicy tls_;
  guint cseq_ = 1;
  std::string session_;
  guint session_timeout_ = 60;
  bool get_parameter_ = false;
  std::optional<dvr::AuthChallenge>
      challenge_;         /* the one answered on every request */
  std::string setup_uri_; /* the stream being SET UP, for messages */
  guint32 nonce_count_ = 0;
  std::string cnonce_;
  bool secure_ = false; /* rtsps:// */
  bool certificate_refused_ = false;
  int redirects_ = 0;
};
