/* Helpers for the per-frame packet struct declared in analyzer/core/packet.h. */
#include "analyzer/core/packet.h"

#include <arpa/inet.h>
#include <string.h>

const char *wt_addr_to_string(const WtAddr *a, char *buf, gsize size)
{
  g_return_val_if_fail(buf != NULL && size > 0, buf);
  buf[0] = '\0';
  /* inet_ntop writes RFC 5952 text ("2001:db8::1"), as tshark and Zeek print it. */
  if (a->family == 4) {
    if (!inet_ntop(AF_INET, a->bytes, buf, (socklen_t) size))
      buf[0] = '\0';
  } else if (a->family == 6) {
    if (!inet_ntop(AF_INET6, a->bytes, buf, (socklen_t) size))
      buf[0] = '\0';
  } else {
    g_strlcpy(buf, "-", size);
  }
  return buf;
}

/* Total order: by family, then by bytes. Used to put the smaller endpoint first in
 * direction-independent flow keys. */
int wt_addr_compare(const WtAddr *a, const WtAddr *b)
{
  if (a->family != b->family)
    return a->family < b->family ? -1 : 1;
  return memcmp(a->bytes, b->bytes, sizeof a->bytes);
}
