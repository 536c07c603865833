#include "dissectors/ip/inet-checksum.h"

/* One's-complement addition is associative, so folding the running sum down to 16 bits
 * between blocks gives the same result and keeps the return value small. */
static guint32 fold16(guint64 acc)
{
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (guint32) acc;
}

guint32 wt_inet_sum(guint32 sum, const guint8 *data, gsize len)
{
  guint64 acc = sum;
  gsize i = 0;
  for (; len - i >= 2; i += 2)
    acc += (guint32) ((data[i] << 8) | data[i + 1]);
  if (i < len)
    acc += (guint32) (data[i] << 8);
  return fold16(acc);
}

guint16 wt_inet_fold(guint32 sum)
{
  return (guint16) ~fold16(sum);
}

guint32 wt_inet_pseudo_sum(const WtPacket *pkt, guint8 proto, guint32 l4_len)
{
  gsize alen = pkt->src.family == 6 ? 16 : 4;
  guint64 acc = wt_inet_sum(0, pkt->src.bytes, alen);
  acc += wt_inet_sum(0, pkt->dst.bytes, alen);
  acc += proto;
  acc += l4_len >> 16;
  acc += l4_len & 0xffff;
  return fold16(acc);
}
