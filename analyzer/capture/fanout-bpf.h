/* The classic BPF program that spreads a live capture over the handles of a fanout group
 * (PACKET_FANOUT_CBPF): it returns the index of the handle, 0 to n-1, that gets a frame.
 *
 * Every frame of a flow goes to one handle, both directions to the same one, for the flows
 * the --threads router keys (wt_decode_route: the outermost IP header's addresses and, for
 * TCP and UDP, the ports):
 *   - IPv4 TCP and UDP: the addresses and the ports (the kernel has reassembled IPv4
 *     fragments first: PACKET_FANOUT_FLAG_DEFRAG);
 *   - UDP to or from a tunnel port (VXLAN, Geneve, GTP-U, Teredo, AYIYA, GRE in UDP and
 *     the --tunnel-port values): the addresses only, as the router, so every flow inside
 *     the tunnel meets its outer flow whatever source port each direction uses;
 *   - IPv6 TCP: the addresses and the ports, after up to WT_FANOUT_BPF_IP6_EXT hop-by-hop,
 *     routing or destination-options headers;
 *   - IPv6 UDP, IPv6 fragments, other IP protocols (ICMP, GRE, IP in IP ...), IPv4
 *     fragments the kernel left alone: the addresses only (the kernel does not reassemble
 *     IPv6, and a non-first fragment carries no ports: a UDP flow and its fragmented
 *     datagrams must meet);
 *   - anything else (not IPv4 or IPv6 to the kernel: ARP, a second VLAN tag, MPLS, PPPoE,
 *     or a frame too short for the headers it names): handle 0.
 * The hash is symmetric: the sum of both addresses and the sum of both ports, mixed.
 *
 * The program reads as the kernel gives a fanout program the frame: the protocol from the
 * socket buffer (SKF_AD_PROTOCOL, after the kernel removed a VLAN tag) and the headers
 * relative to the network header (SKF_NET_OFF), so it is the same for any link type and
 * for frames sent and received. */
#pragma once
#include <glib.h>
#include <pcap/bpf.h>

/* IPv6 extension headers (hop-by-hop, routing, destination options) walked before TCP. */
#define WT_FANOUT_BPF_IP6_EXT 3u

/* The kernel's offsets for a classic BPF load (linux/filter.h): at or above SKF_AD_OFF an
 * ancillary field of the socket buffer, at or above SKF_NET_OFF the byte at the network
 * header plus (k - SKF_NET_OFF). */
#define WT_SKF_AD_OFF (-0x1000)
#define WT_SKF_AD_PROTOCOL 0
#define WT_SKF_NET_OFF (-0x100000)

/* The program for n >= 1 handles with these UDP tunnel ports (wt_decode_udp_tunnel_ports);
 * free with wt_fanout_bpf_free. */
void wt_fanout_bpf_build(guint n, const guint16 *tunnel_ports, guint n_ports,
                         struct bpf_program *out);
void wt_fanout_bpf_free(struct bpf_program *prog);
