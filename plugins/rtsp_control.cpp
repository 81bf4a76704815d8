#include "rtsp_control.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

GST_DEBUG_CATEGORY_EXTERN (dvr_rtsp_src_debug);
#define GST_CAT_DEFAULT dvr_rtsp_src_debug

/* Responses to skip (requests from the camera, stray data) before giving up. */
#define MAX_UNRELATED_MESSAGES 64

RtspControl::RtspControl (const std::string & location, const std::string & user,
    const std::string & password, guint64 timeout_us)
:  timeout_us_ (timeout_us)
{
  if (gst_rtsp_url_parse (location.c_str (), &parsed_) != GST_RTSP_OK || !parsed_) {
    parsed_ = nullptr;
    return;
  }
  user_ = !user.empty () ? user : (parsed_->user ? parsed_->user : "");
  password_ = !password.empty () ? password : (parsed_->passwd ? parsed_->passwd : "");
  g_autofree gchar *uri = gst_rtsp_url_get_request_uri (parsed_);
  url_ = uri ? uri : "";
  guint16 port = 554;
  gst_rtsp_url_get_port (parsed_, &port);
  host_ = std::string (parsed_->host ? parsed_->host : "") + ":" + std::to_string (port);
  if (gst_rtsp_connection_create (parsed_, &conn_) != GST_RTSP_OK)
    conn_ = nullptr;
}

RtspControl::~RtspControl ()
{
  if (conn_) {
    gst_rtsp_connection_close (conn_);
    gst_rtsp_connection_free (conn_);
  }
  if (parsed_)
    gst_rtsp_url_free (parsed_);
  /* The password is not left behind in freed memory longer than needed. */
  std::fill (password_.begin (), password_.end (), '\0');
}

GSocket *
RtspControl::socket () const
{
  return gst_rtsp_connection_get_read_socket (conn_);
}

void
RtspControl::interrupt ()
{
  if (conn_)
    gst_rtsp_connection_flush (conn_, TRUE);
}

bool
RtspControl::connect (RtspFailure * failure)
{
  GST_DEBUG ("connecting to %s", host_.c_str ());
  const GstRTSPResult res = gst_rtsp_connection_connect_usec (conn_, (gint64) timeout_us_);
  if (res == GST_RTSP_OK)
    return true;
  g_autofree gchar *why = gst_rtsp_strresult (res);
  failure->kind = res == GST_RTSP_EINTR ? RtspFailure::Kind::kCancelled : RtspFailure::Kind::kConnect;
  failure->detail = "Could not connect to " + host_ + " (" + why + ")";
  return false;
}

void
RtspControl::add_common_headers (GstRTSPMessage * msg)
{
  gst_rtsp_message_add_header (msg, GST_RTSP_HDR_CSEQ, std::to_string (cseq_++).c_str ());
  gst_rtsp_message_add_header (msg, GST_RTSP_HDR_USER_AGENT, "stream-dvr dvrrtspsrc");
  if (!session_.empty ())
    gst_rtsp_message_add_header (msg, GST_RTSP_HDR_SESSION, session_.c_str ());
}

/* Takes the camera's challenge: Digest when offered (the password never
 * crosses the network), else Basic. False when there is nothing to try. */
bool
RtspControl::use_credentials (GstRTSPMessage * response)
{
  if (user_.empty () && password_.empty ())
    return false;
  GstRTSPAuthCredential **creds =
      gst_rtsp_message_parse_auth_credentials (response, GST_RTSP_HDR_WWW_AUTHENTICATE);
  if (!creds)
    return false;
  GstRTSPAuthCredential *digest = nullptr, *basic = nullptr;
  for (GstRTSPAuthCredential ** c = creds; *c; c++) {
    if ((*c)->scheme == GST_RTSP_AUTH_DIGEST && !digest)
      digest = *c;
    if ((*c)->scheme == GST_RTSP_AUTH_BASIC && !basic)
      basic = *c;
  }
  bool ok = false;
  gst_rtsp_connection_clear_auth_params (conn_);
  if (digest) {
    gst_rtsp_connection_set_auth (conn_, GST_RTSP_AUTH_DIGEST, user_.c_str (), password_.c_str ());
    for (GstRTSPAuthParam ** p = digest->params; p && *p; p++)
      gst_rtsp_connection_set_auth_param (conn_, (*p)->name, (*p)->value);
    ok = true;
  } else if (basic) {
    gst_rtsp_connection_set_auth (conn_, GST_RTSP_AUTH_BASIC, user_.c_str (), password_.c_str ());
    ok = true;
  }
  gst_rtsp_auth_credentials_free (creds);
  GST_DEBUG ("answering the camera's challenge with %s authentication",
      digest ? "digest" : (basic ? "basic" : "no"));
  return ok;
}

bool
RtspControl::send_request (GstRTSPMethod method, const std::string & uri,
    GstRTSPMessage * response, RtspFailure * failure, const char *transport)
{
  GstRTSPMessage req = { };
  gst_rtsp_message_init_request (&req, method, uri.c_str ());
  add_common_headers (&req);
  if (transport)
    gst_rtsp_message_add_header (&req, GST_RTSP_HDR_TRANSPORT, transport);
  if (method == GST_RTSP_DESCRIBE)
    gst_rtsp_message_add_header (&req, GST_RTSP_HDR_ACCEPT, "application/sdp");
  if (method == GST_RTSP_PLAY)
    gst_rtsp_message_add_header (&req, GST_RTSP_HDR_RANGE, "npt=0.000-");
  GST_DEBUG ("%s %s", gst_rtsp_method_as_text (method), uri.c_str ());
  GstRTSPResult res = gst_rtsp_connection_send_usec (conn_, &req, (gint64) timeout_us_);
  gst_rtsp_message_unset (&req);
  for (int i = 0; res == GST_RTSP_OK && i < MAX_UNRELATED_MESSAGES; i++) {
    gst_rtsp_message_unset (response);
    res = gst_rtsp_connection_receive_usec (conn_, response, (gint64) timeout_us_);
    if (res == GST_RTSP_OK && gst_rtsp_message_get_type (response) == GST_RTSP_MESSAGE_RESPONSE)
      return true;
  }
  g_autofree gchar *why = gst_rtsp_strresult (res);
  failure->kind = res == GST_RTSP_EINTR ? RtspFailure::Kind::kCancelled : RtspFailure::Kind::kIo;
  failure->detail = std::string (gst_rtsp_method_as_text (method)) + " of " + url_ + ": " +
      (res == GST_RTSP_OK ? "no response" : why);
  return false;
}

void
RtspControl::fail_status (GstRTSPMethod method, GstRTSPMessage * response, RtspFailure * failure)
{
  GstRTSPStatusCode code;
  const gchar *reason;
  GstRTSPVersion version;
  gst_rtsp_message_parse_response (response, &code, &reason, &version);
  failure->kind = code == GST_RTSP_STS_UNAUTHORIZED ? RtspFailure::Kind::kUnauthorized :
      code == GST_RTSP_STS_NOT_FOUND ? RtspFailure::Kind::kNotFound : RtspFailure::Kind::kRefused;
  failure->detail = std::string (gst_rtsp_method_as_text (method)) + " of " + url_ + ": " +
      std::to_string ((int) code) + " " + (reason ? reason : "");
}

bool
RtspControl::request (GstRTSPMethod method, const std::string & uri, GstRTSPMessage * response,
    RtspFailure * failure, const char *transport)
{
  /* At most one retry: the first answer to a 401 with credentials. */
  for (int attempt = 0; attempt < 2; attempt++) {
    if (!send_request (method, uri, response, failure, transport))
      return false;
    GstRTSPStatusCode code;
    gst_rtsp_message_parse_response (response, &code, nullptr, nullptr);
    if (code == GST_RTSP_STS_OK) {
      gchar *session = nullptr;
      if (gst_rtsp_message_get_header (response, GST_RTSP_HDR_SESSION, &session, 0) == GST_RTSP_OK
          && session_.empty ()) {
        const gchar *semi = strchr (session, ';');
        session_ = semi ? std::string (session, semi - session) : session;
        const gchar *timeout = semi ? strstr (semi, "timeout=") : nullptr;
        if (timeout) {
          const long seconds = strtol (timeout + 8, nullptr, 10);
          if (seconds > 0 && seconds < 86400)
            session_timeout_ = (guint) seconds;
        }
      }
      return true;
    }
    if (code != GST_RTSP_STS_UNAUTHORIZED || attempt > 0 || !use_credentials (response))
      break;
  }
  fail_status (method, response, failure);
  return false;
}

bool
RtspControl::options (RtspFailure * failure)
{
  GstRTSPMessage response = { };
  const bool ok = request (GST_RTSP_OPTIONS, url_, &response, failure);
  gchar *methods = nullptr;
  if (ok && gst_rtsp_message_get_header (&response, GST_RTSP_HDR_PUBLIC, &methods, 0) == GST_RTSP_OK)
    get_parameter_ = strstr (methods, "GET_PARAMETER") != nullptr;
  gst_rtsp_message_unset (&response);
  /* Some cameras answer OPTIONS only after DESCRIBE: only a refusal of the
   * credentials or the connection is final here. */
  if (!ok && failure->kind != RtspFailure::Kind::kCancelled && failure->kind != RtspFailure::Kind::kIo &&
      failure->kind != RtspFailure::Kind::kUnauthorized) {
    *failure = RtspFailure ();
    return true;
  }
  return ok;
}

bool
RtspControl::describe (std::string * sdp, std::string * content_base, RtspFailure * failure)
{
  GstRTSPMessage response = { };
  bool ok = request (GST_RTSP_DESCRIBE, url_, &response, failure);
  if (ok) {
    guint8 *body = nullptr;
    guint size = 0;
    gst_rtsp_message_get_body (&response, &body, &size);
    sdp->assign ((const char *) body, size);
    gchar *base = nullptr;
    if (gst_rtsp_message_get_header (&response, GST_RTSP_HDR_CONTENT_BASE, &base, 0) == GST_RTSP_OK ||
        gst_rtsp_message_get_header (&response, GST_RTSP_HDR_CONTENT_LOCATION, &base, 0) == GST_RTSP_OK)
      *content_base = base;
    else
      *content_base = url_;
    if (sdp->empty ()) {
      failure->kind = RtspFailure::Kind::kRefused;
      failure->detail = "DESCRIBE of " + url_ + ": no SDP";
      ok = false;
    }
  }
  gst_rtsp_message_unset (&response);
  return ok;
}

bool
RtspControl::setup (const std::string & uri, int channel, int *rtp_channel, int *rtcp_channel,
    RtspFailure * failure)
{
  const std::string transport = "RTP/AVP/TCP;unicast;interleaved=" + std::to_string (channel) + "-" +
      std::to_string (channel + 1);
  GstRTSPMessage response = { };
  bool ok = request (GST_RTSP_SETUP, uri, &response, failure, transport.c_str ());
  *rtp_channel = channel;
  *rtcp_channel = channel + 1;
  gchar *answer = nullptr;
  if (ok && gst_rtsp_message_get_header (&response, GST_RTSP_HDR_TRANSPORT, &answer, 0) == GST_RTSP_OK) {
    GstRTSPTransport *t = nullptr;
    gst_rtsp_transport_new (&t);
    if (gst_rtsp_transport_parse (answer, t) == GST_RTSP_OK && t->lower_transport == GST_RTSP_LOWER_TRANS_TCP
        && t->interleaved.min >= 0 && t->interleaved.min < 256) {
      *rtp_channel = t->interleaved.min;
      *rtcp_channel = t->interleaved.max >= 0 && t->interleaved.max < 256 ? t->interleaved.max : -1;
    } else if (t->lower_transport != GST_RTSP_LOWER_TRANS_TCP) {
      failure->kind = RtspFailure::Kind::kRefused;
      failure->detail = "SETUP of " + uri + ": the camera offered no TCP transport";
      ok = false;
    }
    gst_rtsp_transport_free (t);
  }
  gst_rtsp_message_unset (&response);
  return ok;
}

bool
RtspControl::play (std::string * rtp_info, RtspFailure * failure)
{
  GstRTSPMessage response = { };
  const bool ok = request (GST_RTSP_PLAY, url_, &response, failure);
  gchar *info = nullptr;
  if (ok && gst_rtsp_message_get_header (&response, GST_RTSP_HDR_RTP_INFO, &info, 0) == GST_RTSP_OK)
    *rtp_info = info;
  gst_rtsp_message_unset (&response);
  return ok;
}

bool
RtspControl::send_keep_alive ()
{
  GstRTSPMessage req = { };
  gst_rtsp_message_init_request (&req, get_parameter_ ? GST_RTSP_GET_PARAMETER : GST_RTSP_OPTIONS,
      url_.c_str ());
  add_common_headers (&req);
  const GstRTSPResult res = gst_rtsp_connection_send_usec (conn_, &req, (gint64) timeout_us_);
  gst_rtsp_message_unset (&req);
  GST_LOG ("keep-alive sent: %d", res);
  return res == GST_RTSP_OK;
}

bool
RtspControl::send_interleaved (guint8 channel, const guint8 * data, gsize size)
{
  GstRTSPMessage msg = { };
  gst_rtsp_message_init_data (&msg, channel);
  gst_rtsp_message_set_body (&msg, data, (guint) size);
  const GstRTSPResult res = gst_rtsp_connection_send_usec (conn_, &msg, (gint64) timeout_us_);
  gst_rtsp_message_unset (&msg);
  return res == GST_RTSP_OK;
}

void
RtspControl::teardown (guint64 timeout_us)
{
  if (session_.empty ())
    return;
  GstRTSPMessage req = { };
  gst_rtsp_message_init_request (&req, GST_RTSP_TEARDOWN, url_.c_str ());
  add_common_headers (&req);
  const GstRTSPResult res = gst_rtsp_connection_send_usec (conn_, &req, (gint64) timeout_us);
  gst_rtsp_message_unset (&req);
  GST_DEBUG ("TEARDOWN %s: %s", url_.c_str (), res == GST_RTSP_OK ? "sent" : "not sent");
  session_.clear ();
}
