/* Link-layer decoders: Ethernet (+ 802.1Q/802.1ad VLAN tags, MPLS label stacks, 802.2
 * LLC/SNAP), Linux cooked capture v1/v2, raw IP, BSD loopback and NFLOG. Each reads
 * its header, narrows the reader to its payload and names the next table; none calls
 * the next layer itself. */
#pragma once
#include "analyzer/core/packet.h"

/* Link-layer header type numbers as libpcap's pcap_datalink() reports them. Spelled
 * out here because pcap/dlt.h picks DLT_RAW per platform (12, or 14 on OpenBSD) and we
 * want to accept both whatever platform wrote the capture. */
enum {
  WT_DLT_NULL = 0,
  WT_DLT_EN10MB = 1,
  WT_DLT_RAW = 12,
  WT_DLT_RAW_OPENBSD = 14,
  WT_LINKTYPE_RAW = 101,
  WT_DLT_LOOP = 108,
  WT_DLT_LINUX_SLL = 113,
  WT_DLT_IPV4 = 228,
  WT_DLT_IPV6 = 229,
  WT_DLT_NFLOG = 239,
  WT_DLT_LINUX_SLL2 = 276,
};

/* Ethertypes the tables know. */
enum {
  WT_ETHERTYPE_MAX_LENGTH = 1500, /* <= this: an 802.3 length field, LLC follows */
  WT_ETHERTYPE_IPV4 = 0x0800,
  WT_ETHERTYPE_ARP = 0x0806,
  WT_ETHERTYPE_VLAN = 0x8100,   /* 802.1Q C-tag */
  WT_ETHERTYPE_QINQ = 0x88a8,   /* 802.1ad S-tag */
  WT_ETHERTYPE_QINQ_OLD = 0x9100, /* pre-standard Q-in-Q */
  WT_ETHERTYPE_IPV6 = 0x86dd,
  WT_ETHERTYPE_MPLS = 0x8847,
  WT_ETHERTYPE_MPLS_MC = 0x8848,
};

/* Limits shared by the tag decoders (decoder_state of wt_vlan_decode / wt_mpls_decode). */
typedef struct {
  guint max_vlan_depth; /* tags beyond this: eth.vlan_too_deep, frame malformed */
  guint max_mpls_depth; /* labels beyond this: mpls.too_deep */
} WtLinkLimits;

WtDecodeResult wt_eth_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
/* 802.2 LLC (+ SNAP): reached through the ethertype table for keys <= 1500, which on
 * Ethernet are 802.3 length fields rather than ethertypes. */
WtDecodeResult wt_llc_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_vlan_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_mpls_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_sll_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_sll2_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
/* Raw IP with the version taken from the first nibble (DLT_RAW, LINKTYPE_RAW). */
WtDecodeResult wt_raw_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_raw_ipv4_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_raw_ipv6_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
/* BSD loopback DLT_NULL / DLT_LOOP: 4-byte address family in either byte order. */
WtDecodeResult wt_loop_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
WtDecodeResult wt_nflog_decode(gpointer state, WtPacket *pkt, WtReader *r, WtAnomalies *a);
