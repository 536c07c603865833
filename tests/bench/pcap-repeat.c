/* Writes a classic pcap file N times over to standard output as one capture, each pass
 * later than the one before by the capture's span plus an hour, so the second pass is new
 * traffic to an analyzer (its connections were closed and expired long ago) and not a
 * retransmission of the first, as the same file given twice would be.
 *
 *   pcap-repeat N FILE | wiretab -r -
 *
 * The memory benchmark (memory-bench.py) feeds wiretab ten passes this way to see whether
 * its memory grows with the amount of traffic. Classic pcap only (editcap -F pcap converts),
 * in the byte order of this machine. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#define FILE_HEADER_LEN 24
#define RECORD_HEADER_LEN 16
#define PASS_GAP_SECONDS 3600

typedef struct {
  uint32_t sec, frac, caplen, len;
} RecordHeader;

static const unsigned char *map_file(const char *path, size_t *len)
{
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    fprintf(stderr, "pcap-repeat: %s: %s\n", path, strerror(errno));
    exit(2);
  }
  *len = (size_t) st.st_size;
  void *p = *len ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  close(fd);
  if (p == MAP_FAILED) {
    fprintf(stderr, "pcap-repeat: %s: cannot map the file (empty?)\n", path);
    exit(2);
  }
  madvise(p, *len, MADV_SEQUENTIAL);
  return p;
}

/* The first and last timestamps' seconds; exits when a record runs past the end. */
static void span(const unsigned char *p, size_t len, const char *path, uint32_t *first,
                 uint32_t *last)
{
  *first = *last = 0;
  for (size_t off = FILE_HEADER_LEN; off < len;) {
    RecordHeader h;
    if (len - off < RECORD_HEADER_LEN) {
      fprintf(stderr, "pcap-repeat: %s: cut short inside a record header\n", path);
      exit(2);
    }
    memcpy(&h, p + off, sizeof h);
    if (off == FILE_HEADER_LEN)
      *first = h.sec;
    *last = h.sec;
    off += RECORD_HEADER_LEN + (size_t) h.caplen;
    if (off > len) {
      fprintf(stderr, "pcap-repeat: %s: cut short inside a frame\n", path);
      exit(2);
    }
  }
}

/* One pass: every record, its seconds moved on by `shift`. */
static void write_pass(const unsigned char *p, size_t len, uint32_t shift)
{
  for (size_t off = FILE_HEADER_LEN; off < len;) {
    RecordHeader h;
    memcpy(&h, p + off, sizeof h);
    h.sec += shift;
    if (fwrite(&h, sizeof h, 1, stdout) != 1 ||
        fwrite(p + off + RECORD_HEADER_LEN, 1, h.caplen, stdout) != h.caplen) {
      fprintf(stderr, "pcap-repeat: writing: %s\n", strerror(errno));
      exit(2);
    }
    off += RECORD_HEADER_LEN + (size_t) h.caplen;
  }
}

int main(int argc, char **argv)
{
  if (argc != 3 || atoi(argv[1]) < 1) {
    fprintf(stderr, "usage: pcap-repeat N FILE > OUT (N >= 1; FILE a classic pcap)\n");
    return 1;
  }
  int passes = atoi(argv[1]);
  size_t len;
  const unsigned char *p = map_file(argv[2], &len);
  uint32_t magic;
  memcpy(&magic, p, sizeof magic);
  if (len < FILE_HEADER_LEN || (magic != MAGIC_USEC && magic != MAGIC_NSEC)) {
    fprintf(stderr, "pcap-repeat: %s: not a classic pcap file in this machine's byte order "
                    "(convert it with editcap -F pcap)\n", argv[2]);
    return 2;
  }
  uint32_t first, last;
  span(p, len, argv[2], &first, &last);
  static char buf[1 << 20];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  fwrite(p, 1, FILE_HEADER_LEN, stdout);
  for (int i = 0; i < passes; i++)
    write_pass(p, len, (uint32_t) i * (last - first + PASS_GAP_SECONDS));
  if (fflush(stdout) != 0) {
    fprintf(stderr, "pcap-repeat: writing: %s\n", strerror(errno));
    return 2;
  }
  return 0;
}
