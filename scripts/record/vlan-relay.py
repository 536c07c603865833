#!/usr/bin/env python3
"""An 802.1Q trunk between two untagged links, in user space.

    vlan-relay.py VID CLIENT_SIDE TRUNK_A TRUNK_B SERVER_SIDE READY_FILE

Used by scripts/record-captures.sh where the kernel has no 8021q module (no VLAN devices,
no tc vlan action). All four interfaces live in one namespace; TRUNK_A and TRUNK_B are the
two ends of one veth pair. A frame arriving on CLIENT_SIDE gets an 802.1Q tag (VID, PCP 0)
and is sent out of TRUNK_A; it arrives on TRUNK_B, loses the tag and leaves by SERVER_SIDE.
The other direction mirrors it. A capture on TRUNK_A therefore sees every frame of the
conversation, each exactly once, tagged. Frames the relay itself sends are ignored on
receive (PACKET_OUTGOING). Runs until killed.

The kernel hands received tagged frames to packet sockets with the tag moved to metadata, so
the relay strips a tag if one is still in the data and otherwise forwards the frame as is.
"""
import select
import socket
import struct
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def open_raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    return s


def main():
    vid = int(sys.argv[1])
    names = sys.argv[2:6]
    ready = sys.argv[6]
    cli, trunk_a, trunk_b, srv = (open_raw(n) for n in names)
    tag = struct.pack("!HH", 0x8100, vid & 0x0FFF)

    def add_tag(frame):
        return frame[:12] + tag + frame[12:]

    def strip_tag(frame):
        # The receive path moves the tag out of the frame data into packet metadata before
        # packet sockets see it (libpcap puts it back from PACKET_AUXDATA), so the relay
        # normally gets the frame untagged already.
        if len(frame) >= 18 and frame[12:14] == b"\x81\x00":
            return frame[:12] + frame[16:]
        return frame

    # receiving socket -> (sending socket, transform)
    routes = {
        cli.fileno(): (cli, trunk_a, add_tag),
        trunk_b.fileno(): (trunk_b, srv, strip_tag),
        srv.fileno(): (srv, trunk_b, add_tag),
        trunk_a.fileno(): (trunk_a, cli, strip_tag),
    }
    open(ready, "w").close()
    while True:
        readable, _, _ = select.select(list(routes), [], [])
        for fd in readable:
            rx, tx, transform = routes[fd]
            frame, addr = rx.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            out = transform(frame)
            if out is not None:
                tx.send(out)


if __name__ == "__main__":
    main()
