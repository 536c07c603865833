/* Role helpers of the flow struct declared in analyzer/core/flow.h. */
#include "analyzer/core/flow.h"

void wt_flow_fill_info(WtFlow *f)
{
  WtConnInfo *ci = &f->info;
  ci->proto = f->key.proto;
  wt_conn_info_reset_text(ci);
  if (f->lo_is_orig) {
    ci->orig_h = f->key.lo;
    ci->orig_p = f->key.port_lo;
    ci->resp_h = f->key.hi;
    ci->resp_p = f->key.port_hi;
  } else {
    ci->orig_h = f->key.hi;
    ci->orig_p = f->key.port_hi;
    ci->resp_h = f->key.lo;
    ci->resp_p = f->key.port_lo;
  }
}

void wt_flow_flip(WtFlow *f)
{
  f->lo_is_orig = !f->lo_is_orig;
  guint64 p = f->pkts[0], b = f->ip_bytes[0], pl = f->payload_bytes[0];
  f->pkts[0] = f->pkts[1];
  f->ip_bytes[0] = f->ip_bytes[1];
  f->payload_bytes[0] = f->payload_bytes[1];
  f->pkts[1] = p;
  f->ip_bytes[1] = b;
  f->payload_bytes[1] = pl;
  wt_flow_fill_info(f);
}
