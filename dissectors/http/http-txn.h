/* One HTTP transaction (request + its interim and final responses), shared by the
 * session state machine, the tap and the log writer. Internal to dissectors/http. */
#pragma once
#include <glib.h>

typedef struct {
  GList link;               /* in the session's queue (data = the transaction) */
  guint32 depth;            /* 1-based position on the connection (Zeek's trans_depth) */
  gint64 ts_req_start;      /* first byte of the request line; 0 = unset */
  gint64 ts_req_end;        /* last byte of the request */
  gint64 ts_resp_start;     /* first byte of the final response's status line */
  gint64 ts_resp_end;       /* last byte of the final response */

  char *method;             /* NULL for an orphan response */
  char *uri;
  char *host;
  char *user_agent;
  char *resp_content_type;  /* media type, lowercase, parameters stripped */
  char *status_msg;
  char *info_msg;
  guint8 *h2_settings;      /* HTTP2-Settings, decoded (an h2c upgrade's SETTINGS payload) */
  gsize h2_settings_len;

  guint8 req_major, req_minor;
  guint8 resp_major, resp_minor;
  guint16 status_code;      /* final status; 0 = none (yet, or HTTP/0.9) */
  guint16 info_code;        /* last 1xx */
  guint64 req_body_len;
  guint64 resp_body_len;
  guint32 stream_id;        /* HTTP/2 stream; 0 = none (HTTP/1) */
  /* Where the request sits in the client's stream and what its sender had received of
   * the server's stream (WtStreamAcks; WT_STREAM_UNKNOWN when not known), and where the
   * first byte the capture missed after it lies: pairing after capture loss. */
  guint64 req_off;
  guint64 req_acked;
  guint64 unseen_after;

  guint req_done : 1;
  guint resp_done : 1;
  guint has_final : 1;      /* a final status line was parsed */
  guint http09 : 1;         /* version-less (HTTP/0.9) request line */
  guint raw_response : 1;   /* ... answered by raw bytes until close (no status line) */
  guint is_head : 1;
  guint is_connect : 1;
  guint wants_upgrade : 1;  /* the request carried Upgrade (+ Connection: upgrade) */
  guint expect_continue : 1;
  guint incomplete : 1;     /* a gap, a truncation or a broken message touched it */
  guint orphan : 1;         /* a response for which no request was seen */
  guint request_lost : 1;   /* ... on a connection with capture loss: "request not captured" */
  guint answer_lost : 1;    /* answered, but the capture lost the answer: "answer not captured" */
  guint tunnel : 1;         /* CONNECT 2xx */
  guint upgraded : 1;       /* 101 Switching Protocols */
  guint websocket : 1;      /* ... to WebSocket */
  guint tls : 1;            /* carried by TLS (decrypted HTTPS): scheme https */
  guint wants_h2c : 1;      /* the Upgrade header offered h2c (HTTP/2 in the clear) */

  /* Room for the strings above, allocated with the transaction (http-session.c's
   * txn_text): the usual method, URI, host, agent and reason fit, so a transaction costs
   * one allocation instead of six. Longer or non-ASCII strings go to the heap as before;
   * a string is freed only when it does not point in here. */
  guint16 text_used;
  char text[240];
} WtHttpTxn;
